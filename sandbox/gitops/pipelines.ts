// The GitOps project's CI on either forge: a pipeline (GitLab) or workflow run (GitHub)
// of one or two jobs, `plan` and, on the default branch, `apply`. Jobs move on the
// simulated clock: created → pending (5 s) → running (5 s later) → success or failed
// (plan 30 s, apply 30 s), the next stage starting when the previous one succeeded and
// skipped when it failed. What a job does when it finishes is the flow's business
// (`JobRunner`); this module keeps the schedule, statuses and logs.

import type { StackName } from './stacks.js';

export type Forge = 'gitlab' | 'github';
export const FORGES = ['gitlab', 'github'] as const;
export type JobName = 'plan' | 'apply';
export const JOB_NAMES = ['plan', 'apply'] as const;
export type JobStatus = 'created' | 'pending' | 'running' | 'success' | 'failed' | 'canceled' | 'skipped';
export type PipelineStatus = 'created' | 'pending' | 'running' | 'success' | 'failed' | 'canceled';
/** GitLab's pipeline sources and GitHub's workflow run events. */
export type PipelineSource = 'merge_request_event' | 'push' | 'api' | 'pull_request' | 'workflow_dispatch';

/** Simulated seconds between a job's steps. */
export const TIMINGS = { pendingAfterS: 5, startAfterS: 5, planS: 30, applyS: 30 } as const;

export const MAX_PIPELINES = 1000;

export interface Job {
	id: number;
	name: JobName;
	status: JobStatus;
	createdAt: number;
	queuedAt: number | null;
	startedAt: number | null;
	finishedAt: number | null;
	/** When the job moves next (null: waits for the previous stage, or finished). */
	nextAt: number | null;
	/** The trace so far. */
	log: string;
	failureReason: string | null;
	/** Set by the control API: this job fails when it finishes. */
	failRequested: boolean;
}

export interface Pipeline {
	forge: Forge;
	id: number;
	/** Per-project sequence (GitLab `iid`, GitHub `run_number`). */
	iid: number;
	sha: string;
	beforeSha: string;
	/** GitLab `ref` (a branch, or `refs/merge-requests/<iid>/head`); on GitHub the head branch. */
	ref: string;
	/** The git branch the pipeline runs for. */
	branch: string;
	source: PipelineSource;
	/** The merge request iid / pull request number it belongs to. */
	proposal: number | null;
	stacks: StackName[];
	jobs: Job[];
	createdAt: number;
	updatedAt: number;
	status: PipelineStatus;
}

export interface JobOutcome {
	ok: boolean;
	/** What the job printed after the runner's preamble. */
	log: string;
	failureReason?: string;
	/** The job cannot run yet (the HCL parser is still loading): try again on the next step. */
	retry?: boolean;
}

/** Runs a job at the moment it finishes. */
export type JobRunner = (p: Pipeline, job: Job, at: number) => JobOutcome;

export type PipelineEvent =
	| { kind: 'pipeline'; pipeline: Pipeline; previous: PipelineStatus | null; at: number }
	| { kind: 'job'; pipeline: Pipeline; job: Job; previous: JobStatus | null; at: number };

const FINISHED: readonly JobStatus[] = ['success', 'failed', 'canceled', 'skipped'];
export const jobFinished = (j: Job) => FINISHED.includes(j.status);
export const pipelineFinished = (p: Pipeline) => p.status === 'success' || p.status === 'failed' || p.status === 'canceled';

/** A pipeline's status from its jobs' (GitLab's Ci::Status::Composite, for the statuses used here). */
export function compositeStatus(jobs: readonly Job[]): PipelineStatus {
	const only = (...s: JobStatus[]) => jobs.every((j) => s.includes(j.status));
	const any = (...s: JobStatus[]) => jobs.some((j) => s.includes(j.status));
	if (only('success', 'skipped')) return 'success';
	if (only('created')) return 'created';
	if (only('canceled', 'success', 'skipped')) return 'canceled';
	if (only('pending', 'created', 'skipped')) return 'pending';
	// A finished stage with the next one waiting counts as running.
	if (any('running', 'pending', 'created')) return 'running';
	return 'failed';
}

const ID_BASE: Record<Forge, { pipeline: number; job: number }> = {
	// Far above the simulated fleet's own pipeline and job ids.
	gitlab: { pipeline: 800_000_001, job: 900_000_001 },
	github: { pipeline: 12_000_000_001, job: 50_000_000_001 }
};

export class Pipelines {
	private readonly all: Pipeline[] = [];
	/** Unfinished pipelines: a step with none costs nothing (days of simulated time pass in one call). */
	private readonly active = new Set<Pipeline>();
	private readonly next: Record<Forge, { id: number; iid: number; job: number }> = {
		gitlab: { id: ID_BASE.gitlab.pipeline, iid: 1, job: ID_BASE.gitlab.job },
		github: { id: ID_BASE.github.pipeline, iid: 1, job: ID_BASE.github.job }
	};

	constructor(
		private readonly runner: JobRunner,
		private readonly emit: (e: PipelineEvent) => void,
		/** The runner preamble of a job's trace. */
		private readonly preamble: (p: Pipeline, job: Job) => string
	) {}

	list(forge?: Forge): Pipeline[] {
		return forge ? this.all.filter((p) => p.forge === forge) : [...this.all];
	}

	get(forge: Forge, id: number): Pipeline | undefined {
		return this.all.find((p) => p.forge === forge && p.id === id);
	}

	job(forge: Forge, id: number): { pipeline: Pipeline; job: Job } | undefined {
		for (const p of this.all) {
			if (p.forge !== forge) continue;
			const job = p.jobs.find((j) => j.id === id);
			if (job) return { pipeline: p, job };
		}
		return undefined;
	}

	/** A new pipeline: `plan`, then `apply` when `apply` is set. */
	create(opts: { forge: Forge; sha: string; beforeSha: string; ref: string; branch: string; source: PipelineSource; proposal: number | null; stacks: StackName[]; apply: boolean; at: number }): Pipeline {
		const n = this.next[opts.forge];
		const names: JobName[] = opts.apply ? ['plan', 'apply'] : ['plan'];
		const jobs = names.map((name, i): Job => ({
			id: n.job++,
			name,
			status: 'created',
			createdAt: opts.at,
			queuedAt: null,
			startedAt: null,
			finishedAt: null,
			nextAt: i === 0 ? opts.at + TIMINGS.pendingAfterS * 1000 : null,
			log: '',
			failureReason: null,
			failRequested: false
		}));
		const p: Pipeline = { ...opts, id: n.id++, iid: n.iid++, jobs, createdAt: opts.at, updatedAt: opts.at, status: 'created' };
		delete (p as Partial<typeof opts>).apply;
		delete (p as Partial<typeof opts>).at;
		this.all.push(p);
		this.active.add(p);
		this.evict();
		this.emit({ kind: 'pipeline', pipeline: p, previous: null, at: opts.at });
		for (const j of jobs) this.emit({ kind: 'job', pipeline: p, job: j, previous: null, at: opts.at });
		return p;
	}

	/** Keeps at most MAX_PIPELINES, dropping the oldest finished ones. */
	private evict(): void {
		while (this.all.length > MAX_PIPELINES) {
			const i = this.all.findIndex(pipelineFinished);
			if (i < 0) return;
			this.all.splice(i, 1);
		}
	}

	/** Cancels what has not finished (GitLab's redundant-pipeline cancelling, a closed run). */
	cancel(p: Pipeline, at: number): void {
		for (const j of p.jobs) {
			if (jobFinished(j)) continue;
			this.setJob(p, j, 'canceled', at);
			j.finishedAt = at;
			j.nextAt = null;
		}
		this.refresh(p, at);
	}

	/** Moves every transition due by `t1`, in time order (pipelines in creation order at the same moment). */
	step(t1: number): void {
		for (let guard = 0; guard < 100_000 && this.active.size > 0; guard++) {
			const active = [...this.active];
			let at = Infinity;
			for (const p of active) for (const j of p.jobs) if (j.nextAt !== null && j.nextAt <= t1 && j.nextAt < at) at = j.nextAt;
			if (at === Infinity) return;
			for (const p of active) for (const j of p.jobs) if (j.nextAt === at) this.advance(p, j, at);
		}
	}

	private advance(p: Pipeline, j: Job, at: number): void {
		if (j.status === 'created') {
			this.setJob(p, j, 'pending', at);
			j.queuedAt = at;
			j.nextAt = at + TIMINGS.startAfterS * 1000;
		} else if (j.status === 'pending') {
			this.setJob(p, j, 'running', at);
			j.startedAt = at;
			j.log = this.preamble(p, j);
			j.nextAt = at + (j.name === 'plan' ? TIMINGS.planS : TIMINGS.applyS) * 1000;
		} else if (j.status === 'running') {
			const out = this.runner(p, j, at);
			if (out.retry) {
				j.nextAt = at + TIMINGS.startAfterS * 1000;
				return;
			}
			j.log += out.log;
			j.finishedAt = at;
			j.nextAt = null;
			if (!out.ok) j.failureReason = out.failureReason ?? 'script_failure';
			this.setJob(p, j, out.ok ? 'success' : 'failed', at);
			const later = p.jobs.slice(p.jobs.indexOf(j) + 1);
			for (const k of later) {
				if (out.ok && k === later[0]) {
					this.setJob(p, k, 'pending', at);
					k.queuedAt = at;
					k.nextAt = at + TIMINGS.startAfterS * 1000;
				} else if (!out.ok) {
					this.setJob(p, k, 'skipped', at);
					k.nextAt = null;
				}
			}
		}
		this.refresh(p, at);
	}

	private setJob(p: Pipeline, j: Job, status: JobStatus, at: number): void {
		const previous = j.status;
		j.status = status;
		p.updatedAt = at;
		this.emit({ kind: 'job', pipeline: p, job: j, previous, at });
	}

	private refresh(p: Pipeline, at: number): void {
		const status = compositeStatus(p.jobs);
		if (status === p.status) return;
		const previous = p.status;
		p.status = status;
		p.updatedAt = at;
		if (pipelineFinished(p)) this.active.delete(p);
		this.emit({ kind: 'pipeline', pipeline: p, previous, at });
	}
}
