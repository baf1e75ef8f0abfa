// Workflow runs: the jobs of one workflow triggered once, as GitHub groups them. The
// Actions API lists runs per repository (`?status=queued`) and their jobs with the
// labels they asked for; that is the only way to see jobs waiting for a runner. Runs
// are kept while any of their jobs is unfinished, and the newest finished ones after.

import { createHash } from 'node:crypto';
import type { GitHubJob } from './model.js';

export interface WorkflowRun {
	id: number;
	/** Per workflow file, from 1, as GitHub numbers runs. */
	runNumber: number;
	/** `owner/repo`. */
	repo: string;
	/** `.github/workflows/ci.yml` */
	path: string;
	/** `refs/heads/main` */
	ref: string;
	event: string;
	headSha: string;
	createdAt: number;
	jobs: GitHubJob[];
}

export type RunStatus = 'queued' | 'in_progress' | 'completed';

/** Finished runs kept for the API once no job of theirs waits or runs. */
export const FINISHED_RUNS_KEPT = 2000;

/** The event that triggered a run, as the sandbox's workflows are set up. */
export function eventName(workflowRef: string): string {
	const [path = '', ref = ''] = workflowRef.split('@');
	if (path.endsWith('/nightly.yml')) return 'schedule';
	if (path.endsWith('/deploy.yml')) return 'workflow_dispatch';
	return ref === 'refs/heads/main' ? 'push' : 'pull_request';
}

/** A run's status as GitHub reports it: queued until a job starts, completed when all have. */
export function runStatus(run: WorkflowRun): RunStatus {
	let waiting = false;
	let done = false;
	for (const j of run.jobs) {
		if (j.status === 'in_progress') return 'in_progress';
		if (j.status === 'completed') done = true;
		else waiting = true;
	}
	if (!waiting) return 'completed';
	return done ? 'in_progress' : 'queued';
}

/** A completed run's conclusion: failure over cancelled over success. */
export function runConclusion(run: WorkflowRun): 'success' | 'failure' | 'cancelled' | null {
	if (runStatus(run) !== 'completed') return null;
	if (run.jobs.some((j) => j.conclusion === 'failure')) return 'failure';
	if (run.jobs.some((j) => j.conclusion === 'cancelled')) return 'cancelled';
	return 'success';
}

export class RunRegistry {
	/** Insertion order is id order (runs are created with increasing ids). */
	private runs = new Map<number, WorkflowRun>();
	private jobs = new Map<number, GitHubJob>();
	private numbers = new Map<string, number>();
	private opened = 0;

	constructor(private readonly seed: number) {}

	/** Records a new run of `repo`'s workflow `path` at `ref`; its head sha is derived, not drawn, so no random stream moves. */
	open(id: number, repo: string, path: string, ref: string, at: number): WorkflowRun {
		const key = `${repo}/${path}`;
		const runNumber = (this.numbers.get(key) ?? 0) + 1;
		this.numbers.set(key, runNumber);
		const headSha = createHash('sha1').update(`${this.seed}:${repo}:${id}`).digest('hex');
		const run: WorkflowRun = { id, runNumber, repo, path, ref, event: eventName(`${repo}/${path}@${ref}`), headSha, createdAt: at, jobs: [] };
		this.runs.set(id, run);
		// A full pass now and then keeps the cost per run small even with tens of thousands waiting.
		if (++this.opened % 500 === 0) this.prune();
		return run;
	}

	add(run: WorkflowRun, job: GitHubJob): void {
		run.jobs.push(job);
		this.jobs.set(job.id, job);
	}

	run(id: number): WorkflowRun | undefined {
		return this.runs.get(id);
	}

	job(id: number): GitHubJob | undefined {
		return this.jobs.get(id);
	}

	/** Runs of `repo` (case-insensitive), newest first. */
	ofRepo(repo: string): WorkflowRun[] {
		const want = repo.toLowerCase();
		const out: WorkflowRun[] = [];
		for (const r of this.runs.values()) if (r.repo.toLowerCase() === want) out.push(r);
		return out.reverse();
	}

	get size(): number {
		return this.runs.size;
	}

	/** Drops the oldest finished runs beyond the kept number; unfinished ones always stay. */
	private prune(): void {
		if (this.runs.size <= FINISHED_RUNS_KEPT) return;
		let finished = 0;
		for (const r of this.runs.values()) if (runStatus(r) === 'completed') finished++;
		for (const [id, r] of this.runs) {
			if (finished <= FINISHED_RUNS_KEPT) break;
			if (runStatus(r) !== 'completed') continue;
			this.runs.delete(id);
			for (const j of r.jobs) this.jobs.delete(j.id);
			finished--;
		}
	}
}
