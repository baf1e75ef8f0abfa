// Jobs that ask for tags no runner of the fleet has (a GPU training job, a Windows
// installer, an s390x image): GitLab keeps them pending until it fails them as stuck
// after a day, and nothing on the runner side tells anyone why. The sandbox starts with
// a small backlog of them, already waiting some minutes, and now and then another
// arrives. They come from their own seeded stream, so the regular arrivals (and every
// event that follows from them) are exactly what they would be without them.

import { MINUTE } from '../clock.js';
import { projectById, type Project } from '../catalog.js';
import { Rng, mix32 } from '../rng.js';

export interface UnmatchedShape {
	tags: readonly string[];
	project: Project;
	name: string;
	stage: string;
}

const shape = (tags: string[], projectId: number, name: string, stage: string): UnmatchedShape => ({
	tags,
	project: projectById(projectId) as Project,
	name,
	stage
});

/** What a fleet of docker, dind and nix runners on Linux never offers. */
export const UNMATCHED_SHAPES: readonly UnmatchedShape[] = [
	shape(['gpu', 'cuda'], 106, 'train-model', 'train'),
	shape(['windows', 'amd64'], 104, 'build-windows-installer', 'build'),
	shape(['docker', 's390x'], 102, 'build-s390x-image', 'build'),
	shape(['macos', 'arm64'], 103, 'build-ios-app', 'build')
];

/** Share of regular arrivals followed by an unmatched one: about one an hour at 30 jobs a minute. */
export const UNMATCHED_PER_ARRIVAL = 1 / 1800;

export class UnmatchedWork {
	/** Also serves jobs added through the control API, so those never touch the workload's stream. */
	readonly rng: Rng;

	constructor(seed: number) {
		this.rng = new Rng(mix32(seed, 0x57a11));
	}

	/** The backlog at start: 2–4 jobs created 5–50 minutes before `now`, oldest first. */
	backlog(now: number): { at: number; shape: UnmatchedShape }[] {
		const n = 2 + this.rng.int(3);
		const out: { at: number; shape: UnmatchedShape }[] = [];
		for (let i = 0; i < n; i++) {
			// The first is always the GPU job, so every seed has the classic case.
			const s = i === 0 ? (UNMATCHED_SHAPES[0] as UnmatchedShape) : this.rng.pick(UNMATCHED_SHAPES);
			out.push({ at: now - Math.round(this.rng.range(5 * MINUTE, 50 * MINUTE)), shape: s });
		}
		return out.sort((a, b) => a.at - b.at);
	}

	/** Whether a regular arrival brings an unmatched job along; if so, which one. */
	next(): UnmatchedShape | undefined {
		return this.rng.chance(UNMATCHED_PER_ARRIVAL) ? this.rng.pick(UNMATCHED_SHAPES) : undefined;
	}
}
