// Pods of the runner stacks, grouped by runner type: the GitLab runner Deployment a
// pod belongs to, or the ARC scale set of an ephemeral runner's pod.
import { z } from 'zod';
import { SCALE_SET_LABEL } from './scale-sets';

export interface PodObject {
	metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; ownerReferences?: { kind?: string; name?: string }[]; creationTimestamp?: string | Date };
	spec?: { nodeName?: string };
	status?: { phase?: string; startTime?: string | Date; containerStatuses?: { ready?: boolean; restartCount?: number; state?: { waiting?: { reason?: string }; terminated?: { reason?: string } } }[] };
}

/** The runner stack a pod belongs to: a GitLab runner Deployment or an ARC ephemeral runner. */
export const podStackSchema = z.enum(['gitlab', 'arc']);

export const podSchema = z.object({
	name: z.string(),
	namespace: z.string(),
	runner_type: z.string(),
	stack: podStackSchema,
	phase: z.string(),
	/** Containers ready / containers, e.g. "1/1". */
	ready: z.string(),
	restarts: z.number().int(),
	reason: z.string().nullable(),
	node: z.string().nullable(),
	started_at: z.string().nullable()
});
export type PodView = z.infer<typeof podSchema>;

/** The runner type a pod serves: ARC's scale-set label, the app name label, or its ReplicaSet's Deployment name. */
export function runnerTypeOf(pod: PodObject): { type: string; stack: z.infer<typeof podStackSchema> } | null {
	const labels = pod.metadata?.labels ?? {};
	if (labels[SCALE_SET_LABEL]) return { type: labels[SCALE_SET_LABEL], stack: 'arc' };
	const named = labels['app.kubernetes.io/name'] ?? labels['app'];
	if (named) return { type: named, stack: 'gitlab' };
	const rs = pod.metadata?.ownerReferences?.find((o) => o.kind === 'ReplicaSet')?.name;
	// A ReplicaSet is named <deployment>-<pod-template-hash>.
	return rs ? { type: rs.replace(/-[a-z0-9]{5,10}$/, ''), stack: 'gitlab' } : null;
}

const iso = (v: string | Date | undefined) => (v === undefined ? null : typeof v === 'string' ? v : v.toISOString());

export function podView(pod: PodObject): PodView | null {
	const t = runnerTypeOf(pod);
	if (!t) return null;
	const cs = pod.status?.containerStatuses ?? [];
	const waiting = cs.map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason).find(Boolean);
	return {
		name: pod.metadata?.name ?? '',
		namespace: pod.metadata?.namespace ?? '',
		runner_type: t.type,
		stack: t.stack,
		phase: pod.status?.phase ?? 'Unknown',
		ready: `${cs.filter((c) => c.ready).length}/${cs.length}`,
		restarts: cs.reduce((n, c) => n + (c.restartCount ?? 0), 0),
		reason: waiting ?? null,
		node: pod.spec?.nodeName ?? null,
		started_at: iso(pod.status?.startTime)
	};
}

export const runnerTypePodsSchema = z.object({
	runner_type: z.string(),
	stack: podStackSchema,
	pods: z.number().int(),
	running: z.number().int(),
	restarts: z.number().int(),
	not_ready: z.number().int()
});
export type RunnerTypePods = z.infer<typeof runnerTypePodsSchema>;

/** Per runner type: how many pods, how many running, total restarts. */
export function podsByRunnerType(pods: PodView[]): RunnerTypePods[] {
	const out = new Map<string, RunnerTypePods>();
	for (const p of pods) {
		const key = `${p.stack}/${p.runner_type}`;
		const e = out.get(key) ?? { runner_type: p.runner_type, stack: p.stack, pods: 0, running: 0, restarts: 0, not_ready: 0 };
		e.pods++;
		if (p.phase === 'Running') e.running++;
		e.restarts += p.restarts;
		const [ready, total] = p.ready.split('/').map(Number);
		if (ready !== total) e.not_ready++;
		out.set(key, e);
	}
	return [...out.values()].sort((a, b) => a.stack.localeCompare(b.stack) || a.runner_type.localeCompare(b.runner_type));
}
