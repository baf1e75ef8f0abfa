// Jobs waiting for a runner, and why. Each forge source's waiting jobs are read on an
// interval (GitLab pending jobs, GitHub queued jobs); the reasons are computed when asked,
// from the fleet and the watched clusters as they are then, so pausing a runner or an HPA
// reaching its maximum shows at once, not at the next read. With several replicas only the
// leader reads the forges (`resume`/`pause`); its reads reach the others through the replica
// feed (`onRead` there, `adopt` here).
import { deploymentOf } from '$lib/core/autoscalers/views';
import { runnerTypeOf } from '$lib/core/pods';
import { messageOf } from '$lib/core/errors';
import { pageOf, type Page } from '$lib/core/paging';
import {
	countByReason,
	explainWaiting,
	filterWaiting,
	podHoldUp,
	type CapacityGroup,
	type PendingJob,
	type ReasonCount,
	type WaitingJob,
	type WaitingQuery
} from '$lib/core/waiting-jobs';
import { listQueuedJobs } from '$lib/sources/github/queued-jobs';
import { listPendingJobs } from '$lib/sources/gitlab/pending-jobs';
import type { AppContext } from '../app';
import { Poller } from '../sync/poller';

export type WaitingJobsDeps = Pick<AppContext, 'config' | 'fleet' | 'gitlab' | 'github' | 'kubernetes' | 'logger'> & {
	autoscalers: Pick<AppContext['autoscalers'], 'list'>;
	/** Called with each read of a source (the leader hands it to the other replicas). */
	onRead?: (source: string, read: WaitingRead) => void;
};

export interface WaitingRead {
	jobs: PendingJob[];
	at: number;
	error: string | null;
}

export interface WaitingJobsService {
	/** Every job waiting longer than the threshold, explained, longest wait first. */
	all(): WaitingJob[];
	list(q: WaitingQuery): Page<WaitingJob>;
	summary(): { threshold_s: number; total: number; by_reason: ReasonCount[]; sources: { source: string; read_at: string | null; error: string | null }[] };
	/** The capacity groups (runner types, scale sets) as the reasons see them. */
	groups(): CapacityGroup[];
	/** Starts reading the forges (this replica leads). */
	resume(): void;
	/** Stops reading them (another replica leads); the last reads stay. */
	pause(): Promise<void>;
	/** A read another replica made. */
	adopt(source: string, read: WaitingRead): void;
	stop(): Promise<void>;
}

/** GitLab runner types (the HPAs' Deployments) and ARC scale sets, with their held-up pods. */
export function capacityGroups(deps: Pick<WaitingJobsDeps, 'kubernetes' | 'autoscalers'>): CapacityGroup[] {
	const held = new Map<string, { count: number; message: string | null }>();
	for (const k of deps.kubernetes.values()) {
		for (const pod of k.objects('Pod')) {
			const why = podHoldUp(pod as never);
			if (!why) continue;
			const t = runnerTypeOf(pod as never);
			if (!t) continue;
			const key = `${t.stack}/${t.type}`;
			const e = held.get(key) ?? { count: 0, message: null };
			e.count++;
			e.message ??= why;
			held.set(key, e);
		}
	}
	return deps.autoscalers.list().map((a): CapacityGroup => {
		const name = a.kind === 'hpa' ? deploymentOf(a) : a.name;
		const h = held.get(`${a.kind === 'hpa' ? 'gitlab' : 'arc'}/${name}`);
		return {
			name,
			kind: a.kind === 'hpa' ? 'deployment' : 'scale_set',
			autoscaler: { name: a.name, current: a.current, max: a.max },
			pending_pods: h?.count ?? 0,
			scheduling_message: h?.message ?? null
		};
	});
}

export function startWaitingJobs(deps: WaitingJobsDeps): WaitingJobsService {
	const { config, logger } = deps;
	const reads = new Map<string, WaitingRead>();
	// Explaining is cheap but not free at thousands of jobs: one answer per fleet/cluster moment.
	let cached: { at: number; jobs: WaitingJob[] } | null = null;
	const record = (name: string, read: WaitingRead) => {
		reads.set(name, read);
		cached = null;
		deps.onRead?.(name, read);
	};
	const pollers: Poller[] = [];
	const watch = (name: string, read: () => Promise<PendingJob[]>) => {
		const log = logger.child({ source: name, feature: 'waiting-jobs' });
		let failing = false;
		const poller = new Poller({
			name: `${name}:waiting-jobs`,
			intervalMs: config.waitingJobs.intervalMs,
			cycle: async () => {
				const jobs = await read();
				record(name, { jobs, at: Date.now(), error: null });
				if (failing) log.info('waiting jobs readable again');
				failing = false;
			},
			onError: (e) => {
				const last = reads.get(name);
				// The last good list stays (its age says how old it is); the error is shown with it.
				record(name, { jobs: last?.jobs ?? [], at: last?.at ?? 0, error: messageOf(e) });
				if (!failing) log.warn({ err: messageOf(e) }, 'reading waiting jobs failed; keeping the last list');
				failing = true;
			}
		});
		pollers.push(poller);
	};
	for (const s of config.sources) {
		const gl = s.kind === 'gitlab' ? deps.gitlab.get(s.name) : undefined;
		if (s.kind === 'gitlab' && gl) watch(s.name, async () => (await listPendingJobs(gl.client, s.name, s.gitlab.scope)).jobs);
		const gh = s.kind === 'github' ? deps.github.get(s.name) : undefined;
		if (s.kind === 'github' && gh) watch(s.name, async () => (await listQueuedJobs(gh.client, s.name, s.github.scope)).jobs);
	}

	const all = (): WaitingJob[] => {
		const now = Date.now();
		if (cached && now - cached.at < 1000) return cached.jobs;
		const groups = capacityGroups(deps);
		// A job is held against its own source's runners: grouped once here, not filtered from the whole fleet per job.
		const bySource = deps.fleet.bySourceRunners();
		const out: WaitingJob[] = [];
		for (const r of reads.values())
			for (const job of r.jobs) {
				if (now - Date.parse(job.created_at) < config.waitingJobs.thresholdMs) continue;
				out.push(explainWaiting(job, { runners: bySource[job.source] ?? [], groups, now }));
			}
		cached = { at: now, jobs: filterWaiting(out, {}) };
		return cached.jobs;
	};
	return {
		all,
		list: (q) => pageOf(filterWaiting(all(), q), q.page, q.per_page),
		summary: () => {
			const jobs = all();
			return {
				threshold_s: config.waitingJobs.thresholdMs / 1000,
				total: jobs.length,
				by_reason: countByReason(jobs),
				sources: [...reads.entries()].map(([source, r]) => ({ source, read_at: r.at ? new Date(r.at).toISOString() : null, error: r.error }))
			};
		},
		groups: () => capacityGroups(deps),
		resume() {
			for (const p of pollers) p.start();
		},
		async pause() {
			await Promise.all(pollers.map((p) => p.stop()));
		},
		adopt(source, read) {
			reads.set(source, read);
			cached = null;
		},
		async stop() {
			await Promise.all(pollers.map((p) => p.stop()));
		}
	};
}
