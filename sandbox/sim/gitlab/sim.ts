// The live GitLab side of the world: the runner fleet, the job queue and what happens
// each simulation step (runners drop and return, jobs arrive, get picked, finish).

import { projectById, type Project } from '../catalog.js';
import { DAY, MINUTE, SECOND } from '../clock.js';
import { Rng, mix32 } from '../rng.js';
import { JobBoard, MAX_PENDING, runnerMayTake, type Queue } from './board.js';
import { MEAN_UP_MS, downtime, makeRunner, revisionOf } from './fleet.js';
import {
	ONLINE_CONTACT_TIMEOUT_MS,
	RUNNER_STATUSES,
	RUNNER_TYPES,
	runnerCapacity,
	runnerStatus,
	type Job,
	type Manager,
	type Runner,
	type RunnerKind,
	type RunnerStatus,
	type RunnerType
} from './model.js';
import { unmatchedJobs, type UnmatchedShape } from './unmatched.js';
import type { UnmatchedStream } from '../unmatched.js';
import { Workload, jobDurationMs, jobShapeFor, runningJobDurationMs } from './workload.js';

/** Finished jobs kept per runner for `GET /runners/:id/jobs`. */
export const HISTORY_PER_RUNNER = 50;
/** GitLab fails jobs that found no runner for a day ("stuck or timeout"). */
export const STUCK_PENDING_MS = 1 * DAY;
/** Share of connected, unpaused runners already busy when the sandbox starts. */
const WARM_BUSY = 0.45;

const OUTCOMES: readonly (readonly ['success' | 'failed' | 'canceled', number])[] = [
	['success', 86],
	['failed', 11],
	['canceled', 3]
];

export interface GitLabCounts {
	runners: {
		total: number;
		by_status: Record<RunnerStatus, number>;
		paused: number;
		by_type: Record<RunnerType, number>;
	};
	jobs: { pending: number; running: number; success: number; failed: number; canceled: number; dropped: number };
}

/**
 * Watches jobs start and end on runners (the exporters count them as a runner manager
 * does). Observers only read: they must not change the simulation or draw from its RNG.
 */
export interface GitLabJobObserver {
	/** `job` was picked by runner `r` (status running, `startedAt`, `systemId` set). */
	started(job: Job, r: Runner): void;
	/** `job` ended on runner `r` (status, `finishedAt`, `failureReason` set). Jobs that never ran are not reported. */
	finished(job: Job, r: Runner): void;
}

export class GitLabSim {
	/** Read-only watchers of job starts and ends (see GitLabJobObserver). */
	readonly observers: GitLabJobObserver[] = [];
	/** Ordered by id (= index), which is also the API's stable order. */
	readonly runners: Runner[] = [];
	private byId = new Map<number, Runner>();
	readonly board = new JobBoard();
	private workload: Workload;
	/** Jobs asking for tags no runner has; also the stream for jobs added out of band. */
	private unmatched: UnmatchedStream<UnmatchedShape>;
	/** Kinds of deleted runners by fleet index: their ids are never handed out again. */
	private deleted = new Map<number, RunnerKind>();
	private arrivalCarry = 0;
	private totals = { success: 0, failed: 0, canceled: 0, dropped: 0 };
	private running = 0;
	// Earliest pending churn / job end, so quiet steps skip the per-runner scans.
	private nextChurnAt = -Infinity;
	private nextFinishAt = Infinity;
	/**
	 * Counts what can let a runner take a waiting job (a job queued, capacity freed, a
	 * runner changed). A pass over the fleet that assigned nothing is not repeated until
	 * it moves: jobs no runner can take would otherwise cost a full scan every step.
	 */
	private changes = 0;
	private fruitlessAt = -1;
	/** Counts changes to who may take what (runners connected, paused, retagged, added, removed). */
	private fleetRev = 0;
	/** Per queue: whether no connected, unpaused runner may take its jobs, as of `fleetRev`. */
	private hopeless = new WeakMap<Queue, { rev: number; value: boolean }>();

	constructor(
		private readonly seed: number,
		private readonly rng: Rng,
		size: number,
		now: number,
		warm = true
	) {
		this.workload = new Workload(rng);
		this.unmatched = unmatchedJobs(seed);
		this.resize(size, now);
		for (const { at, kind } of this.unmatched.backlog(now, 2, 4)) this.enqueue(this.workload.custom(at, this.unmatched.rng, kind));
		if (warm) this.warmStart(now);
	}

	/**
	 * A sandbox that starts mid-day: about half the connected runners are running jobs
	 * they took minutes ago (as a steady state would have them: caught part-way through,
	 * longer jobs more often), and some finished one shortly before the start (recent
	 * history, not counted since the start). Drawn from a stream of its own, with each
	 * job's outcome decided here, so the regular stream (arrivals, picks, outcomes) draws
	 * exactly what it would without them.
	 */
	private warmStart(now: number): void {
		const rng = new Rng(mix32(this.seed, 0x3a7a));
		for (const r of this.runners) {
			if (!r.connected || r.paused || !rng.chance(WARM_BUSY)) continue;
			const managers = r.managers.filter((m) => m.active);
			const jobs = Math.min(runnerCapacity(r), 1 + rng.int(3));
			for (let k = 0; k < jobs; k++) {
				const shape = jobShapeFor(r, rng);
				if (!shape) break;
				const run = runningJobDurationMs(rng);
				const ran = Math.round(rng.range(0.05, 0.95) * run);
				const job = this.warmJob(r, managers, shape, now - ran - Math.round(rng.range(2 * SECOND, 40 * SECOND)), now - ran, run, rng);
				r.running.push(job);
				this.running++;
				if (job.endsAt < this.nextFinishAt) this.nextFinishAt = job.endsAt;
			}
			if (rng.chance(0.5)) {
				const shape = jobShapeFor(r, rng);
				if (!shape) continue;
				const run = jobDurationMs(rng);
				const endedAt = now - Math.round(rng.range(30 * SECOND, 10 * MINUTE));
				const job = this.warmJob(r, managers, shape, endedAt - run - Math.round(rng.range(2 * SECOND, 40 * SECOND)), endedAt - run, run, rng);
				const { status, reason } = this.outcomeOf(job, r);
				Object.assign(job, { status, finishedAt: job.endsAt, failureReason: reason });
				r.history.push(job);
			}
		}
	}

	/** A job `r` took at `startedAt`, running for `run` ms (cut at the runner's timeout), with its outcome decided now. */
	private warmJob(r: Runner, managers: Manager[], shape: NonNullable<ReturnType<typeof jobShapeFor>>, createdAt: number, startedAt: number, run: number, rng: Rng): Job {
		const job = this.workload.custom(createdAt, rng, shape);
		return Object.assign(job, {
			status: 'running' as const,
			startedAt,
			runnerId: r.id,
			systemId: managers.length > 0 ? rng.pick(managers).systemId : null,
			endsAt: startedAt + (r.maximumTimeout !== null ? Math.min(run, r.maximumTimeout * SECOND) : run),
			outcome: rng.weighted(OUTCOMES)
		});
	}

	runner(id: number): Runner | undefined {
		return this.byId.get(id);
	}

	/**
	 * Grows (deterministically, by index) or shrinks (newest first) the fleet. Deleted
	 * runners stay deleted: growing skips their indexes (and counts them when numbering
	 * names per kind, so a regrown runner gets its old name).
	 */
	resize(size: number, now: number): void {
		while (this.runners.length > size) {
			const r = this.runners.pop() as Runner;
			this.byId.delete(r.id);
			this.running -= r.running.length;
		}
		if (this.runners.length < size) {
			const start = this.runners.length > 0 ? (this.runners[this.runners.length - 1] as Runner).index + 1 : 0;
			const perKind = new Map<RunnerKind, number>();
			const count = (kind: RunnerKind) => perKind.set(kind, (perKind.get(kind) ?? 0) + 1);
			for (const r of this.runners) count(r.kind);
			for (const [index, kind] of this.deleted) if (index < start) count(kind);
			for (let i = start; this.runners.length < size; i++) {
				const gone = this.deleted.get(i);
				if (gone !== undefined) {
					count(gone);
					continue;
				}
				const r = makeRunner(this.seed, i, now, (kind) => {
					count(kind);
					return perKind.get(kind) as number;
				});
				this.runners.push(r);
				this.byId.set(r.id, r);
			}
		}
		this.nextChurnAt = -Infinity;
		this.changes++;
		this.fleetRev++;
	}

	/** Deletes a runner (`DELETE /runners/:id`): its running jobs fail as if its processes vanished. */
	remove(r: Runner, at: number): void {
		if (this.byId.get(r.id) !== r) return;
		if (r.connected) this.disconnect(r, at);
		this.byId.delete(r.id);
		const i = this.runners.indexOf(r);
		if (i >= 0) this.runners.splice(i, 1);
		this.deleted.set(r.index, r.kind);
		this.nextChurnAt = -Infinity;
		this.changes++;
		this.fleetRev++;
	}

	/** Queues a new pending job. */
	private enqueue(job: Job): void {
		this.board.enqueue(job, projectById(job.projectId)?.groupId ?? 0);
		this.changes++;
	}

	/**
	 * Jobs added out of band (`POST /_sandbox/jobs`): `count` pending jobs of `project`
	 * asking for `tags`, created at `at` (in the past for jobs already waiting). Refused
	 * with an error message when the queue has no room for them.
	 */
	addPending(shape: { project: Project; tags: readonly string[]; name: string; ref?: string }, count: number, at: number): Job[] | string {
		if (this.board.pending + count > MAX_PENDING) return `the queue holds at most ${MAX_PENDING} pending jobs (${this.board.pending} now)`;
		const jobs: Job[] = [];
		for (let k = 0; k < count; k++) {
			const job = this.workload.custom(at, this.unmatched.rng, { ...shape, stage: 'build' });
			this.enqueue(job);
			jobs.push(job);
		}
		return jobs;
	}

	/** One simulation step over [t0, t1). Contact times of connected runners read as t0 here. */
	step(t0: number, t1: number, jobsPerMinute: number): void {
		if (this.nextChurnAt <= t1) {
			let next = Infinity;
			for (const r of this.runners) {
				if (r.nextChurnAt <= t1) this.churn(r, t0);
				if (r.nextChurnAt < next) next = r.nextChurnAt;
			}
			this.nextChurnAt = next;
		}
		if (this.nextFinishAt <= t1) this.finishJobs(t1);
		this.arrive(t0, t1, jobsPerMinute);
		for (const job of this.board.takeOlderThan(t1 - STUCK_PENDING_MS)) {
			this.finish(job, t1, 'failed', 'stuck_or_timeout_failure');
		}
		this.assign(t1);
	}

	private churn(r: Runner, at: number): void {
		if (r.connected) {
			this.disconnect(r, at);
			r.nextChurnAt = at + downtime(this.rng);
		} else {
			this.connect(r, at);
		}
	}

	private connect(r: Runner, at: number): void {
		r.connected = true;
		if (!r.managers.some((m) => m.active)) r.managers.push(this.newManager(r, at));
		r.nextChurnAt = at + this.rng.exp(MEAN_UP_MS);
		this.nextChurnAt = Math.min(this.nextChurnAt, r.nextChurnAt);
		this.changed(r);
	}

	private disconnect(r: Runner, at: number): void {
		for (const m of r.managers) if (m.active) m.contactedAt = at;
		r.connected = false;
		this.changed(r);
		// The runner's processes are gone, so GitLab eventually fails their jobs.
		for (const job of r.running.splice(0)) {
			this.running--;
			this.finish(job, at, 'failed', 'runner_system_failure', r);
		}
	}

	private newManager(r: Runner, at: number): Manager {
		const arch = r.tags.includes('arm64') ? 'arm64' : 'amd64';
		return {
			id: r.id * 10 + r.managers.length,
			systemId: `r_${this.rng.hex(12)}`,
			version: r.version,
			revision: revisionOf(r.version),
			platform: 'linux',
			architecture: arch,
			createdAt: at,
			ipAddress: `10.${40 + this.rng.int(4)}.${this.rng.int(256)}.${1 + this.rng.int(254)}`,
			active: true,
			contactedAt: at
		};
	}

	private finishJobs(t1: number): void {
		let next = Infinity;
		for (const r of this.runners) {
			if (r.running.length === 0) continue;
			let kept = 0;
			for (const job of r.running) {
				if (job.endsAt <= t1) {
					this.running--;
					const { status, reason } = this.outcomeOf(job, r);
					this.finish(job, job.endsAt, status, reason, r);
				} else {
					r.running[kept++] = job;
					if (job.endsAt < next) next = job.endsAt;
				}
			}
			if (kept !== r.running.length) r.running.length = kept;
		}
		this.nextFinishAt = next;
	}

	/** How a job that ran to its end finished: a timeout when the runner cut it, else its outcome (drawn now unless decided in advance). */
	private outcomeOf(job: Job, r: Runner): { status: 'success' | 'failed' | 'canceled'; reason: string | null } {
		const timedOut = r.maximumTimeout !== null && job.endsAt - (job.startedAt ?? 0) >= r.maximumTimeout * SECOND;
		if (timedOut) return { status: 'failed', reason: 'job_execution_timeout' };
		const status = job.outcome ?? this.rng.weighted(OUTCOMES);
		return { status, reason: status === 'failed' ? 'script_failure' : null };
	}

	private finish(job: Job, at: number, status: 'success' | 'failed' | 'canceled', reason: string | null, r?: Runner): void {
		job.status = status;
		job.finishedAt = at;
		job.failureReason = reason;
		this.totals[status]++;
		if (r) {
			this.changes++;
			r.history.push(job);
			if (r.history.length > HISTORY_PER_RUNNER) r.history.shift();
			for (const o of this.observers) o.finished(job, r);
		}
	}

	private arrive(t0: number, t1: number, jobsPerMinute: number): void {
		this.arrivalCarry += (jobsPerMinute * (t1 - t0)) / 60_000;
		const n = Math.floor(this.arrivalCarry);
		this.arrivalCarry -= n;
		for (let k = 0; k < n; k++) {
			// Past the queue bound, arrivals are only counted (and cost nothing to simulate).
			if (this.board.full()) {
				this.totals.dropped += n - k;
				break;
			}
			// Spread arrivals over the step so created_at values look continuous.
			const job = this.workload.next(t0 + Math.floor(((k + this.rng.next()) / n) * (t1 - t0)));
			this.enqueue(job);
			const odd = this.unmatched.next();
			if (odd && !this.board.full()) this.enqueue(this.workload.custom(job.createdAt, this.unmatched.rng, odd));
		}
	}

	private assign(at: number): void {
		if (this.board.pending === 0 || this.runners.length === 0 || this.fruitlessAt === this.changes) return;
		const before = this.board.pending;
		// Jobs no runner could take (their tags match nobody's, every match is paused or
		// offline) must not keep the pass going over the whole fleet.
		let takeable = 0;
		for (const { queue, waiting } of this.board.waitingQueues()) if (!this.isHopeless(queue)) takeable += waiting;
		if (takeable === 0) {
			this.fruitlessAt = this.changes;
			return;
		}
		// Start from a random runner each step: whichever runner polls first gets the job.
		const start = this.rng.int(this.runners.length);
		for (let i = 0; i < this.runners.length && takeable > 0; i++) {
			const r = this.runners[(start + i) % this.runners.length] as Runner;
			if (r.paused || !r.connected) continue;
			let free = runnerCapacity(r) - r.running.length;
			while (free > 0) {
				const job = this.board.takeFor(r);
				if (!job) break;
				const manager = r.managers.filter((m) => m.active);
				job.status = 'running';
				job.startedAt = at;
				job.runnerId = r.id;
				job.systemId = manager.length ? this.rng.pick(manager).systemId : null;
				const run = jobDurationMs(this.rng);
				job.endsAt = at + (r.maximumTimeout !== null ? Math.min(run, r.maximumTimeout * SECOND) : run);
				r.running.push(job);
				if (job.endsAt < this.nextFinishAt) this.nextFinishAt = job.endsAt;
				this.running++;
				free--;
				takeable--;
				for (const o of this.observers) o.started(job, r);
			}
		}
		if (this.board.pending === before) this.fruitlessAt = this.changes;
	}

	/** `r` changed in a way that decides which jobs it may take. */
	private changed(r: Runner): void {
		r.rev++;
		this.changes++;
		this.fleetRev++;
	}

	private isHopeless(q: Queue): boolean {
		const cached = this.hopeless.get(q);
		if (cached && cached.rev === this.fleetRev) return cached.value;
		const value = !this.runners.some((r) => r.connected && !r.paused && runnerMayTake(r, q));
		this.hopeless.set(q, { rev: this.fleetRev, value });
		return value;
	}

	// --- out-of-band changes (control API and the GitLab PUT endpoint) ---

	setPaused(r: Runner, paused: boolean): void {
		r.paused = paused;
		this.changed(r);
	}

	setTags(r: Runner, tags: string[]): void {
		r.tags = [...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0))];
		this.changed(r);
	}

	touch(r: Runner): void {
		this.changed(r);
	}

	/**
	 * Forces a runner online (it resumes normal random churn) or offline. Offline means
	 * silent for just over GitLab's 2 h online window, so the status flips immediately,
	 * and it stays offline until set online again.
	 */
	setOnline(r: Runner, online: boolean, stepMs: number, now: number): void {
		if (online) {
			if (!r.connected) this.connect(r, stepMs);
			return;
		}
		if (r.connected) this.disconnect(r, stepMs);
		const silentSince = now - ONLINE_CONTACT_TIMEOUT_MS - SECOND;
		for (const m of r.managers) if (m.contactedAt !== null && m.contactedAt > silentSince) m.contactedAt = silentSince;
		r.nextChurnAt = Infinity;
	}

	counts(stepMs: number, now: number): GitLabCounts {
		const byStatus = Object.fromEntries(RUNNER_STATUSES.map((s) => [s, 0])) as Record<RunnerStatus, number>;
		const byType = Object.fromEntries(RUNNER_TYPES.map((t) => [t, 0])) as Record<RunnerType, number>;
		let paused = 0;
		for (const r of this.runners) {
			byStatus[runnerStatus(r, stepMs, now)]++;
			byType[r.type]++;
			if (r.paused) paused++;
		}
		return {
			runners: { total: this.runners.length, by_status: byStatus, paused, by_type: byType },
			jobs: { pending: this.board.pending, running: this.running, ...this.totals }
		};
	}
}

