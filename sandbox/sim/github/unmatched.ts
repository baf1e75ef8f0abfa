// Workflow jobs that ask for what no runner or scale set of the organisation offers
// (CUDA, Windows, a scale set nobody installed): GitHub keeps them queued until it
// cancels them after a day. The sandbox starts with a small backlog of them, already
// waiting some minutes, and now and then another arrives — from their own seeded
// stream, so the regular arrivals are exactly what they would be without them.

import { MINUTE } from '../clock.js';
import { Rng, mix32 } from '../rng.js';
import { ORG } from './catalog.js';
import type { JobTarget } from './model.js';

export interface UnmatchedWorkflowJob {
	repo: string;
	name: string;
	target: JobTarget;
}

/** What self-hosted Linux runners with docker/gpu/large/nix labels and the gh-* scale sets never offer. */
export const UNMATCHED_WORKFLOW_JOBS: readonly UnmatchedWorkflowJob[] = [
	{ repo: `${ORG.login}/runner-images`, name: 'build CUDA image', target: { kind: 'labels', labels: ['self-hosted', 'linux', 'x64', 'gpu', 'cuda'] } },
	{ repo: `${ORG.login}/storefront`, name: 'build (windows)', target: { kind: 'labels', labels: ['self-hosted', 'windows', 'x64'] } },
	{ repo: `${ORG.login}/runner-images`, name: 'gpu smoke tests', target: { kind: 'scale_set', name: 'gh-gpu' } }
];

/** Share of regular arrivals followed by an unmatched one: about one every 75 minutes at 8 jobs a minute. */
export const UNMATCHED_PER_ARRIVAL = 1 / 600;

export class UnmatchedWorkflowJobs {
	/** Also serves jobs added through the control API. */
	readonly rng: Rng;

	constructor(seed: number) {
		this.rng = new Rng(mix32(seed, 0x9ab5));
	}

	/** The backlog at start: 2–3 jobs created 5–50 minutes before `now`, oldest first; the CUDA one always. */
	backlog(now: number): { at: number; job: UnmatchedWorkflowJob }[] {
		const n = 2 + this.rng.int(2);
		const out: { at: number; job: UnmatchedWorkflowJob }[] = [];
		for (let i = 0; i < n; i++) {
			const job = i === 0 ? (UNMATCHED_WORKFLOW_JOBS[0] as UnmatchedWorkflowJob) : this.rng.pick(UNMATCHED_WORKFLOW_JOBS);
			out.push({ at: now - Math.round(this.rng.range(5 * MINUTE, 50 * MINUTE)), job });
		}
		return out.sort((a, b) => a.at - b.at);
	}

	next(): UnmatchedWorkflowJob | undefined {
		return this.rng.chance(UNMATCHED_PER_ARRIVAL) ? this.rng.pick(UNMATCHED_WORKFLOW_JOBS) : undefined;
	}
}
