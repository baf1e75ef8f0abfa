// Autoscalers as operators read them: GitLab runner HPAs (autoscaling/v2) and ARC
// runner scale sets side by side (min/max/current/desired), HPA metrics against
// their targets, and their conditions. Their replica history is in ./history.
import { parseQuantity } from '../quantity';
import type { Forge } from '../runner';
import type { ScaleSet } from '../scale-sets';

interface Meta {
	name?: string;
	namespace?: string;
	labels?: Record<string, string>;
}
type Time = string | Date;
type Quantity = string | number;

interface MetricIdentifier {
	name?: string;
	selector?: { matchLabels?: Record<string, string>; matchExpressions?: { key?: string; operator?: string; values?: string[] }[] } | null;
}
interface MetricTarget {
	type?: string;
	value?: Quantity;
	averageValue?: Quantity;
	averageUtilization?: number;
}
interface MetricValue {
	value?: Quantity;
	averageValue?: Quantity;
	averageUtilization?: number;
}
interface ObjectRef {
	kind?: string;
	name?: string;
	apiVersion?: string;
}
/** One entry of spec.metrics (target) or status.currentMetrics (current). */
export interface HpaMetric {
	type?: string;
	external?: { metric?: MetricIdentifier; target?: MetricTarget; current?: MetricValue };
	pods?: { metric?: MetricIdentifier; target?: MetricTarget; current?: MetricValue };
	object?: { metric?: MetricIdentifier; describedObject?: ObjectRef; target?: MetricTarget; current?: MetricValue };
	resource?: { name?: string; target?: MetricTarget; current?: MetricValue };
	containerResource?: { name?: string; container?: string; target?: MetricTarget; current?: MetricValue };
}
export interface HpaObject {
	metadata?: Meta;
	spec?: { scaleTargetRef?: ObjectRef; minReplicas?: number; maxReplicas?: number; metrics?: HpaMetric[] };
	status?: {
		currentReplicas?: number;
		desiredReplicas?: number;
		currentMetrics?: HpaMetric[] | null;
		conditions?: { type?: string; status?: string; reason?: string; message?: string; lastTransitionTime?: Time }[];
		lastScaleTime?: Time;
	};
}
export interface DeploymentObject {
	metadata?: Meta;
	spec?: { replicas?: number };
	status?: { replicas?: number; readyReplicas?: number };
}

export const RUNNER_TYPE_LABEL = 'runner-type';

export interface MetricView {
	type: 'External' | 'Pods' | 'Object' | 'Resource' | 'ContainerResource' | string;
	/** Metric or resource name, e.g. `gitlab_ci_jobs` or `cpu`. */
	name: string;
	/** Label selector as text (`runner_type=docker`), the described object, or the container. */
	qualifier: string | null;
	/** How the target is read: `Utilization` (percent of requests), `AverageValue` (per pod) or `Value` (total). */
	target_type: 'Utilization' | 'AverageValue' | 'Value' | string;
	target: number | null;
	current: number | null;
	unit: 'percent' | 'value';
	/** current / target; above 1 the HPA wants more replicas. Null when either side is missing. */
	ratio: number | null;
}

export interface ConditionView {
	type: string;
	status: 'True' | 'False' | 'Unknown' | string;
	reason: string | null;
	message: string | null;
	since: string | null;
}

/** A GitLab runner HPA or an ARC runner scale set. */
export const AUTOSCALER_KINDS = ['hpa', 'scale_set'] as const;
export type AutoscalerKind = (typeof AUTOSCALER_KINDS)[number];

export interface AutoscalerView {
	/** `hpa:<source>:<namespace>:<name>` or `scale_set:<source>:<namespace>:<name>`. */
	id: string;
	kind: AutoscalerKind;
	source: string;
	namespace: string;
	name: string;
	forge: Forge;
	/** The capacity group it scales: the runner type (the `runner-type` label, else the Deployment's name) or the scale set. */
	group: string;
	/** What is scaled, e.g. `Deployment/docker-runner`. */
	target: string | null;
	min: number;
	max: number;
	current: number;
	desired: number | null;
	metrics: MetricView[];
	conditions: ConditionView[];
	/** True while a ScalingLimited condition holds (desired clamped to min/max or rate). */
	limited: boolean;
	last_scale_time: string | null;
	/** ARC only: ephemeral runners by phase, and whether maxRunners is 0. */
	ephemeral_runners: { pending: number; running: number; failed: number } | null;
	drained: boolean | null;
	/** ARC only: the scale set's id under /api/v1/scale-sets. */
	scale_set_id: string | null;
	simulated: boolean;
}

const iso = (t: Time | undefined | null) => (t === undefined || t === null ? null : typeof t === 'string' ? t : t.toISOString());

function selectorText(s: MetricIdentifier['selector']): string | null {
	if (!s) return null;
	const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
	for (const e of s.matchExpressions ?? []) parts.push(`${e.key} ${e.operator?.toLowerCase()} (${(e.values ?? []).join(',')})`);
	return parts.length ? parts.join(',') : null;
}

interface Flat {
	type: string;
	name: string;
	qualifier: string | null;
	target?: MetricTarget;
	current?: MetricValue;
}

/** The parts of a metric entry that identify it, whichever of the v2 source types it is. */
function flatten(m: HpaMetric): Flat {
	const type = m.type ?? 'Unknown';
	if (m.external) return { type, name: m.external.metric?.name ?? '', qualifier: selectorText(m.external.metric?.selector), target: m.external.target, current: m.external.current };
	if (m.pods) return { type, name: m.pods.metric?.name ?? '', qualifier: selectorText(m.pods.metric?.selector), target: m.pods.target, current: m.pods.current };
	if (m.object) {
		const o = m.object.describedObject;
		return { type, name: m.object.metric?.name ?? '', qualifier: o ? `${o.kind}/${o.name}` : selectorText(m.object.metric?.selector), target: m.object.target, current: m.object.current };
	}
	if (m.resource) return { type, name: m.resource.name ?? '', qualifier: null, target: m.resource.target, current: m.resource.current };
	if (m.containerResource) return { type, name: m.containerResource.name ?? '', qualifier: `container ${m.containerResource.container}`, target: m.containerResource.target, current: m.containerResource.current };
	return { type, name: '', qualifier: null };
}

const keyOf = (f: Flat) => `${f.type}|${f.name}|${f.qualifier ?? ''}`;

/** Each spec metric with its target and the HPA's last observed value of it (status.currentMetrics), matched by identity, not position. */
export function metricViews(spec: HpaMetric[] | undefined, status: HpaMetric[] | null | undefined): MetricView[] {
	const currents = new Map((status ?? []).map((m) => flatten(m)).map((f) => [keyOf(f), f.current]));
	return (spec ?? []).map((m) => {
		const f = flatten(m);
		const t = f.target ?? {};
		const targetType = t.type ?? (t.averageUtilization !== undefined ? 'Utilization' : t.averageValue !== undefined ? 'AverageValue' : 'Value');
		const cur = currents.get(keyOf(f));
		const utilization = targetType === 'Utilization';
		const target = utilization ? (t.averageUtilization ?? null) : parseQuantity(targetType === 'AverageValue' ? t.averageValue : t.value);
		const current = !cur
			? null
			: utilization
				? (cur.averageUtilization ?? null)
				: parseQuantity(targetType === 'AverageValue' ? (cur.averageValue ?? cur.value) : (cur.value ?? cur.averageValue));
		return {
			type: f.type,
			name: f.name,
			qualifier: f.qualifier,
			target_type: targetType,
			target,
			current,
			unit: utilization ? 'percent' : 'value',
			ratio: current !== null && target ? current / target : null
		};
	});
}

/** A GitLab runner HPA with its target Deployment's runner type. */
export function hpaView(source: string, simulated: boolean, hpa: HpaObject, deployments: DeploymentObject[]): AutoscalerView {
	const namespace = hpa.metadata?.namespace ?? '';
	const name = hpa.metadata?.name ?? '';
	const ref = hpa.spec?.scaleTargetRef;
	const dep = ref?.kind === 'Deployment' ? deployments.find((d) => d.metadata?.namespace === namespace && d.metadata?.name === ref.name) : undefined;
	const deployment = ref?.name ?? name.replace(/-hpa$/, '');
	const conditions = (hpa.status?.conditions ?? []).map((c) => ({
		type: c.type ?? '',
		status: c.status ?? 'Unknown',
		reason: c.reason ?? null,
		message: c.message ?? null,
		since: iso(c.lastTransitionTime)
	}));
	return {
		id: `hpa:${source}:${namespace}:${name}`,
		kind: 'hpa',
		source,
		namespace,
		name,
		forge: 'gitlab',
		group: hpa.metadata?.labels?.[RUNNER_TYPE_LABEL] ?? dep?.metadata?.labels?.[RUNNER_TYPE_LABEL] ?? deployment,
		target: ref ? `${ref.kind}/${ref.name}` : null,
		min: hpa.spec?.minReplicas ?? 1,
		max: hpa.spec?.maxReplicas ?? 0,
		current: hpa.status?.currentReplicas ?? dep?.status?.replicas ?? 0,
		desired: hpa.status?.desiredReplicas ?? null,
		metrics: metricViews(hpa.spec?.metrics, hpa.status?.currentMetrics),
		conditions,
		limited: conditions.some((c) => c.type === 'ScalingLimited' && c.status === 'True'),
		last_scale_time: iso(hpa.status?.lastScaleTime),
		ephemeral_runners: null,
		drained: null,
		scale_set_id: null,
		simulated
	};
}

/** An ARC scale set in the same shape: the listener's desired count against min/max. */
export function scaleSetAutoscaler(s: ScaleSet): AutoscalerView {
	return {
		id: `scale_set:${s.source}:${s.namespace}:${s.name}`,
		kind: 'scale_set',
		source: s.source,
		namespace: s.namespace,
		name: s.name,
		forge: 'github',
		group: s.name,
		target: `AutoscalingRunnerSet/${s.name}`,
		min: s.min_runners,
		max: s.max_runners,
		current: s.current_runners,
		desired: s.desired_runners,
		metrics: [],
		conditions: [],
		limited: s.desired_runners !== null && s.desired_runners >= s.max_runners,
		last_scale_time: null,
		ephemeral_runners: { pending: s.pending, running: s.running, failed: s.failed },
		drained: s.drained,
		scale_set_id: s.id,
		simulated: s.simulated
	};
}

/** The Deployment a GitLab runner HPA scales (its target's name), else its group. */
export function deploymentOf(a: Pick<AutoscalerView, 'group' | 'target'>): string {
	return a.target?.startsWith('Deployment/') ? a.target.slice('Deployment/'.length) : a.group;
}

/** Whether an autoscaler scales the capacity group `forge/group`: its runner type or scale set, or the Deployment it targets. */
export function scalesGroup(a: Pick<AutoscalerView, 'forge' | 'group' | 'target'>, forge: string, group: string): boolean {
	return a.forge === forge && (a.group === group || a.target === `Deployment/${group}`);
}

export interface AutoscalerFilter {
	kind?: AutoscalerKind;
	forge?: Forge;
	group?: string;
	q?: string;
}

/** Filters autoscalers by kind, forge, group and a name search; sorted by forge, then name. */
export function filterAutoscalers<T extends AutoscalerView>(items: T[], f: AutoscalerFilter): T[] {
	const needle = f.q?.toLowerCase();
	return items
		.filter(
			(a) =>
				(!f.kind || a.kind === f.kind) &&
				(!f.forge || a.forge === f.forge) &&
				(!f.group || scalesGroup(a, a.forge, f.group)) &&
				(!needle || `${a.name} ${a.group} ${a.target ?? ''} ${a.namespace}`.toLowerCase().includes(needle))
		)
		.sort((x, y) => x.forge.localeCompare(y.forge) || x.name.localeCompare(y.name) || x.id.localeCompare(y.id));
}
