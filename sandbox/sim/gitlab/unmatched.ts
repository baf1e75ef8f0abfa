// Jobs that ask for tags no runner of the fleet has (a GPU training job, a Windows
// installer, an s390x image): GitLab keeps them pending until it fails them as stuck
// after a day, and nothing on the runner side tells anyone why. The sandbox starts with
// 2–4 of them (the GPU job always), and now and then another arrives (../unmatched.ts).

import { projectById, type Project } from '../catalog.js';
import { UnmatchedStream } from '../unmatched.js';

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

export function unmatchedJobs(seed: number): UnmatchedStream<UnmatchedShape> {
	return new UnmatchedStream(seed, 0x57a11, UNMATCHED_SHAPES, UNMATCHED_PER_ARRIVAL);
}
