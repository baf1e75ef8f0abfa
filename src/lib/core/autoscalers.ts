// Autoscalers as operators read them: GitLab runner HPAs (autoscaling/v2) and ARC
// runner scale sets side by side (min/max/current/desired), HPA metrics against
// their targets and conditions, and a bounded in-memory replica history.
import type { CapacityWindow } from './capacity/types';
import type { ScaleSet } from './scale-sets';

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

export interface AutoscalerView {
	/** `hpa:<source>:<namespace>:<name>` or `scale_set:<source>:<namespace>:<name>`. */
	id: string;
	kind: 'hpa' | 'scale_set';
	source: string;
	namespace: string;
	name: string;
	forge: 'gitlab' | 'github';
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

const SUFFIX: Record<string, number> = {
	n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
	Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60
};

/** A Kubernetes quantity (`500m`, `1Gi`, `12`, `1e3`) as a number of base units; null when malformed. */
export function quantity(q: Quantity | null | undefined): number | null {
	if (typeof q === 'number') return Number.isFinite(q) ? q : null;
	if (typeof q !== 'string') return null;
	const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(q.trim());
	if (!m) return null;
	const n = Number(m[1]) * (m[2] ? 10 ** Number(m[2].slice(1)) : SUFFIX[m[3] ?? '']!);
	return Number.isFinite(n) ? n : null;
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
		const target = utilization ? (t.averageUtilization ?? null) : quantity(targetType === 'AverageValue' ? t.averageValue : t.value);
		const current = !cur
			? null
			: utilization
				? (cur.averageUtilization ?? null)
				: quantity(targetType === 'AverageValue' ? (cur.averageValue ?? cur.value) : (cur.value ?? cur.averageValue));
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

/** Whether an autoscaler scales the capacity group `forge/group`: its runner type or scale set, or the Deployment it targets. */
export function scalesGroup(a: Pick<AutoscalerView, 'forge' | 'group' | 'target'>, forge: string, group: string): boolean {
	return a.forge === forge && (a.group === group || a.target === `Deployment/${group}`);
}

export interface AutoscalerFilter {
	kind?: 'hpa' | 'scale_set';
	forge?: 'gitlab' | 'github';
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

/** [unix seconds, current, desired, max]: one replica-history point. */
export type ReplicaPoint = [number, number | null, number | null, number | null];

export const WINDOW_SECONDS: Record<CapacityWindow, number> = { '1h': 3600, '6h': 6 * 3600, '24h': 86400, '7d': 7 * 86400 };
/** History step per window, so every window answers a few hundred points (readable and light at 7 d). */
export const HISTORY_STEP_S: Record<CapacityWindow, number> = { '1h': 15, '6h': 60, '24h': 300, '7d': 1800 };

export interface ReplicaHistoryOptions {
	/** How long samples are kept at full resolution. */
	fineSpanS: number;
	/** Closer samples replace each other, so a flapping count cannot grow the buffer. */
	fineMinStepS: number;
	/** Older samples are folded into buckets of this size (the peak of each). */
	coarseStepS: number;
	/** Nothing older than this is kept. */
	spanS: number;
	/** An unchanged value is stored again only after this long (the sampling heartbeat). */
	heartbeatS: number;
}

export const DEFAULT_HISTORY: ReplicaHistoryOptions = { fineSpanS: 6 * 3600, fineMinStepS: 5, coarseStepS: 300, spanS: 7 * 86400, heartbeatS: 15 };

/**
 * Samples in time order, column-wise in typed arrays (32 bytes a point; null as NaN):
 * appended at the end, dropped from the front, never more than `max` of them.
 */
class Columns {
	t = new Float64Array(0);
	c = new Float64Array(0);
	d = new Float64Array(0);
	m = new Float64Array(0);
	start = 0;
	end = 0;

	constructor(private max: number) {}

	get length(): number {
		return this.end - this.start;
	}

	push(t: number, c: number, d: number, m: number): void {
		if (this.end === this.t.length) this.makeRoom();
		const i = this.end++;
		this.t[i] = t;
		this.c[i] = c;
		this.d[i] = d;
		this.m[i] = m;
	}

	set(i: number, t: number, c: number, d: number, m: number): void {
		const j = this.start + i;
		this.t[j] = t;
		this.c[j] = c;
		this.d[j] = d;
		this.m[j] = m;
	}

	/** Grows (doubling, up to `max`) or slides the live part to the front. */
	private makeRoom(): void {
		const n = this.length;
		const size = this.start > 0 && n < this.t.length / 2 ? this.t.length : Math.min(Math.max(64, this.t.length * 2), this.max);
		if (size <= n) throw new Error('replica history full');
		const reuse = size === this.t.length;
		for (const k of ['t', 'c', 'd', 'm'] as const) {
			const next = reuse ? this[k] : new Float64Array(size);
			next.set(this[k].subarray(this.start, this.end), 0);
			this[k] = next;
		}
		this.start = 0;
		this.end = n;
	}

	/** Index (from the front) of the first sample at or after `t`. */
	firstAtOrAfter(t: number): number {
		let lo = this.start;
		let hi = this.end;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (this.t[mid]! < t) lo = mid + 1;
			else hi = mid;
		}
		return lo - this.start;
	}

	at(i: number): ReplicaPoint {
		const j = this.start + i;
		return [this.t[j]!, orNull(this.c[j]!), orNull(this.d[j]!), orNull(this.m[j]!)];
	}
}

const orNaN = (v: number | null) => (v === null ? Number.NaN : v);
const orNull = (v: number) => (Number.isNaN(v) ? null : v);

/**
 * One autoscaler's replica counts over time, bounded: the last `fineSpanS` at full
 * resolution (at most one point per `fineMinStepS`), older ones as per-bucket peaks up
 * to `spanS`. At the defaults that is at most 4,322 + 2,018 points, about 200 KB.
 */
export class ReplicaHistory {
	private fine: Columns;
	private coarse: Columns;

	constructor(private opts: ReplicaHistoryOptions = DEFAULT_HISTORY) {
		this.fine = new Columns(Math.ceil(opts.fineSpanS / opts.fineMinStepS) + 2);
		this.coarse = new Columns(Math.ceil(opts.spanS / opts.coarseStepS) + 2);
	}

	/** Stores a sample if it changed or the heartbeat elapsed; samples older than the last one are ignored. */
	record(t: number, current: number | null, desired: number | null, max: number | null): boolean {
		const n = this.fine.length;
		const last = n > 0 ? this.fine.at(n - 1) : undefined;
		if (last && t < last[0]) return false;
		const same = last && last[1] === current && last[2] === desired && last[3] === max;
		if (last && same && t - last[0] < this.opts.heartbeatS) return false;
		// Age first, so the fine tier has room: everything in it is younger than fineSpanS.
		this.age(t);
		if (last && t - last[0] < this.opts.fineMinStepS && this.fine.length === n) this.fine.set(n - 1, t, orNaN(current), orNaN(desired), orNaN(max));
		else this.fine.push(t, orNaN(current), orNaN(desired), orNaN(max));
		return true;
	}

	private age(now: number): void {
		const { fineSpanS, coarseStepS, spanS } = this.opts;
		const f = this.fine;
		while (f.length > 0 && f.t[f.start]! < now - fineSpanS) {
			const [t, c, d, m] = f.at(0);
			f.start++;
			const bucket = Math.floor(t / coarseStepS) * coarseStepS;
			const k = this.coarse.length;
			const prev = k > 0 ? this.coarse.at(k - 1) : undefined;
			if (prev && prev[0] === bucket) this.coarse.set(k - 1, bucket, orNaN(peak(prev[1], c)), orNaN(peak(prev[2], d)), orNaN(m));
			else this.coarse.push(bucket, orNaN(c), orNaN(d), orNaN(m));
		}
		const g = this.coarse;
		while (g.length > 0 && g.t[g.start]! < now - spanS) g.start++;
	}

	/** When the last sample was taken; null before the first. */
	get lastAt(): number | null {
		if (this.fine.length > 0) return this.fine.at(this.fine.length - 1)[0];
		return this.coarse.length > 0 ? this.coarse.at(this.coarse.length - 1)[0] : null;
	}

	/** Points stored (both tiers). */
	get size(): number {
		return this.fine.length + this.coarse.length;
	}

	/**
	 * The history from `from` to `to` on a grid of `step` seconds: each bucket's peak current
	 * and desired and its last max. A bucket without a sample carries the previous value
	 * forward while sampling went on (within `3 × heartbeat` or one step); otherwise it is
	 * left out, so a chart shows a gap where nothing was observed.
	 */
	points(from: number, to: number, step: number): ReplicaPoint[] {
		const out: ReplicaPoint[] = [];
		const carryFor = Math.max(step, 3 * this.opts.heartbeatS);
		let b = Math.floor(from / step) * step;
		// The open bucket (peaks so far) and the last sample seen, as plain numbers (NaN = none).
		let has = false;
		let bc = Number.NaN;
		let bd = Number.NaN;
		let bm = Number.NaN;
		let lt = Number.NaN;
		let lc = Number.NaN;
		let ld = Number.NaN;
		let lm = Number.NaN;
		const close = (until: number) => {
			while (b < until && b <= to) {
				if (has) out.push([b, orNull(bc), orNull(bd), orNull(bm)]);
				else if (b - lt <= carryFor) out.push([b, orNull(lc), orNull(ld), orNull(lm)]);
				has = false;
				b += step;
			}
		};
		for (const tier of [this.coarse, this.fine]) {
			const { t, c, d, m } = tier;
			for (let j = tier.start + tier.firstAtOrAfter(from - step); j < tier.end && t[j]! <= to; j++) {
				const tj = t[j]!;
				if (tj >= b) {
					close(Math.floor(tj / step) * step);
					if (has) {
						bc = maxNaN(bc, c[j]!);
						bd = maxNaN(bd, d[j]!);
					} else {
						bc = c[j]!;
						bd = d[j]!;
						has = true;
					}
					bm = m[j]!;
				}
				lt = tj;
				lc = c[j]!;
				ld = d[j]!;
				lm = m[j]!;
			}
		}
		close(to + step);
		return out.filter((p) => p[0] + step > from);
	}
}

/** The larger of two values where NaN means none. */
function maxNaN(a: number, b: number): number {
	if (Number.isNaN(a)) return b;
	if (Number.isNaN(b)) return a;
	return Math.max(a, b);
}

function peak(a: number | null, b: number | null): number | null {
	if (a === null) return b;
	if (b === null) return a;
	return Math.max(a, b);
}
