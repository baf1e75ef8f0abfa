// ARC's failures that its own status does not show: an EphemeralRunner whose pod is gone
// (a "phantom": the scale set still counts it, so one job fewer finds a runner) and an
// EphemeralRunner stuck in one phase (Pending on an image it cannot pull, for instance).
// And the two pieces ARC cannot work without: the controller (nothing reconciles while it
// is down) and each scale set's listener (nothing scales the set while it is down; jobs
// keep being assigned to it and wait).
import { z } from 'zod';
import { SCALE_SET_LABEL, type ErObject } from './scale-sets';

export const arcRunnerProblemSchema = z.object({
	name: z.string(),
	phase: z.string(),
	/** Seconds since the runner was created (the phase's start is not recorded by ARC). */
	age_s: z.number().int(),
	detail: z.string()
});
export type ArcRunnerProblem = z.infer<typeof arcRunnerProblemSchema>;

export const arcComponentSchema = z.object({
	/** The pod found (`namespace/name`), or null when there is none. */
	pod: z.string().nullable(),
	up: z.boolean().nullable().meta({ description: 'null: unknown, the dashboard cannot see the pods (their watch is not listed yet, or refused).' }),
	/** Why it is down or unknown, in words naming the object; null while up. */
	detail: z.string().nullable()
});
export type ArcComponent = z.infer<typeof arcComponentSchema>;

export const scaleSetHealthSchema = z.object({
	source: z.string(),
	namespace: z.string(),
	scale_set: z.string(),
	phantom_runners: z.array(arcRunnerProblemSchema),
	stuck_runners: z.array(arcRunnerProblemSchema),
	listener: arcComponentSchema.meta({ description: "The scale set's listener pod (ARC runs one per scale set in the controller's namespace): down, the set does not scale." }),
	controller: arcComponentSchema.meta({ description: "The ARC controller's pod in the cluster: down, nothing of ARC is reconciled." }),
	healthy: z.boolean()
});
export type ScaleSetHealth = z.infer<typeof scaleSetHealthSchema>;

interface Named {
	metadata?: { name?: string; namespace?: string };
}

/** A pod of the ARC controller namespaces, as far as health reads it. */
export interface ControlPod {
	metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; deletionTimestamp?: unknown };
	status?: {
		phase?: string;
		conditions?: { type?: string; status?: string }[];
		containerStatuses?: { ready?: boolean; state?: { waiting?: { reason?: string } } }[];
	};
}

// ARC's labels on a listener pod (copied from its AutoscalingListener), and the Helm chart's on the controller's.
const LISTENER_COMPONENT = 'runner-scale-set-listener';
const COMPONENT_LABEL = 'app.kubernetes.io/component';
const SCALE_SET_NAMESPACE_LABEL = 'actions.github.com/scale-set-namespace';
export const CONTROLLER_LABEL = 'app.kubernetes.io/name';
export const CONTROLLER_NAME = 'gha-rs-controller';

const podKey = (p: ControlPod) => `${p.metadata?.namespace}/${p.metadata?.name}`;

/** Why a pod does not serve (not Running, terminating, or a container not ready), or null when it does. */
function notServing(p: ControlPod): string | null {
	if (p.metadata?.deletionTimestamp) return 'terminating';
	const phase = p.status?.phase ?? 'Pending';
	if (phase !== 'Running') return phase;
	const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
	const containers = p.status?.containerStatuses ?? [];
	if (ready ? ready.status === 'True' : containers.length > 0 && containers.every((c) => c.ready)) return null;
	const waiting = containers.map((c) => c.state?.waiting?.reason).find(Boolean);
	return `Running, not ready${waiting ? ` (${waiting})` : ''}`;
}

/** The best of the pods that could be the component: one serving, else the first, with why it is down. */
function component(candidates: ControlPod[], missing: string, what: string, unknown: string | null): ArcComponent {
	// Without a live watch of the pods, no pod seen is no evidence: say so rather than raise an alarm.
	if (unknown !== null && candidates.length === 0) return { pod: null, up: null, detail: `${what} unknown: the pods of the controller namespaces are not readable (${unknown})` };
	const serving = candidates.find((p) => notServing(p) === null);
	if (serving) return { pod: podKey(serving), up: true, detail: null };
	const first = candidates[0];
	if (!first) return { pod: null, up: false, detail: missing };
	return { pod: podKey(first), up: false, detail: `${what} pod ${podKey(first)} is ${notServing(first)}` };
}

/** The ARC controller of one cluster: a serving pod labelled as ARC's Helm chart labels it, in the controller namespaces. */
export function controllerHealth(controlPods: readonly ControlPod[], namespaces: readonly string[], unknown: string | null = null): ArcComponent {
	const pods = controlPods.filter((p) => p.metadata?.labels?.[CONTROLLER_LABEL] === CONTROLLER_NAME);
	return component(pods, `no ARC controller pod (${CONTROLLER_LABEL}=${CONTROLLER_NAME}) in ${namespaces.join(', ') || 'the configured controller namespaces'}`, 'ARC controller', unknown);
}

/** A scale set's listener: the pod ARC labels with the set's name and namespace and the listener component. */
export function listenerHealth(
	controlPods: readonly ControlPod[],
	set: { namespace: string; name: string; object?: string },
	namespaces: readonly string[],
	unknown: string | null = null
): ArcComponent {
	// ARC labels it with the AutoscalingRunnerSet's object name; the GitHub scale set name is accepted as well, as for its runners.
	const names = [set.name, set.object ?? set.name];
	const pods = controlPods.filter((p) => {
		const l = p.metadata?.labels;
		return l?.[COMPONENT_LABEL] === LISTENER_COMPONENT && names.includes(l[SCALE_SET_LABEL] ?? '') && l[SCALE_SET_NAMESPACE_LABEL] === set.namespace;
	});
	return component(pods, `no listener pod for scale set ${set.namespace}/${set.name} in ${namespaces.join(', ') || 'the configured controller namespaces'}`, 'listener', unknown);
}

const ageOf = (er: ErObject & { metadata?: { creationTimestamp?: string | Date } }, now: number) => {
	const t = er.metadata?.creationTimestamp;
	const ms = t === undefined ? NaN : typeof t === 'string' ? Date.parse(t) : t.getTime();
	return Number.isFinite(ms) ? Math.max(0, Math.floor((now - ms) / 1000)) : 0;
};

/**
 * Per scale set: runners ARC counts whose pod does not exist (past `graceS`, the time
 * ARC takes to create one), and runners in a non-final phase other than Running for
 * longer than `stuckS`.
 */
export function scaleSetHealth(
	source: string,
	/** `name` is the GitHub scale set name, `object` the AutoscalingRunnerSet's when it differs. */
	scaleSets: readonly { namespace: string; name: string; object?: string }[],
	runners: readonly ErObject[],
	pods: readonly Named[],
	now: number,
	opts: { graceS: number; stuckS: number },
	/** `unknown`: why the controller namespaces' pods cannot be trusted to be complete, or null. */
	control: { pods: readonly ControlPod[]; namespaces: readonly string[]; unknown?: string | null }
): ScaleSetHealth[] {
	const podNames = new Set(pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`));
	const controller = controllerHealth(control.pods, control.namespaces, control.unknown ?? null);
	const out = new Map<string, ScaleSetHealth>();
	for (const s of scaleSets)
		out.set(`${s.namespace}/${s.name}`, {
			source,
			namespace: s.namespace,
			scale_set: s.name,
			phantom_runners: [],
			stuck_runners: [],
			listener: listenerHealth(control.pods, s, control.namespaces, control.unknown ?? null),
			controller,
			healthy: true
		});
	for (const er of runners) {
		const ns = er.metadata?.namespace ?? '';
		const entry = out.get(`${ns}/${er.metadata?.labels?.[SCALE_SET_LABEL] ?? ''}`);
		if (!entry) continue;
		const name = er.metadata?.name ?? '';
		const phase = er.status?.phase ?? 'Pending';
		if (phase === 'Succeeded' || phase === 'Failed') continue;
		const age = ageOf(er as never, now);
		if (!podNames.has(`${ns}/${name}`) && age >= opts.graceS) {
			entry.phantom_runners.push({ name, phase, age_s: age, detail: `counted by the scale set, but its pod ${name} does not exist${er.status?.runnerId ? ` (GitHub runner ${er.status.runnerId})` : ''}` });
		} else if (phase !== 'Running' && age >= opts.stuckS) {
			entry.stuck_runners.push({ name, phase, age_s: age, detail: `${phase} for ${Math.round(age / 60)} min${er.status?.reason ? `: ${er.status.reason}` : ''}${er.status?.message ? ` ${er.status.message}` : ''}` });
		}
	}
	return [...out.values()].map((h) => ({ ...h, healthy: h.phantom_runners.length === 0 && h.stuck_runners.length === 0 && h.listener.up !== false && h.controller.up !== false }));
}
