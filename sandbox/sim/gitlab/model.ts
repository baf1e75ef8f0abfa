// Plain data for the simulated GitLab: runners, their managers (one per runner
// process/pod that registered with the runner's token), jobs and pipelines.
// Status rules follow GitLab's own: a runner is online if it contacted GitLab in the
// last 2 hours, stale if its last contact (or creation, when never contacted) is more
// than 7 days old.

import { DAY, HOUR } from '../clock.js';

export type RunnerType = 'instance_type' | 'group_type' | 'project_type';
export type RunnerStatus = 'online' | 'offline' | 'stale' | 'never_contacted';
export type RunnerKind = 'docker' | 'dind' | 'nix';
export type AccessLevel = 'not_protected' | 'ref_protected';
export type JobStatus = 'pending' | 'running' | 'success' | 'failed' | 'canceled';

export const RUNNER_TYPES: readonly RunnerType[] = ['instance_type', 'group_type', 'project_type'];
export const RUNNER_STATUSES: readonly RunnerStatus[] = ['online', 'offline', 'stale', 'never_contacted'];

export const ONLINE_CONTACT_TIMEOUT_MS = 2 * HOUR;
export const STALE_TIMEOUT_MS = 7 * DAY;

export interface Manager {
	id: number;
	systemId: string;
	version: string;
	revision: string;
	platform: string;
	architecture: string;
	createdAt: number;
	ipAddress: string;
	/** Whether this process still runs (old pods keep their system_id record after replacement). */
	active: boolean;
	/** Last contact; for an active manager of a connected runner, the live clock is used instead. */
	contactedAt: number | null;
}

export interface Runner {
	id: number;
	/** Position in the fleet; the runner is a pure function of (seed, index). */
	index: number;
	kind: RunnerKind;
	description: string;
	/** `name` from the runner's config; GitLab only knows it after first contact. */
	configName: string;
	type: RunnerType;
	groupId: number | null;
	projectId: number | null;
	tags: string[];
	paused: boolean;
	maintenanceNote: string | null;
	runUntagged: boolean;
	locked: boolean;
	accessLevel: AccessLevel;
	maximumTimeout: number | null;
	createdAt: number;
	/** Jobs each active manager runs at once (`concurrent` in config.toml). */
	concurrent: number;
	version: string;
	managers: Manager[];
	/** Whether the runner's processes are currently polling GitLab. */
	connected: boolean;
	/** Simulated time of the next random disconnect/reconnect (Infinity: never). */
	nextChurnAt: number;
	running: Job[];
	/** Finished jobs, oldest first, bounded. */
	history: Job[];
	/** Bumped on every change that affects which jobs the runner can pick. */
	rev: number;
}

export interface Pipeline {
	id: number;
	iid: number;
	projectId: number;
	ref: string;
	sha: string;
	tag: boolean;
	createdAt: number;
	jobs: Job[];
}

export interface Job {
	id: number;
	projectId: number;
	pipeline: Pipeline;
	stage: string;
	name: string;
	ref: string;
	tag: boolean;
	/** Protected refs (default branch, tags) may use `ref_protected` runners. */
	protectedRef: boolean;
	tags: string[];
	status: JobStatus;
	createdAt: number;
	startedAt: number | null;
	finishedAt: number | null;
	/** When a running job will finish. */
	endsAt: number;
	runnerId: number | null;
	systemId: string | null;
	failureReason: string | null;
	/** Decided in advance for jobs already running when the sandbox starts (from their own stream); else drawn when the job ends. */
	outcome?: 'success' | 'failed' | 'canceled';
}

/** Effective last contact of a manager at simulated step time `stepMs`. */
export function managerContactedAt(r: Runner, m: Manager, stepMs: number): number | null {
	if (r.connected && m.active) return stepMs;
	return m.contactedAt;
}

export function runnerContactedAt(r: Runner, stepMs: number): number | null {
	let latest: number | null = null;
	for (const m of r.managers) {
		const c = managerContactedAt(r, m, stepMs);
		if (c !== null && (latest === null || c > latest)) latest = c;
	}
	return latest;
}

/** GitLab's status rule, for a runner or a runner manager. */
export function contactStatus(contactedAt: number | null, createdAt: number, now: number): RunnerStatus {
	if (contactedAt === null) return now - createdAt > STALE_TIMEOUT_MS ? 'stale' : 'never_contacted';
	if (now - contactedAt > STALE_TIMEOUT_MS) return 'stale';
	if (now - contactedAt <= ONLINE_CONTACT_TIMEOUT_MS) return 'online';
	return 'offline';
}

export function runnerStatus(r: Runner, stepMs: number, now: number): RunnerStatus {
	return contactStatus(runnerContactedAt(r, stepMs), r.createdAt, now);
}

/** The manager GitLab reports version/platform from: the most recently contacted one. */
export function latestManager(r: Runner, stepMs: number): Manager | null {
	let best: Manager | null = null;
	let bestAt = -Infinity;
	for (const m of r.managers) {
		const c = managerContactedAt(r, m, stepMs) ?? -Infinity;
		if (best === null || c > bestAt) {
			best = m;
			bestAt = c;
		}
	}
	return best;
}

/** How many jobs the runner can run at once right now. */
export function runnerCapacity(r: Runner): number {
	if (!r.connected) return 0;
	let active = 0;
	for (const m of r.managers) if (m.active) active++;
	return active * r.concurrent;
}
