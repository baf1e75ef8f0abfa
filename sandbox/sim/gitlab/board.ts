// The pending-job queue. Jobs wait in FIFO queues keyed by what decides which runners
// may take them (project, tags, protected ref); a free runner takes the oldest job
// among the queues it is eligible for. Keying by eligibility keeps matching cheap even
// with tens of thousands of pending jobs.

import type { Job, Runner } from './model.js';

export interface Queue {
	/** Dense number, used to index per-runner eligibility caches. */
	n: number;
	key: string;
	projectId: number;
	groupId: number;
	tags: string[];
	protectedRef: boolean;
	jobs: Job[];
	/** Index of the first job still waiting (avoids O(n) shifts). */
	head: number;
}

/** Upper bound on waiting jobs; arrivals beyond it are counted as dropped. */
export const MAX_PENDING = 50_000;

export class JobBoard {
	private queues = new Map<string, Queue>();
	private nonEmpty = new Set<Queue>();
	private eligibility = new Map<number, { runner: Runner; rev: number; byQueue: (boolean | undefined)[] }>();
	pending = 0;

	full(): boolean {
		return this.pending >= MAX_PENDING;
	}

	enqueue(job: Job, groupId: number): void {
		const tags = [...job.tags].sort();
		const key = `${job.projectId}|${tags.join(',')}|${job.protectedRef ? 1 : 0}`;
		let q = this.queues.get(key);
		if (!q) {
			q = { n: this.queues.size, key, projectId: job.projectId, groupId, tags, protectedRef: job.protectedRef, jobs: [], head: 0 };
			this.queues.set(key, q);
		}
		q.jobs.push(job);
		this.nonEmpty.add(q);
		this.pending++;
	}

	/** Removes and returns the oldest job `runner` may take, if any. */
	takeFor(runner: Runner): Job | undefined {
		let best: Queue | undefined;
		let bestAt = Infinity;
		for (const q of this.nonEmpty) {
			const head = q.jobs[q.head] as Job;
			if (head.createdAt < bestAt && this.eligible(runner, q)) {
				best = q;
				bestAt = head.createdAt;
			}
		}
		return best ? this.shift(best) : undefined;
	}

	/** Removes and returns every job created before `cutoff` (oldest first per queue). */
	takeOlderThan(cutoff: number): Job[] {
		const out: Job[] = [];
		for (const q of this.nonEmpty) {
			while (q.head < q.jobs.length && (q.jobs[q.head] as Job).createdAt < cutoff) out.push(this.shift(q) as Job);
		}
		return out;
	}

	/** Waiting jobs per queue with the tags they ask for: one entry per queue, cheap at any queue length. */
	*queueSizes(): Iterable<{ tags: readonly string[]; waiting: number }> {
		for (const q of this.nonEmpty) yield { tags: q.tags, waiting: q.jobs.length - q.head };
	}

	/** The queues with jobs waiting, each with its oldest job (for inspection; not on the hot path). */
	*waitingQueues(): Iterable<{ queue: Readonly<Queue>; waiting: number; oldest: Job }> {
		for (const q of this.nonEmpty) yield { queue: q, waiting: q.jobs.length - q.head, oldest: q.jobs[q.head] as Job };
	}

	/** Every waiting job (for inspection; not on the hot path). */
	*waiting(): Iterable<Job> {
		for (const q of this.nonEmpty) for (let i = q.head; i < q.jobs.length; i++) yield q.jobs[i] as Job;
	}

	private shift(q: Queue): Job | undefined {
		const job = q.jobs[q.head];
		if (!job) return undefined;
		q.head++;
		this.pending--;
		if (q.head === q.jobs.length) {
			q.jobs = [];
			q.head = 0;
			this.nonEmpty.delete(q);
		} else if (q.head > 1024 && q.head * 2 > q.jobs.length) {
			q.jobs = q.jobs.slice(q.head);
			q.head = 0;
		}
		return job;
	}

	private eligible(r: Runner, q: Queue): boolean {
		// Keyed by runner id; a runner removed and re-added gets a fresh object with rev 0,
		// so the object identity is part of the check too.
		let cache = this.eligibility.get(r.id);
		if (!cache || cache.rev !== r.rev || cache.runner !== r) {
			cache = { runner: r, rev: r.rev, byQueue: [] };
			this.eligibility.set(r.id, cache);
		}
		let ok = cache.byQueue[q.n];
		if (ok === undefined) {
			ok = runnerMayTake(r, q);
			cache.byQueue[q.n] = ok;
		}
		return ok;
	}
}

/** GitLab's matching rules: scope, tags ⊆ runner tags, untagged jobs, protected refs. */
export function runnerMayTake(r: Runner, q: Pick<Queue, 'projectId' | 'groupId' | 'tags' | 'protectedRef'>): boolean {
	if (r.type === 'project_type' && r.projectId !== q.projectId) return false;
	if (r.type === 'group_type' && r.groupId !== q.groupId) return false;
	if (r.accessLevel === 'ref_protected' && !q.protectedRef) return false;
	if (q.tags.length === 0) return r.runUntagged;
	return q.tags.every((t) => r.tags.includes(t));
}
