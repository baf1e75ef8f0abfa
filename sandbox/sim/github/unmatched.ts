// Workflow jobs that ask for what no runner or scale set of the organisation offers
// (CUDA, Windows, a scale set nobody installed): GitHub keeps them queued until it
// cancels them after a day. The sandbox starts with 2–3 of them (the CUDA job always),
// and now and then another arrives (../unmatched.ts).

import { UnmatchedStream } from '../unmatched.js';
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

export function unmatchedWorkflowJobs(seed: number): UnmatchedStream<UnmatchedWorkflowJob> {
	return new UnmatchedStream(seed, 0x9ab5, UNMATCHED_WORKFLOW_JOBS, UNMATCHED_PER_ARRIVAL);
}
