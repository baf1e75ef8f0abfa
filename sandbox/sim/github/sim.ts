// The live GitHub side of the world: the organisation's plain self-hosted runners, the
// runner scale sets ARC registers, and Actions jobs. Each step: runners drop and
// return, jobs arrive (for plain runners by `runs-on` labels, or assigned straight to a
// scale set), idle runners pick jobs up, jobs finish. Ephemeral runners come and go
// through `register`/`deregister`, called by the ARC controller (sim/cluster/arc.ts).

import { DAY } from '../clock.js';
import type { Rng } from '../rng.js';
import { ARC_GROUP_ID, groupByName } from './catalog.js';
import { MEAN_UP_MS, downtime, makePlainRunner } from './fleet.js';
import {
	assignedCount,
	plainBusy,
	waitingCount,
	type Conclusion,
	type EphemeralRegistration,
	type GitHubJob,
	type JobTarget,
	type PlainRunner,
	type ScaleSet
} from './model.js';
import { unmatchedWorkflowJobs, type UnmatchedWorkflowJob } from './unmatched.js';
import type { UnmatchedStream } from '../unmatched.js';
import { GitHubWorkload, githubJobDurationMs } from './workload.js';

export const DEFAULT_GITHUB_JOBS_PER_MINUTE = 8;
/** Upper bound on jobs waiting for a runner; arrivals beyond it are counted as dropped. */
export const MAX_WAITING = 50_000;
/** GitHub cancels jobs that found no runner within 24 hours. */
export const STUCK_QUEUED_MS = 1 * DAY;
/** Ephemeral runner ids start past any plain runner id (plain ids are 1..10000). */
export const EPHEMERAL_ID_BASE = 20_000;
/** Share of arrivals for plain runners, against the scale sets' weights below. */
const PLAIN_WEIGHT = 40;
const SCALE_SET_WEIGHTS: Record<string, number> = { 'gh-docker': 45, 'gh-nix': 30, 'gh-dind': 25 };
const OTHER_SCALE_SET_WEIGHT = 10;

interface RunnerCounts {
	total: number;
	by_status: { online: number; offline: number };
	busy: number;
}

export interface GitHubCounts {
	/** Organisation runners: exactly what `GET /orgs/{org}/actions/runners` lists (plain and ephemeral). */
	runners: RunnerCounts & { ephemeral: number };
	/** Repository-level runners, listed only by `GET /repos/{owner}/{repo}/actions/runners`. */
	repository_runners: RunnerCounts & { by_repo: Record<string, number> };
	jobs: {
		/** Waiting for a plain runner, or for a scale set that does not exist (any more). */
		queued: number;
		/** Assigned to a scale set: waiting for one of its runners or running on one. */
		assigned: number;
		/** Running on any runner (plain or ephemeral). */
		running: number;
		success: number;
		failure: number;
		cancelled: number;
		dropped: number;
	};
}

interface PlainQueue {
	key: string;
	labels: string[];
	repo: string;
	jobs: GitHubJob[];
	head: number;
}

/** A runner as the list endpoints see it. */
export type ListedRunner = { kind: 'plain'; runner: PlainRunner } | { kind: 'ephemeral'; runner: EphemeralRegistration };

/**
 * Watches jobs start and complete on a scale set's runners (the messages an ARC
 * listener receives). Observers only read: they must not change the simulation or draw
 * from its RNG.
 */
export interface ScaleSetJobObserver {
	/** `job` started on `runner` of scale set `s` (counted in `s.started`). */
	started(s: ScaleSet, job: GitHubJob, runner: EphemeralRegistration): void;
	/** `job` completed on `runner` of scale set `s` (counted in `s.completed`; `conclusion`, `finishedAt` set). */
	completed(s: ScaleSet, job: GitHubJob, runner: EphemeralRegistration): void;
}

export class GitHubSim {
	/** Read-only watchers of scale-set job starts and completions (see ScaleSetJobObserver). */
	readonly observers: ScaleSetJobObserver[] = [];
	/** Ordered by id (= index + 1). */
	readonly plain: PlainRunner[] = [];
	private plainById = new Map<number, PlainRunner>();
	/** Registered ephemeral runners; insertion order is id order. */
	private ephemeral = new Map<number, EphemeralRegistration>();
	private scaleSets = new Map<string, ScaleSet>();
	private nextScaleSetId = 1;
	private nextEphemeralId = EPHEMERAL_ID_BASE + 1;
	private queues = new Map<string, PlainQueue>();
	private queuedPlain = 0;
	/** Jobs for scale set names no scale set has (deleted); they wait like GitHub's queue does. */
	private orphaned = new Map<string, GitHubJob[]>();
	private orphanedCount = 0;
	private running: GitHubJob[] = [];
	private workload: GitHubWorkload;
	/** Jobs asking for what no runner offers; also the stream for jobs added out of band. */
	private unmatched: UnmatchedStream<UnmatchedWorkflowJob>;
	/** Fleet indexes of deleted plain runners: their ids are never handed out again. */
	private deleted = new Set<number>();
	private arrivalCarry = 0;
	private totals = { success: 0, failure: 0, cancelled: 0, dropped: 0 };
	private nextChurnAt = -Infinity;
	private nextFinishAt = Infinity;
	private targets: { entries: (readonly [string | null, number])[]; rev: number } = { entries: [], rev: -1 };
	private targetsRev = 0;
	/**
	 * Counts what can let a plain runner take a queued job (a job queued, a runner
	 * freed, connected, added or removed). A pass that assigned nothing is not repeated
	 * until it moves: jobs no runner can take would otherwise cost a full scan every step.
	 */
	private plainChanges = 0;
	private fruitlessAt = -1;

	constructor(
		private readonly seed: number,
		private readonly rng: Rng,
		size: number,
		now: number
	) {
		this.workload = new GitHubWorkload(rng, seed);
		this.unmatched = unmatchedWorkflowJobs(seed);
		this.resize(size, now);
		this.warmStart(now);
		for (const { at, kind } of this.unmatched.backlog(now, 2, 3)) this.route(this.workload.custom(at, kind.repo, kind.name, kind.target));
	}

	/** Every job's workflow run, as the Actions API lists them. */
	get runs() {
		return this.workload.runs;
	}

	// --- plain runners ---

	runner(id: number): PlainRunner | undefined {
		return this.plainById.get(id);
	}

	ephemeralRunner(id: number): EphemeralRegistration | undefined {
		return this.ephemeral.get(id);
	}

	/** Grows (deterministically, by index) or shrinks (newest first) the plain fleet. */
	resize(size: number, now: number): void {
		while (this.plain.length > size) {
			const r = this.plain.pop() as PlainRunner;
			this.plainById.delete(r.id);
			if (r.job) this.finish(r.job, now, 'failure');
		}
		// Deleted runners stay deleted: growing skips their indexes.
		for (let i = this.plain.length > 0 ? (this.plain[this.plain.length - 1] as PlainRunner).index + 1 : 0; this.plain.length < size; i++) {
			if (this.deleted.has(i)) continue;
			const r = makePlainRunner(this.seed, i, now);
			this.plain.push(r);
			this.plainById.set(r.id, r);
		}
		this.nextChurnAt = -Infinity;
		this.targetsRev++;
		this.plainChanges++;
	}

	/** A sandbox that starts mid-day: some runners are already busy with jobs started earlier. */
	private warmStart(now: number): void {
		for (const r of this.plain) {
			if (!r.connected || !this.rng.chance(0.3)) continue;
			const job = this.workload.next(now - this.rng.range(60_000, 600_000), { kind: 'labels', labels: ['self-hosted'] });
			const startedAt = job.createdAt + this.rng.range(1000, 30_000);
			const endsAt = startedAt + githubJobDurationMs(this.rng);
			if (endsAt <= now) {
				// It ran and finished before the start: history in its run, not in the counts since start.
				Object.assign(job, { status: 'completed', conclusion: 'success', startedAt, finishedAt: endsAt, runnerId: r.id, runnerName: r.name, runnerGroupId: r.groupId });
				continue;
			}
			this.start(job, r, startedAt);
			job.endsAt = endsAt;
			this.nextFinishAt = Math.min(this.nextFinishAt, endsAt);
		}
	}

	/** Org-level runners (plain and ephemeral) in id order, as `GET /orgs/{org}/actions/runners` lists them. */
	orgRunners(): ListedRunner[] {
		const out: ListedRunner[] = [];
		for (const r of this.plain) if (r.repo === null) out.push({ kind: 'plain', runner: r });
		for (const e of this.ephemeral.values()) out.push({ kind: 'ephemeral', runner: e });
		return out;
	}

	repoRunners(fullName: string): ListedRunner[] {
		const want = fullName.toLowerCase();
		return this.plain.filter((r) => r.repo !== null && r.repo.toLowerCase() === want).map((r) => ({ kind: 'plain', runner: r }) as const);
	}

	// --- scale sets (the ARC controller's side of the conversation) ---

	scaleSet(name: string): ScaleSet | undefined {
		return this.scaleSets.get(name);
	}

	scaleSetNames(): string[] {
		return [...this.scaleSets.keys()];
	}

	/** Creates the scale set on first sight (as ARC does for a new AutoscalingRunnerSet). */
	ensureScaleSet(name: string, runnerGroup: string | undefined): ScaleSet {
		let s = this.scaleSets.get(name);
		const groupId = runnerGroup === undefined ? ARC_GROUP_ID : groupByName(runnerGroup).id;
		if (!s) {
			s = { id: this.nextScaleSetId++, name, groupId, waiting: [], head: 0, running: 0, idle: [], started: 0, completed: 0 };
			this.scaleSets.set(name, s);
			this.targetsRev++;
			// Jobs that were waiting for this name are now assigned to it.
			const orphans = this.orphaned.get(name);
			if (orphans) {
				this.orphaned.delete(name);
				this.orphanedCount -= orphans.length;
				for (const j of orphans) this.assignTo(s, j);
			}
		}
		s.groupId = groupId;
		return s;
	}

	/** The scale set is gone (its AutoscalingRunnerSet was deleted); its waiting jobs go back to the queue. */
	removeScaleSet(name: string, at: number): void {
		const s = this.scaleSets.get(name);
		if (!s) return;
		for (const reg of [...this.ephemeral.values()]) if (reg.scaleSet === name) this.deregister(reg, at);
		const left = s.waiting.slice(s.head);
		for (const j of left) this.orphan(j);
		this.scaleSets.delete(name);
		this.targetsRev++;
	}

	/** A new ephemeral runner of scale set `name` connected and is ready for one job. */
	register(name: string, runnerName: string, at: number): EphemeralRegistration {
		const s = this.scaleSets.get(name);
		if (!s) throw new Error(`no scale set ${name}`);
		const reg: EphemeralRegistration = { id: this.nextEphemeralId++, name: runnerName, scaleSet: name, groupId: s.groupId, registeredAt: at, job: null, done: false };
		this.ephemeral.set(reg.id, reg);
		s.idle.push(reg);
		// A job already waiting goes to the runner as soon as it connects.
		this.assignEphemeral(s, at);
		return reg;
	}

	/** The runner is gone (its pod was deleted or it finished). A job still running on it fails. */
	deregister(reg: EphemeralRegistration, at: number): void {
		if (!this.ephemeral.has(reg.id)) return;
		if (reg.job && reg.job.status === 'in_progress') this.finish(reg.job, at, 'failure');
		this.ephemeral.delete(reg.id);
		const s = this.scaleSets.get(reg.scaleSet);
		if (s) {
			const i = s.idle.indexOf(reg);
			if (i >= 0) s.idle.splice(i, 1);
		}
	}

	// --- the step ---

	step(t0: number, t1: number, jobsPerMinute: number): void {
		if (this.nextChurnAt <= t1) {
			let next = Infinity;
			for (const r of this.plain) {
				if (r.nextChurnAt <= t1) this.churn(r, t0);
				if (r.nextChurnAt < next) next = r.nextChurnAt;
			}
			this.nextChurnAt = next;
		}
		if (this.nextFinishAt <= t1) this.finishJobs(t1);
		this.arrive(t0, t1, jobsPerMinute);
		this.expire(t1 - STUCK_QUEUED_MS, t1);
		this.assignPlain(t1);
		for (const s of this.scaleSets.values()) this.assignEphemeral(s, t1);
	}

	private churn(r: PlainRunner, at: number): void {
		if (r.connected) {
			this.disconnect(r, at);
			r.nextChurnAt = at + downtime(this.rng);
		} else {
			r.connected = true;
			r.offlineSince = null;
			r.nextChurnAt = at + this.rng.exp(MEAN_UP_MS);
			this.plainChanges++;
		}
	}

	private disconnect(r: PlainRunner, at: number): void {
		r.connected = false;
		r.offlineSince = at;
		// GitHub fails the job once the runner stops answering.
		if (r.job) this.finish(r.job, at, 'failure');
	}

	private targetWeights(): (readonly [string | null, number])[] {
		if (this.targets.rev !== this.targetsRev) {
			const entries: (readonly [string | null, number])[] = [];
			if (this.plain.length > 0) entries.push([null, PLAIN_WEIGHT]);
			for (const name of this.scaleSets.keys()) entries.push([name, SCALE_SET_WEIGHTS[name] ?? OTHER_SCALE_SET_WEIGHT]);
			this.targets = { entries, rev: this.targetsRev };
		}
		return this.targets.entries;
	}

	private waitingTotal(): number {
		let n = this.queuedPlain + this.orphanedCount;
		for (const s of this.scaleSets.values()) n += waitingCount(s);
		return n;
	}

	private arrive(t0: number, t1: number, jobsPerMinute: number): void {
		this.arrivalCarry += (jobsPerMinute * (t1 - t0)) / 60_000;
		const n = Math.floor(this.arrivalCarry);
		this.arrivalCarry -= n;
		if (n === 0) return;
		const weights = this.targetWeights();
		let waiting = this.waitingTotal();
		for (let k = 0; k < n; k++) {
			if (waiting >= MAX_WAITING) {
				this.totals.dropped += n - k;
				break;
			}
			const at = t0 + Math.floor(((k + this.rng.next()) / n) * (t1 - t0));
			const name = weights.length > 0 ? this.rng.weighted(weights) : null;
			const target: JobTarget = name === null ? this.workload.plainTarget() : { kind: 'scale_set', name };
			this.route(this.workload.next(at, target));
			waiting++;
			const odd = this.unmatched.next();
			if (odd && waiting < MAX_WAITING) {
				this.route(this.workload.custom(at, odd.repo, odd.name, odd.target));
				waiting++;
			}
		}
	}

	/** A new job waits: for plain runners by its labels, or for its scale set (queued while there is none). */
	private route(job: GitHubJob): void {
		const target = job.target;
		if (target.kind === 'labels') this.enqueuePlain(job, target.labels.map((l) => l.toLowerCase()));
		else {
			const s = this.scaleSets.get(target.name);
			if (s) this.assignTo(s, job);
			else this.orphan(job);
		}
	}

	private enqueuePlain(job: GitHubJob, labels: string[]): void {
		const key = `${job.repo}|${labels.join(',')}`;
		let q = this.queues.get(key);
		if (!q) {
			q = { key, labels, repo: job.repo.toLowerCase(), jobs: [], head: 0 };
			this.queues.set(key, q);
		}
		q.jobs.push(job);
		this.queuedPlain++;
		this.plainChanges++;
	}

	private assignTo(s: ScaleSet, job: GitHubJob): void {
		job.status = 'assigned';
		s.waiting.push(job);
	}

	private orphan(job: GitHubJob): void {
		if (job.target.kind !== 'scale_set') return;
		job.status = 'queued';
		const list = this.orphaned.get(job.target.name) ?? [];
		list.push(job);
		this.orphaned.set(job.target.name, list);
		this.orphanedCount++;
	}

	/** Cancels jobs that waited longer than GitHub allows (oldest are at the heads). */
	private expire(cutoff: number, at: number): void {
		for (const q of this.queues.values()) {
			while (q.head < q.jobs.length && (q.jobs[q.head] as GitHubJob).createdAt < cutoff) {
				this.queuedPlain--;
				this.cancelWaiting(q.jobs[q.head++] as GitHubJob, at);
			}
			compact(q);
		}
		for (const s of this.scaleSets.values()) {
			while (s.head < s.waiting.length && (s.waiting[s.head] as GitHubJob).createdAt < cutoff) this.cancelWaiting(s.waiting[s.head++] as GitHubJob, at);
			compactWaiting(s);
		}
		for (const [name, list] of this.orphaned) {
			let k = 0;
			while (k < list.length && (list[k] as GitHubJob).createdAt < cutoff) this.cancelWaiting(list[k++] as GitHubJob, at);
			if (k > 0) {
				this.orphanedCount -= k;
				if (k === list.length) this.orphaned.delete(name);
				else this.orphaned.set(name, list.slice(k));
			}
		}
	}

	private cancelWaiting(job: GitHubJob, at: number): void {
		job.status = 'completed';
		job.conclusion = 'cancelled';
		job.finishedAt = at;
		this.totals.cancelled++;
	}

	private assignPlain(at: number): void {
		if (this.queuedPlain === 0 || this.plain.length === 0 || this.fruitlessAt === this.plainChanges) return;
		const before = this.queuedPlain;
		const start = this.rng.int(this.plain.length);
		for (let i = 0; i < this.plain.length && this.queuedPlain > 0; i++) {
			const r = this.plain[(start + i) % this.plain.length] as PlainRunner;
			if (!r.connected || r.job || r.heldBusy) continue;
			const q = this.oldestFor(r);
			if (!q) continue;
			const job = q.jobs[q.head++] as GitHubJob;
			this.queuedPlain--;
			compact(q);
			this.start(job, r, at);
		}
		if (this.queuedPlain === before) this.fruitlessAt = this.plainChanges;
	}

	private oldestFor(r: PlainRunner): PlainQueue | undefined {
		let best: PlainQueue | undefined;
		let bestAt = Infinity;
		for (const q of this.queues.values()) {
			const head = q.jobs[q.head];
			if (!head || head.createdAt >= bestAt) continue;
			if (r.repo !== null && r.repo.toLowerCase() !== q.repo) continue;
			if (!q.labels.every((l) => r.labelKeys.includes(l))) continue;
			best = q;
			bestAt = head.createdAt;
		}
		return best;
	}

	private assignEphemeral(s: ScaleSet, at: number): void {
		while (s.head < s.waiting.length && s.idle.length > 0) {
			const job = s.waiting[s.head++] as GitHubJob;
			const reg = s.idle.shift() as EphemeralRegistration;
			this.start(job, reg, at);
			s.running++;
			s.started++;
			for (const o of this.observers) o.started(s, job, reg);
		}
		compactWaiting(s);
	}

	private start(job: GitHubJob, runner: PlainRunner | EphemeralRegistration, at: number): void {
		job.status = 'in_progress';
		job.startedAt = at;
		job.endsAt = at + githubJobDurationMs(this.rng);
		job.runnerId = runner.id;
		job.runnerName = runner.name;
		job.runnerGroupId = runner.groupId;
		runner.job = job;
		this.running.push(job);
		if (job.endsAt < this.nextFinishAt) this.nextFinishAt = job.endsAt;
	}

	private finishJobs(t1: number): void {
		let next = Infinity;
		let kept = 0;
		for (const job of this.running) {
			if (job.status !== 'in_progress') continue; // finished early (runner lost)
			if (job.endsAt <= t1) {
				const outcome = this.rng.weighted<Conclusion>([
					['success', 85],
					['failure', 12],
					['cancelled', 3]
				]);
				this.finish(job, job.endsAt, outcome);
			} else {
				this.running[kept++] = job;
				if (job.endsAt < next) next = job.endsAt;
			}
		}
		this.running.length = kept;
		this.nextFinishAt = next;
	}

	/** Completes a running job; its runner is free again (plain) or done (ephemeral). */
	private finish(job: GitHubJob, at: number, conclusion: Conclusion): void {
		job.status = 'completed';
		job.conclusion = conclusion;
		job.finishedAt = at;
		this.totals[conclusion]++;
		const id = job.runnerId;
		if (id === null) return;
		const plain = this.plainById.get(id);
		if (plain && plain.job === job) {
			plain.job = null;
			this.plainChanges++;
		}
		const reg = this.ephemeral.get(id);
		if (reg && reg.job === job) {
			reg.done = true;
			const s = this.scaleSets.get(reg.scaleSet);
			if (s) {
				s.running--;
				s.completed++;
				for (const o of this.observers) o.completed(s, job, reg);
			}
		}
	}

	// --- out-of-band changes (control API) ---

	/** Online reconnects (and resumes random churn); offline disconnects and holds the runner offline. */
	setOnline(r: PlainRunner, online: boolean, at: number): void {
		if (online) {
			r.heldOffline = false;
			if (!r.connected) {
				r.connected = true;
				r.offlineSince = null;
				r.nextChurnAt = at + this.rng.exp(MEAN_UP_MS);
				this.nextChurnAt = Math.min(this.nextChurnAt, r.nextChurnAt);
				this.plainChanges++;
			}
			return;
		}
		if (r.connected) this.disconnect(r, at);
		r.heldOffline = true;
		r.nextChurnAt = Infinity;
	}

	/** Busy holds the runner busy (it takes no jobs); not busy releases it and cancels a running job. */
	setBusy(r: PlainRunner, busy: boolean, at: number): void {
		r.heldBusy = busy;
		this.plainChanges++;
		if (!busy && r.job) this.finish(r.job, at, 'cancelled');
	}

	/**
	 * Deletes a runner (`DELETE …/actions/runners/{id}`); refused (false) while it runs a
	 * job, as GitHub does. An idle ARC runner's process exits when its registration goes,
	 * so ARC completes its EphemeralRunner and starts another as needed.
	 */
	removeRunner(listed: ListedRunner, at: number): boolean {
		if (listed.kind === 'ephemeral') {
			const reg = listed.runner;
			if (reg.job && !reg.done) return false;
			this.deregister(reg, at);
			reg.done = true;
			return true;
		}
		const r = listed.runner;
		if (plainBusy(r)) return false;
		if (this.plainById.get(r.id) !== r) return true;
		this.plainById.delete(r.id);
		const i = this.plain.indexOf(r);
		if (i >= 0) this.plain.splice(i, 1);
		this.deleted.add(r.index);
		this.nextChurnAt = -Infinity;
		this.targetsRev++;
		this.plainChanges++;
		return true;
	}

	/**
	 * Jobs added out of band (`POST /_sandbox/jobs`): `count` queued jobs of `repo`
	 * asking for `labels` (one label naming an existing scale set targets that set, as
	 * `runs-on: <scale set>` does), created at `at`. Refused with a message when the
	 * queue has no room.
	 */
	addQueued(repo: string, labels: readonly string[], name: string, count: number, at: number): GitHubJob[] | string {
		const waiting = this.waitingTotal();
		if (waiting + count > MAX_WAITING) return `at most ${MAX_WAITING} jobs wait (${waiting} now)`;
		const only = labels.length === 1 ? (labels[0] as string) : undefined;
		const target: JobTarget = only !== undefined && this.scaleSets.has(only) ? { kind: 'scale_set', name: only } : { kind: 'labels', labels: [...labels] };
		const jobs: GitHubJob[] = [];
		for (let k = 0; k < count; k++) {
			const job = this.workload.custom(at, repo, name, target);
			this.route(job);
			jobs.push(job);
		}
		return jobs;
	}

	/** Jobs waiting for plain runners, per repository and label set (oldest first in each). */
	*plainWaiting(): Iterable<{ repo: string; labels: readonly string[]; jobs: readonly GitHubJob[] }> {
		for (const q of this.queues.values()) if (q.head < q.jobs.length) yield { repo: (q.jobs[q.head] as GitHubJob).repo, labels: q.labels, jobs: q.jobs.slice(q.head) };
		for (const [name, list] of this.orphaned) {
			const byRepo = new Map<string, GitHubJob[]>();
			for (const j of list) {
				const jobs = byRepo.get(j.repo);
				if (jobs) jobs.push(j);
				else byRepo.set(j.repo, [j]);
			}
			for (const [repo, jobs] of byRepo) yield { repo, labels: [name], jobs };
		}
	}

	counts(): GitHubCounts {
		const none = (): RunnerCounts => ({ total: 0, by_status: { online: 0, offline: 0 }, busy: 0 });
		const org = { ...none(), ephemeral: this.ephemeral.size };
		const repo = { ...none(), by_repo: {} as Record<string, number> };
		for (const r of this.plain) {
			const c = r.repo === null ? org : repo;
			c.total++;
			c.by_status[r.connected ? 'online' : 'offline']++;
			if (plainBusy(r)) c.busy++;
			if (r.repo !== null) repo.by_repo[r.repo] = (repo.by_repo[r.repo] ?? 0) + 1;
		}
		org.total += this.ephemeral.size;
		org.by_status.online += this.ephemeral.size;
		for (const e of this.ephemeral.values()) if (e.job && !e.done) org.busy++;
		let assigned = 0;
		for (const s of this.scaleSets.values()) assigned += assignedCount(s);
		let running = 0;
		for (const j of this.running) if (j.status === 'in_progress') running++;
		return {
			runners: org,
			repository_runners: { ...repo, by_repo: Object.fromEntries(Object.entries(repo.by_repo).sort(([a], [b]) => (a < b ? -1 : 1))) },
			jobs: { queued: this.queuedPlain + this.orphanedCount, assigned, running, ...this.totals }
		};
	}
}

function compact(q: PlainQueue): void {
	if (q.head === q.jobs.length) {
		q.jobs = [];
		q.head = 0;
	} else if (q.head > 1024 && q.head * 2 > q.jobs.length) {
		q.jobs = q.jobs.slice(q.head);
		q.head = 0;
	}
}

function compactWaiting(s: ScaleSet): void {
	if (s.head === s.waiting.length) {
		if (s.head > 0) {
			s.waiting = [];
			s.head = 0;
		}
	} else if (s.head > 1024 && s.head * 2 > s.waiting.length) {
		s.waiting = s.waiting.slice(s.head);
		s.head = 0;
	}
}
