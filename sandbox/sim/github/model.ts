// Plain data for the simulated GitHub side: the organisation's self-hosted runners
// (plain, long-lived ones and the ephemeral runners ARC registers per job), runner
// scale sets and Actions jobs. Status follows GitHub: a runner is `online` while its
// process holds a session, `busy` while it runs a job; there is no pause.

export type GitHubRunnerStatus = 'online' | 'offline';
export type LabelType = 'read-only' | 'custom';
export type Conclusion = 'success' | 'failure' | 'cancelled';
export type JobStatus = 'queued' | 'assigned' | 'in_progress' | 'completed';

export interface Label {
	id: number;
	name: string;
	type: LabelType;
}

/** A long-lived self-hosted runner registered at the organisation or one repository. */
export interface PlainRunner {
	id: number;
	/** Position in the fleet; the runner is a pure function of (seed, index). */
	index: number;
	name: string;
	arch: 'X64' | 'ARM64';
	labels: Label[];
	/** Lower-cased label names, for `runs-on` matching (case-insensitive on GitHub). */
	labelKeys: string[];
	/** Runner group (org runners); null for repository runners. */
	groupId: number | null;
	/** `owner/repo` for a repository-level runner; null for org runners. */
	repo: string | null;
	version: string;
	createdAt: number;
	connected: boolean;
	/** When the runner last went offline (null while connected). GitHub's API does not show it. */
	offlineSince: number | null;
	/** Held offline by an out-of-band change until set online again. */
	heldOffline: boolean;
	/** Held busy (out of band) without a job; takes no jobs while held. */
	heldBusy: boolean;
	job: GitHubJob | null;
	/** Simulated time of the next random disconnect/reconnect (Infinity: never). */
	nextChurnAt: number;
}

/** An ephemeral runner that ARC registered for one job; lives as long as its EphemeralRunner. */
export interface EphemeralRegistration {
	id: number;
	name: string;
	scaleSet: string;
	groupId: number;
	registeredAt: number;
	job: GitHubJob | null;
	/** Set once its one job finished: the runner process exits and ARC removes it. */
	done: boolean;
}

export type JobTarget = { kind: 'labels'; labels: string[] } | { kind: 'scale_set'; name: string };

export interface GitHubJob {
	id: number;
	runId: number;
	/** Id of the job message the scale set acquired (ARC's jobRequestId). */
	requestId: number;
	name: string;
	repo: string;
	workflowRef: string;
	target: JobTarget;
	status: JobStatus;
	conclusion: Conclusion | null;
	createdAt: number;
	startedAt: number | null;
	finishedAt: number | null;
	/** When a running job will finish. */
	endsAt: number;
	runnerId: number | null;
	runnerName: string | null;
	/** The runner group of the runner that took it (null for a repository runner or before it started). */
	runnerGroupId: number | null;
}

/** A runner scale set as GitHub knows it: the jobs assigned to it and its registered runners. */
export interface ScaleSet {
	id: number;
	name: string;
	groupId: number;
	/** Assigned jobs not started yet, oldest first, from index `head`. */
	waiting: GitHubJob[];
	head: number;
	running: number;
	/** Registered runners without a job, oldest registration first. */
	idle: EphemeralRegistration[];
	started: number;
	completed: number;
}

export function waitingCount(s: ScaleSet): number {
	return s.waiting.length - s.head;
}

/** Jobs assigned to the scale set: waiting ones plus those running on its runners. */
export function assignedCount(s: ScaleSet): number {
	return waitingCount(s) + s.running;
}

export function plainStatus(r: PlainRunner): GitHubRunnerStatus {
	return r.connected ? 'online' : 'offline';
}

export function plainBusy(r: PlainRunner): boolean {
	return r.connected && (r.job !== null || r.heldBusy);
}
