// What CI work looks like: which projects push, with which refs, and which tags their
// jobs ask for. Tag mixes mirror the runner kinds so most jobs find a runner, while a
// few (arm64 nix, protected deploys) can queue for a long time — as in real fleets.

import { MINUTE } from '../clock.js';
import { PROJECTS, type Project } from '../catalog.js';
import type { Rng } from '../rng.js';
import type { Job, Pipeline, Runner } from './model.js';

const JOB_TAGS: readonly (readonly [string[], number])[] = [
	[['docker'], 20],
	[['docker', 'linux', 'amd64'], 14],
	[['docker', 'linux'], 5],
	[['docker', 'arm64'], 4],
	[['dind'], 12],
	[['dind', 'amd64'], 5],
	[['nix'], 14],
	[['nix', 'linux'], 6],
	[['nix', 'arm64'], 3],
	[['kubernetes', 'docker'], 8],
	[[], 9]
];

const BRANCHES = ['feature/cache-warmup', 'fix/flaky-e2e', 'feature/new-billing', 'renovate/node-22.x', 'chore/bump-deps', 'feature/arm64-images'];
const STAGE_BY_POSITION = ['build', 'test', 'test', 'deploy'] as const;
const NAMES: Record<string, readonly string[]> = {
	build: ['build', 'compile', 'docker-build', 'nix-build'],
	test: ['unit-tests', 'lint', 'integration-tests', 'typecheck'],
	deploy: ['deploy-staging', 'publish', 'deploy-review']
};

/**
 * The shape of a job `r` may take (its project by the runner's scope, tags it has, a
 * protected ref when it only runs those), drawn only from `rng`: for the jobs already
 * running when the sandbox starts (GitLabSim's warm start).
 */
export function jobShapeFor(r: Runner, rng: Rng): { project: Project; tags: string[]; name: string; stage: string; ref: string } | null {
	const candidates = PROJECTS.filter((p) => (r.type === 'project_type' ? p.id === r.projectId : r.type === 'group_type' ? p.groupId === r.groupId : true));
	if (candidates.length === 0) return null;
	const project = rng.pick(candidates);
	const stage = rng.pick(STAGE_BY_POSITION);
	const name = rng.pick(NAMES[stage] ?? ['job']);
	// Its kind tag (docker, dind or nix), sometimes with one more of its tags; untagged only where it runs untagged jobs.
	const main = r.tags.includes(r.kind) ? r.kind : r.tags[0];
	let tags: string[];
	if (main === undefined || (r.runUntagged && rng.chance(0.1))) {
		if (!r.runUntagged) return null;
		tags = [];
	} else {
		const extra = r.tags.filter((t) => t !== main);
		tags = extra.length > 0 && rng.chance(0.4) ? [main, rng.pick(extra)] : [main];
	}
	const ref = r.accessLevel === 'ref_protected' || rng.chance(0.6) ? project.defaultBranch : rng.pick(BRANCHES);
	return { project, tags, name, stage, ref };
}

const MEDIAN_S = 150;
const SIGMA = 0.9;

/** Duration of a job's script (before runner timeouts apply). */
export function jobDurationMs(rng: Rng): number {
	return Math.round(Math.min(3600, Math.max(8, rng.logNormal(MEDIAN_S, SIGMA))) * 1000);
}

/**
 * Duration of a job found running at a random instant: long jobs are caught running more
 * often (length-biased), which for a log-normal is the same shape with its median times e^(σ²).
 */
export function runningJobDurationMs(rng: Rng): number {
	return Math.round(Math.min(3600, Math.max(8, rng.logNormal(MEDIAN_S * Math.exp(SIGMA * SIGMA), SIGMA))) * 1000);
}

export class Workload {
	private nextJobId = 1;
	private nextPipelineId = 1;
	private iidByProject = new Map<number, number>();
	private openPipeline = new Map<number, Pipeline>();

	constructor(private rng: Rng) {}

	/** A new pending job created at `at`, joining a recent pipeline of its project or starting one. */
	next(at: number): Job {
		const rng = this.rng;
		const project = rng.pick(PROJECTS);
		const pipeline = this.pipelineFor(project, at);
		const stage = STAGE_BY_POSITION[Math.min(pipeline.jobs.length, STAGE_BY_POSITION.length - 1)] ?? 'test';
		// Drawn in this order: the name, then the tags.
		const name = rng.pick(NAMES[stage] ?? ['job']);
		const tags = [...rng.weighted(JOB_TAGS)];
		return this.pending(at, pipeline, stage, name, tags, pipeline.tag || pipeline.ref === project.defaultBranch);
	}

	/**
	 * A pending job of a given shape in a pipeline of its own, drawing only from `rng`
	 * (never from the workload's stream, and joining no open pipeline), so jobs made
	 * this way leave the regular arrivals exactly as they would have been. Ids come
	 * from the same counters: GitLab's ids are global.
	 */
	custom(at: number, rng: Rng, shape: { project: Project; tags: readonly string[]; name: string; stage: string; ref?: string }): Job {
		const iid = (this.iidByProject.get(shape.project.id) ?? 0) + 1;
		this.iidByProject.set(shape.project.id, iid);
		const ref = shape.ref ?? shape.project.defaultBranch;
		const p: Pipeline = { id: this.nextPipelineId++, iid, projectId: shape.project.id, ref, sha: rng.hex(40), tag: false, createdAt: at, jobs: [] };
		return this.pending(at, p, shape.stage, shape.name, [...shape.tags], ref === shape.project.defaultBranch);
	}

	/** A new pending job, added to its pipeline. */
	private pending(at: number, pipeline: Pipeline, stage: string, name: string, tags: string[], protectedRef: boolean): Job {
		const job: Job = {
			id: this.nextJobId++,
			projectId: pipeline.projectId,
			pipeline,
			stage,
			name,
			ref: pipeline.ref,
			tag: pipeline.tag,
			protectedRef,
			tags,
			status: 'pending',
			createdAt: at,
			startedAt: null,
			finishedAt: null,
			endsAt: Infinity,
			runnerId: null,
			systemId: null,
			failureReason: null
		};
		pipeline.jobs.push(job);
		return job;
	}

	private pipelineFor(project: Project, at: number): Pipeline {
		const rng = this.rng;
		const open = this.openPipeline.get(project.id);
		if (open && open.jobs.length < 4 && at - open.createdAt < 2 * MINUTE && rng.chance(0.6)) return open;
		const iid = (this.iidByProject.get(project.id) ?? 0) + 1;
		this.iidByProject.set(project.id, iid);
		const u = rng.next();
		const tag = u < 0.05;
		const ref = tag ? `v1.${rng.int(30)}.${rng.int(10)}` : u < 0.6 ? project.defaultBranch : rng.pick(BRANCHES);
		const p: Pipeline = { id: this.nextPipelineId++, iid, projectId: project.id, ref, sha: rng.hex(40), tag, createdAt: at, jobs: [] };
		this.openPipeline.set(project.id, p);
		return p;
	}
}

/** A pipeline's status as GitLab aggregates it from its jobs. */
export function pipelineStatus(p: Pipeline): Job['status'] {
	let pending = false;
	let failed = false;
	let canceled = false;
	for (const j of p.jobs) {
		if (j.status === 'running') return 'running';
		if (j.status === 'pending') pending = true;
		if (j.status === 'failed') failed = true;
		if (j.status === 'canceled') canceled = true;
	}
	if (pending) return 'pending';
	if (failed) return 'failed';
	if (canceled) return 'canceled';
	return 'success';
}
