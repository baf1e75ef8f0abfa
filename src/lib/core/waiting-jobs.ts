// Why a job is waiting: the forge says only "pending" (GitLab) or "queued" (GitHub); the
// reason is in the fleet — which runners could take it and what holds each of them back:
// paused, offline, busy, an autoscaler at its maximum, or pods the scheduler cannot place.
// Pure: the service hands in the jobs, runners and cluster facts; this decides.
import { z } from 'zod';
import { forgeSchema, type Forge, type Runner } from './runner';

export const WAITING_REASONS = ['no_runner', 'all_paused', 'all_offline', 'pods_pending', 'hpa_at_max', 'scale_set_at_max', 'busy', 'waiting'] as const;
export type WaitingReason = (typeof WAITING_REASONS)[number];

/** How each reason reads in a list header or a count on Capacity. */
export const REASON_LABELS: Record<WaitingReason, string> = {
	no_runner: 'no runner has the tags',
	all_paused: 'every matching runner paused',
	all_offline: 'every matching runner offline',
	pods_pending: 'runner pods Pending',
	hpa_at_max: 'HPA at maxReplicas',
	scale_set_at_max: 'scale set at maxRunners',
	busy: 'every matching runner busy',
	waiting: 'waiting to be picked'
};

/** A job the forge lists as waiting for a runner, as the adapters read it. */
export interface PendingJob {
	forge: Forge;
	source: string;
	upstream_id: number;
	name: string;
	/** `group/project` or `owner/repo`. */
	project: string;
	url: string | null;
	/** GitLab's tag_list, or GitHub's runs-on labels. */
	tags: string[];
	created_at: string;
}

export const candidateSchema = z.object({
	id: z.string(),
	name: z.string(),
	status: z.string(),
	paused: z.boolean(),
	busy: z.boolean().nullable()
});
export type Candidate = z.infer<typeof candidateSchema>;

export const waitingJobSchema = z.object({
	forge: forgeSchema,
	source: z.string(),
	id: z.string().meta({ description: '`<forge>:<source>:<upstream job id>`', example: 'gitlab:sandbox-gitlab:1234' }),
	name: z.string(),
	project: z.string(),
	url: z.string().nullable(),
	tags: z.array(z.string()),
	created_at: z.string(),
	waited_s: z.number().int(),
	reason: z.enum(WAITING_REASONS),
	reason_text: z.string(),
	/** The runner type (GitLab Deployment) or ARC scale set the job is meant for, when one is. */
	runner_type: z.string().nullable(),
	candidates: z.array(candidateSchema).meta({ description: 'Runners that would pick the job: tags covering the job’s and, on GitLab, run_untagged for an untagged job and the job’s project among the runner’s projects or groups (at most 20; `candidates_total` counts them all).' }),
	candidates_total: z.number().int()
});
export type WaitingJob = z.infer<typeof waitingJobSchema>;

/** A GitLab runner type's autoscaler and pods, or an ARC scale set's, as far as they explain a wait. */
export interface CapacityGroup {
	/** GitLab: the Deployment's name (runners are named after it); ARC: the scale set's name. */
	name: string;
	kind: 'deployment' | 'scale_set';
	autoscaler: { name: string; current: number; max: number } | null;
	/** Pods of this group the scheduler has not placed, with its words for why (null: none). */
	pending_pods: number;
	scheduling_message: string | null;
}

export interface WaitingFacts {
	/** Runners of the job's source. */
	runners: readonly Runner[];
	/** Capacity groups of every watched cluster. */
	groups: readonly CapacityGroup[];
	now: number;
}

const MAX_CANDIDATES = 20;

const lower = (s: string) => s.toLowerCase();

/** Whether a runner may take the job by its tags: GitLab's tags ⊆ runner tags; GitHub's labels, case-insensitively. */
export function coversTags(runner: Runner, job: Pick<PendingJob, 'forge' | 'tags'>): boolean {
	if (job.forge === 'github') {
		const have = new Set(runner.tags.map(lower));
		return job.tags.every((t) => have.has(lower(t)));
	}
	return job.tags.every((t) => runner.tags.includes(t));
}

/**
 * Whether a GitLab runner may take a job of this project at all, tags aside: an instance
 * runner takes any project's jobs, a project runner only its projects', a group runner
 * only those of projects in its groups and their subgroups. (`locked` only limits which
 * projects a runner can be assigned to, not which jobs it picks.) A runner whose details
 * are not read yet (no scope) is not held against.
 */
export function inScope(runner: Runner, job: Pick<PendingJob, 'forge' | 'project'>): boolean {
	// `?? []`: a runner from a replica of an earlier version has no scope yet (not held against).
	const scope = runner.scope ?? [];
	if (job.forge !== 'gitlab' || scope.length === 0) return true;
	// GitLab paths are case-insensitive.
	const project = lower(job.project);
	if (runner.type === 'project_type') return scope.some((p) => lower(p) === project);
	if (runner.type === 'group_type') return scope.some((g) => project.startsWith(`${lower(g)}/`));
	return true;
}

/** GitLab: a job without tags is picked only by runners with run_untagged (unknown until the details are read: not held against). */
export function takesUntagged(runner: Runner, job: Pick<PendingJob, 'forge' | 'tags'>): boolean {
	return job.forge !== 'gitlab' || job.tags.length > 0 || runner.run_untagged !== false;
}

/** Whether a runner would pick the job: its tags, run_untagged for an untagged GitLab job, and the GitLab runner's projects or groups. */
export function canTake(runner: Runner, job: Pick<PendingJob, 'forge' | 'tags' | 'project'>): boolean {
	return coversTags(runner, job) && takesUntagged(runner, job) && inScope(runner, job);
}

const runners = (n: number) => `${n} runner${n === 1 ? '' : 's'}`;

/** Why no GitLab runner takes the job, in words: no tags match, or the ones that match are another project's or group's, or do not run untagged jobs. */
function noRunnerText(job: PendingJob, ofSource: readonly Runner[]): string {
	const byTags = ofSource.filter((r) => coversTags(r, job));
	if (job.tags.length > 0) {
		if (byTags.length === 0) return `no runner has tags ${tagList(job.tags)}`;
		return `no runner of ${job.project} or its groups has tags ${tagList(job.tags)} (${runners(byTags.length)} with them ${byTags.length === 1 ? 'belongs' : 'belong'} to other projects or groups)`;
	}
	if (job.forge !== 'gitlab') return 'no runner takes untagged jobs';
	const available = byTags.filter((r) => inScope(r, job));
	const elsewhere = byTags.filter((r) => !inScope(r, job) && r.run_untagged !== false).length;
	const why = [
		available.length ? `${runners(available.length)} available to ${job.project} ${available.length === 1 ? 'has' : 'have'} run_untagged off` : `no runner is available to ${job.project}`,
		...(elsewhere ? [`${runners(elsewhere)} that ${elsewhere === 1 ? 'does' : 'do'} belong to other projects or groups`] : [])
	];
	return `no runner takes untagged jobs: ${why.join('; ')}`;
}

/** The GitLab runner type a runner belongs to: the longest Deployment name its name starts with. */
export function groupOfRunner(runner: Runner, groups: readonly CapacityGroup[]): CapacityGroup | null {
	if (runner.forge === 'github') return runner.scale_set ? (groups.find((g) => g.kind === 'scale_set' && g.name === runner.scale_set) ?? null) : null;
	let best: CapacityGroup | null = null;
	for (const g of groups) if (g.kind === 'deployment' && runner.name.startsWith(g.name) && (!best || g.name.length > best.name.length)) best = g;
	return best;
}

const tagList = (tags: string[]) => `[${tags.join(', ')}]`;

/**
 * The group a job is meant for: a scale set its one label names, else among the groups of
 * the runners that could take it the one whose runners carry the fewest tags beyond the
 * job's (a `docker` job is the docker runners' even when dind runners also carry `docker`,
 * which is how the runner HPAs count jobs too).
 */
function targetGroup(job: PendingJob, matching: Runner[], groups: readonly CapacityGroup[]): CapacityGroup | null {
	if (job.forge === 'github' && job.tags.length === 1) {
		const set = groups.find((g) => g.kind === 'scale_set' && lower(g.name) === lower(job.tags[0]!));
		if (set) return set;
	}
	let best: { g: CapacityGroup; extra: number } | null = null;
	for (const r of matching) {
		const g = groupOfRunner(r, groups);
		if (!g) continue;
		const extra = r.tags.length - job.tags.length;
		if (!best || extra < best.extra || (extra === best.extra && g.name < best.g.name)) best = { g, extra };
	}
	return best?.g ?? null;
}

function groupReason(g: CapacityGroup): { reason: WaitingReason; text: string } | null {
	if (g.pending_pods > 0) {
		const what = g.kind === 'scale_set' ? `runner pods of scale set ${g.name}` : `pods of ${g.name}`;
		return { reason: 'pods_pending', text: `${g.pending_pods} ${what} Pending${g.scheduling_message ? `: ${g.scheduling_message}` : ''}` };
	}
	const a = g.autoscaler;
	if (a && a.max >= 0 && a.current >= a.max) {
		return g.kind === 'scale_set'
			? { reason: 'scale_set_at_max', text: `scale set ${a.name} at maxRunners ${a.max}` }
			: { reason: 'hpa_at_max', text: `HPA ${a.name} at maxReplicas ${a.max}` };
	}
	return null;
}

/** Why one job waits, and which runners could take it. */
export function explainWaiting(job: PendingJob, facts: WaitingFacts): WaitingJob {
	const waited = Math.max(0, Math.floor((facts.now - Date.parse(job.created_at)) / 1000));
	const ofSource = facts.runners.filter((r) => r.forge === job.forge && r.source === job.source);
	const group = targetGroup(job, [], facts.groups);
	// A job for a scale set is taken by that set's runners, whatever their other labels.
	const matching = group?.kind === 'scale_set' ? ofSource.filter((r) => r.scale_set === group.name) : ofSource.filter((r) => canTake(r, job));
	const target = group ?? targetGroup(job, matching, facts.groups);
	const base = {
		forge: job.forge,
		source: job.source,
		id: `${job.forge}:${job.source}:${job.upstream_id}`,
		name: job.name,
		project: job.project,
		url: job.url,
		tags: job.tags,
		created_at: job.created_at,
		waited_s: waited,
		runner_type: target?.name ?? null,
		candidates: matching.slice(0, MAX_CANDIDATES).map((r) => ({ id: r.id, name: r.name, status: r.status, paused: r.paused, busy: r.busy })),
		candidates_total: matching.length
	};
	const say = (reason: WaitingReason, reason_text: string): WaitingJob => ({ ...base, reason, reason_text });
	if (matching.length === 0) {
		// An ARC scale set with no runner registered yet still takes the job once one starts.
		if (target?.kind === 'scale_set') return say(...explainGroup(target, `scale set ${target.name} has no runner yet`));
		return say('no_runner', noRunnerText(job, ofSource));
	}
	const paused = matching.filter((r) => r.paused).length;
	if (paused === matching.length) return say('all_paused', `every matching runner is paused (${paused})`);
	const usable = matching.filter((r) => !r.paused);
	const online = usable.filter((r) => r.status === 'online');
	if (online.length === 0) {
		return say('all_offline', paused ? `every matching runner is paused or offline (${paused} paused, ${usable.length} offline)` : `every matching runner is offline (${usable.length})`);
	}
	if (target) {
		const r = groupReason(target);
		if (r) return say(r.reason, r.text);
	}
	// GitHub says which runner is busy; a GitLab runner polling for work that leaves a job
	// pending has no free slot (concurrent / limit) for it.
	const idle = online.filter((r) => r.busy === false).length;
	if (job.forge === 'github' && idle > 0) return say('waiting', `${idle} matching runner${idle === 1 ? ' is' : 's are'} idle; waiting to be picked`);
	return say('busy', `every matching runner is busy at its concurrency limit (${online.length} online)`);
}

function explainGroup(g: CapacityGroup, otherwise: string): [WaitingReason, string] {
	const r = groupReason(g);
	return r ? [r.reason, r.text] : ['waiting', otherwise];
}

export const waitingQuery = z.strictObject({
	page: z.coerce.number().int().min(1).max(1_000_000).default(1),
	per_page: z.coerce.number().int().min(1).max(200).default(50),
	forge: forgeSchema.optional(),
	source: z.string().max(100).optional(),
	reason: z.enum(WAITING_REASONS).optional(),
	runner_type: z.string().max(200).optional(),
	q: z.string().max(200).optional()
});
export type WaitingQuery = z.infer<typeof waitingQuery>;

/** Filter and order (longest wait first, then id) the explained jobs. */
export function filterWaiting(jobs: readonly WaitingJob[], q: Omit<WaitingQuery, 'page' | 'per_page'>): WaitingJob[] {
	const needle = q.q?.trim().toLowerCase();
	return jobs
		.filter(
			(j) =>
				(!q.forge || j.forge === q.forge) &&
				(!q.source || j.source === q.source) &&
				(!q.reason || j.reason === q.reason) &&
				(!q.runner_type || j.runner_type === q.runner_type) &&
				(!needle || `${j.name}\n${j.project}\n${j.tags.join(' ')}\n${j.reason_text}`.toLowerCase().includes(needle))
		)
		.sort((a, b) => b.waited_s - a.waited_s || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export const reasonCountSchema = z.object({ forge: forgeSchema, reason: z.enum(WAITING_REASONS), label: z.string(), count: z.number().int() });
export type ReasonCount = z.infer<typeof reasonCountSchema>;

/** Waiting jobs counted per forge and reason, in the order of WAITING_REASONS. */
export function countByReason(jobs: readonly WaitingJob[]): ReasonCount[] {
	const counts = new Map<string, number>();
	for (const j of jobs) counts.set(`${j.forge}\u0000${j.reason}`, (counts.get(`${j.forge}\u0000${j.reason}`) ?? 0) + 1);
	const out: ReasonCount[] = [];
	for (const forge of ['gitlab', 'github'] as const)
		for (const reason of WAITING_REASONS) {
			const count = counts.get(`${forge}\u0000${reason}`);
			if (count) out.push({ forge, reason, label: REASON_LABELS[reason], count });
		}
	return out;
}

interface PodLike {
	metadata?: { labels?: Record<string, string>; ownerReferences?: { kind?: string; name?: string }[] };
	status?: {
		phase?: string;
		conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
		containerStatuses?: { state?: { waiting?: { reason?: string; message?: string } } }[];
	};
}

// Container states that keep a scheduled pod from ever starting on its own.
const STUCK_WAITING = new Set(['ImagePullBackOff', 'ErrImagePull', 'CreateContainerConfigError', 'CreateContainerError', 'InvalidImageName', 'CrashLoopBackOff']);

/**
 * What holds a pod back from serving, in the words of whoever knows: the scheduler's
 * (unschedulable) or the kubelet's (an image that cannot be pulled). A pod Pending for
 * the few seconds of a normal start is not held up: null.
 */
export function podHoldUp(pod: PodLike): string | null {
	const unschedulable = unschedulableMessage(pod);
	if (unschedulable) return unschedulable;
	if (pod.status?.phase !== 'Pending') return null;
	const w = pod.status.containerStatuses?.map((c) => c.state?.waiting).find((x) => x?.reason && STUCK_WAITING.has(x.reason));
	return w ? `${w.reason}${w.message ? `: ${w.message}` : ''}` : null;
}

/** A Pending pod the scheduler could not place, with its words (the PodScheduled=False condition's message). */
export function unschedulableMessage(pod: PodLike): string | null {
	if (pod.status?.phase !== 'Pending') return null;
	const c = pod.status.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False');
	return c ? (c.message ?? c.reason ?? 'Unschedulable') : null;
}
