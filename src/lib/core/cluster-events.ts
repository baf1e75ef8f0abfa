// Kubernetes Events (events.k8s.io/v1) as operators read them on an autoscaler: what the
// HPA controller, the deployment controller, ARC, the scheduler and the kubelet said about
// the objects behind one runner type or scale set, newest first, and the last scaling
// decision in words. Both recorders' shapes are read: `series` and `eventTime` (the new
// one), `deprecatedCount` and the deprecated timestamps (client-go's legacy recorder).
import { z } from 'zod';

type Time = string | Date | null | undefined;

export interface EventObject {
	metadata?: { name?: string; namespace?: string; creationTimestamp?: Time };
	regarding?: { kind?: string; name?: string; namespace?: string };
	reason?: string;
	note?: string;
	type?: string;
	action?: string;
	eventTime?: Time;
	series?: { count?: number; lastObservedTime?: Time } | null;
	deprecatedCount?: number;
	deprecatedFirstTimestamp?: Time;
	deprecatedLastTimestamp?: Time;
	reportingController?: string;
	deprecatedSource?: { component?: string };
}

export const clusterEventSchema = z.object({
	type: z.string(),
	reason: z.string(),
	note: z.string(),
	/** `Kind/name` of the object it is about. */
	object: z.string(),
	count: z.number().int(),
	first_seen: z.string().nullable(),
	last_seen: z.string().nullable(),
	reporter: z.string().nullable()
});
export type ClusterEvent = z.infer<typeof clusterEventSchema>;

const iso = (t: Time): string | null => {
	if (!t) return null;
	const d = typeof t === 'string' ? new Date(t) : t;
	return Number.isNaN(d.getTime()) ? null : d.toISOString();
};

export function eventView(e: EventObject): ClusterEvent {
	const first = iso(e.eventTime) ?? iso(e.deprecatedFirstTimestamp) ?? iso(e.metadata?.creationTimestamp);
	const last = iso(e.series?.lastObservedTime) ?? iso(e.deprecatedLastTimestamp) ?? first;
	return {
		type: e.type ?? 'Normal',
		reason: e.reason ?? '',
		note: e.note ?? '',
		object: `${e.regarding?.kind ?? '?'}/${e.regarding?.name ?? '?'}`,
		count: e.series?.count ?? e.deprecatedCount ?? 1,
		first_seen: first,
		last_seen: last,
		reporter: e.reportingController || e.deprecatedSource?.component || null
	};
}

/** The objects behind an autoscaler: kinds named exactly, and kinds whose names start with a prefix (its pods, ReplicaSets, runners). */
export interface EventScope {
	namespace: string;
	exact: { kind: string; name: string }[];
	prefixed: { kinds: string[]; prefix: string }[];
}

/** Scope of a GitLab runner HPA: the HPA, its Deployment, the Deployment's ReplicaSets and pods. */
export function hpaScope(namespace: string, hpa: string, deployment: string): EventScope {
	return { namespace, exact: [{ kind: 'HorizontalPodAutoscaler', name: hpa }, { kind: 'Deployment', name: deployment }], prefixed: [{ kinds: ['ReplicaSet', 'Pod'], prefix: `${deployment}-` }] };
}

/** Scope of an ARC scale set: the AutoscalingRunnerSet, its EphemeralRunnerSets, EphemeralRunners and their pods. */
export function scaleSetScope(namespace: string, name: string): EventScope {
	return { namespace, exact: [{ kind: 'AutoscalingRunnerSet', name }], prefixed: [{ kinds: ['EphemeralRunnerSet', 'EphemeralRunner', 'Pod'], prefix: `${name}-` }] };
}

/** Scope of a GitLab runner Deployment no HPA scales: the Deployment, its ReplicaSets and pods. */
export function deploymentScope(namespace: string, deployment: string): EventScope {
	return { namespace, exact: [{ kind: 'Deployment', name: deployment }], prefixed: [{ kinds: ['ReplicaSet', 'Pod'], prefix: `${deployment}-` }] };
}

/** Scope of one ARC runner: its scale set, and its own EphemeralRunner and pod (both carry the runner's name). */
export function ephemeralRunnerScope(namespace: string, scaleSet: string, runner: string): EventScope {
	return { namespace, exact: [{ kind: 'AutoscalingRunnerSet', name: scaleSet }, { kind: 'EphemeralRunner', name: runner }, { kind: 'Pod', name: runner }], prefixed: [] };
}

function inScope(e: EventObject, s: EventScope): boolean {
	const r = e.regarding ?? {};
	if ((r.namespace ?? e.metadata?.namespace) !== s.namespace) return false;
	const kind = r.kind ?? '';
	const name = r.name ?? '';
	return s.exact.some((x) => x.kind === kind && x.name === name) || s.prefixed.some((p) => p.kinds.includes(kind) && name.startsWith(p.prefix));
}

/** The scope's events seen within `maxAgeS`, newest first, at most `limit`. */
export function eventsFor(events: readonly EventObject[], scope: EventScope, now: number, opts: { maxAgeS: number; limit: number }): ClusterEvent[] {
	const out: ClusterEvent[] = [];
	for (const e of events) {
		if (!inScope(e, scope)) continue;
		const v = eventView(e);
		if (v.last_seen && now - Date.parse(v.last_seen) > opts.maxAgeS * 1000) continue;
		out.push(v);
	}
	return out.sort((a, b) => (b.last_seen ?? '').localeCompare(a.last_seen ?? '')).slice(0, opts.limit);
}

/** The last scaling decision in words: the newest rescale Event's note, else the HPA's own conditions. */
export function lastDecision(events: readonly ClusterEvent[], conditions: readonly { type: string; status: string; reason: string | null; message: string | null }[]): string | null {
	const rescale = events.find((e) => e.reason === 'SuccessfulRescale' || e.reason === 'FailedRescale');
	if (rescale) return `${rescale.note}${rescale.last_seen ? ` (${rescale.last_seen})` : ''}`;
	const failing = conditions.find((c) => c.type === 'ScalingActive' && c.status === 'False');
	if (failing) return `not scaling: ${failing.reason ?? ''}${failing.message ? ` — ${failing.message}` : ''}`;
	const limited = conditions.find((c) => c.type === 'ScalingLimited' && c.status === 'True');
	if (limited) return `limited: ${limited.reason ?? ''}${limited.message ? ` — ${limited.message}` : ''}`;
	const able = conditions.find((c) => c.type === 'AbleToScale');
	return able?.message ?? null;
}
