// The HorizontalPodAutoscaler controller (autoscaling/v2), following the upstream
// algorithm: out-of-range replicas are corrected at once; otherwise each metric
// proposes a count (hpa-metrics.ts: External metrics, Resource utilisation), the
// largest wins, with a 10 % tolerance, stabilised over the behaviour's windows
// (scale-down 300 s by default), rate-limited by its policies and clamped to
// [minReplicas, maxReplicas]. A metric that cannot be read is a Warning and turns
// ScalingActive False; when none can be, nothing is scaled. Like upstream it syncs
// every 15 s; an HPA changed through the API (say a patched maxReplicas) is synced on
// the very next step.

import type { K8sObject } from '../../k8s/store.js';
import { computeMetrics, type MetricResult, type MetricsSource } from './hpa-metrics.js';
import { APPS_V1, AUTOSCALING_V2, kubeTime, objectKey } from './meta.js';
import type { Workloads } from './workloads.js';
import type { EventRecorder } from './events.js';
import type { Writer } from './writer.js';


interface Condition {
	status: 'True' | 'False';
	reason: string;
	message: string;
	since: number;
}

interface HpaState {
	namespace: string;
	name: string;
	recommendations: { t: number; n: number }[];
	lastScaleTime: number | null;
	lastSync: number;
	/** Changed through the API: sync on the next step. */
	due: boolean;
	conditions: Map<string, Condition>;
}

const DEFAULT_DOWN_WINDOW_S = 300;
/** --horizontal-pod-autoscaler-sync-period */
export const HPA_SYNC_MS = 15_000;

/** Scale limit from a behaviour's policies (applied per evaluation, a simplification of the per-period rule). */
function rateLimit(rules: any, current: number, up: boolean): number {
	const policies: any[] = Array.isArray(rules?.policies) ? rules.policies : up ? [{ type: 'Pods', value: 4 }, { type: 'Percent', value: 100 }] : [{ type: 'Percent', value: 100 }];
	const select = rules?.selectPolicy ?? 'Max';
	if (select === 'Disabled') return current;
	const limits = policies.map((p) => {
		const v = Number(p?.value) || 0;
		const change = p?.type === 'Percent' ? (up ? Math.ceil((current * v) / 100) : Math.floor((current * v) / 100)) : v;
		return up ? current + change : current - change;
	});
	// "Max" picks the policy allowing the largest change.
	if (up) return select === 'Min' ? Math.min(...limits) : Math.max(...limits);
	return select === 'Min' ? Math.max(...limits) : Math.min(...limits);
}

export class HpaController {
	private hpas = new Map<string, HpaState>();

	constructor(
		private readonly w: Writer,
		private readonly events: EventRecorder,
		private readonly workloads: Workloads
	) {}

	track(namespace: string, name: string): void {
		const key = objectKey(AUTOSCALING_V2, 'HorizontalPodAutoscaler', namespace, name);
		const st = this.hpas.get(key);
		if (st) st.due = true;
		else this.hpas.set(key, { namespace, name, recommendations: [], lastScaleTime: null, lastSync: -Infinity, due: true, conditions: new Map() });
	}

	keys(): string[] {
		return [...this.hpas.keys()];
	}

	reconcileAll(at: number, metrics: MetricsSource): void {
		for (const [key, st] of [...this.hpas]) {
			if (st.due || at - st.lastSync >= HPA_SYNC_MS) this.reconcile(key, at, metrics);
		}
	}

	reconcile(key: string, at: number, metrics: MetricsSource): void {
		const st = this.hpas.get(key);
		if (!st) return;
		st.due = false;
		st.lastSync = at;
		const hpa = this.w.get(AUTOSCALING_V2, 'HorizontalPodAutoscaler', st.namespace, st.name);
		if (!hpa) {
			this.hpas.delete(key);
			return;
		}
		const spec = hpa.spec ?? {};
		const ref = spec.scaleTargetRef ?? {};
		const min: number = Number.isInteger(spec.minReplicas) ? spec.minReplicas : 1;
		const max: number = Number.isInteger(spec.maxReplicas) ? spec.maxReplicas : min;
		const dep = ref.kind === 'Deployment' ? this.w.get(APPS_V1, 'Deployment', st.namespace, String(ref.name)) : undefined;
		if (!dep) {
			this.cond(st, 'AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: deployments.apps "${ref.name}" not found`, at);
			this.writeStatus(st, hpa, 0, 0, '', () => []);
			return;
		}
		const current: number = Number.isInteger(dep.spec?.replicas) ? dep.spec.replicas : 1;
		const observed = this.workloads.replicas(st.namespace, dep.metadata.name)?.replicas ?? current;

		let desired = current;
		let reason = '';
		/** normalizeDesiredReplicasWithBehaviors' verdict when nothing is rescaled. */
		let ableToScale: [string, string] = ['ReadyForNewScale', 'recommended size matches current size'];
		let metricStatuses: Record<string, unknown>[] = [];
		let metricSig = '';
		let proposal = current;
		let described = '';
		if (current === 0 && min !== 0) {
			this.cond(st, 'ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero', at);
		} else if (current > max) {
			desired = max;
			reason = 'Current number of replicas above Spec.MaxReplicas';
		} else if (current < min) {
			desired = min;
			reason = 'Current number of replicas below Spec.MinReplicas';
		} else {
			// Upstream computeReplicasForMetrics: the largest proposal wins; failed metrics are skipped unless all fail.
			const results = computeMetrics(spec.metrics, { namespace: st.namespace, deployment: dep.metadata.name, current, observed }, metrics);
			metricStatuses = results.map((r) => (r.ok ? r.status : { type: '' }));
			metricSig = results.map((r) => (r.ok ? r.sig : r.reason)).join(',');
			let invalid = 0;
			let first: Extract<MetricResult, { ok: false }> | undefined;
			proposal = 0;
			for (const r of results) {
				if (!r.ok) {
					invalid++;
					first ??= r;
					this.events.record(hpa, 'Warning', r.reason, r.err, 'horizontal-pod-autoscaler', at);
				} else if (r.proposal > proposal) {
					proposal = r.proposal;
					described = r.name;
				}
			}
			if (first && (invalid >= results.length || proposal < current)) {
				// No replica count: the status keeps the last desired count.
				this.cond(st, 'ScalingActive', 'False', first.reason, `the HPA was unable to compute the replica count: ${first.err}`, at);
				this.events.record(hpa, 'Warning', 'FailedComputeMetricsReplicas', `invalid metrics (${invalid} invalid out of ${results.length}), first error is: ${first.wrapped}`, 'horizontal-pod-autoscaler', at);
				const lastDesired = Number.isInteger(hpa.status?.desiredReplicas) ? (hpa.status.desiredReplicas as number) : current;
				this.writeStatus(st, hpa, observed, lastDesired, metricSig, () => metricStatuses);
				return;
			}
			this.cond(st, 'ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${described}`, at);
			const raw = proposal;
			const stabilized = this.stabilize(st, hpa, raw, current, at);
			if (stabilized < raw) ableToScale = ['ScaleUpStabilized', 'recent recommendations were lower than current one, applying the lowest recent recommendation'];
			else if (stabilized > raw) ableToScale = ['ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation'];
			const upLimit = rateLimit(spec.behavior?.scaleUp, current, true);
			const downLimit = rateLimit(spec.behavior?.scaleDown, current, false);
			const maxAllowed = Math.min(max, upLimit);
			const minAllowed = Math.max(min, downLimit);
			desired = stabilized;
			if (stabilized > maxAllowed) {
				desired = maxAllowed;
				const byRate = upLimit < max;
				this.cond(st, 'ScalingLimited', 'True', byRate ? 'ScaleUpLimit' : 'TooManyReplicas', byRate ? 'the desired replica count is increasing faster than the maximum scale rate' : 'the desired replica count is more than the maximum replica count', at);
			} else if (stabilized < minAllowed) {
				desired = minAllowed;
				const byRate = downLimit > min;
				this.cond(st, 'ScalingLimited', 'True', byRate ? 'ScaleDownLimit' : 'TooFewReplicas', byRate ? 'the desired replica count is decreasing faster than the maximum scale rate' : 'the desired replica count is less than the minimum replica count', at);
			} else {
				this.cond(st, 'ScalingLimited', 'False', 'DesiredWithinRange', 'the desired count is within the acceptable range', at);
			}
			reason = desired > current ? `${described} above target` : 'All metrics below target';
		}

		if (desired !== current) {
			this.w.update(APPS_V1, 'Deployment', st.namespace, dep.metadata.name, (d) => ({ ...d, spec: { ...d.spec, replicas: desired } }));
			st.lastScaleTime = at;
			this.cond(st, 'AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`, at);
			this.events.record(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`, 'horizontal-pod-autoscaler', at);
		} else {
			this.cond(st, 'AbleToScale', 'True', ableToScale[0], ableToScale[1], at);
		}
		this.writeStatus(st, hpa, observed, desired, metricSig, () => metricStatuses);
	}

	/** Upstream's stabilizeRecommendationWithBehaviors: the safest recommendation within each window. */
	private stabilize(st: HpaState, hpa: K8sObject, raw: number, current: number, at: number): number {
		const upWindow = 1000 * (Number(hpa.spec?.behavior?.scaleUp?.stabilizationWindowSeconds) || 0);
		const downRaw = hpa.spec?.behavior?.scaleDown?.stabilizationWindowSeconds;
		const downWindow = 1000 * (typeof downRaw === 'number' ? downRaw : DEFAULT_DOWN_WINDOW_S);
		let up = raw;
		let down = raw;
		for (const r of st.recommendations) {
			if (r.t > at - upWindow) up = Math.min(up, r.n);
			if (r.t > at - downWindow) down = Math.max(down, r.n);
		}
		st.recommendations.push({ t: at, n: raw });
		const keep = at - Math.max(upWindow, downWindow);
		while (st.recommendations.length > 0 && (st.recommendations[0] as { t: number }).t <= keep) st.recommendations.shift();
		let rec = current;
		if (rec < up) rec = up;
		if (rec > down) rec = down;
		return rec;
	}

	private cond(st: HpaState, type: string, status: 'True' | 'False', reason: string, message: string, at: number): void {
		const prev = st.conditions.get(type);
		st.conditions.set(type, { status, reason, message, since: prev && prev.status === status ? prev.since : at });
	}

	private writeStatus(st: HpaState, hpa: K8sObject, currentReplicas: number, desiredReplicas: number, metricValue: string, currentMetrics: () => unknown[]): void {
		let sig = `${hpa.metadata.generation}|${st.lastScaleTime}|${currentReplicas}|${desiredReplicas}|${metricValue}`;
		for (const [type, c] of st.conditions) sig += `|${type}:${c.status}:${c.reason}:${c.since}`;
		this.w.statusIf(AUTOSCALING_V2, 'HorizontalPodAutoscaler', st.namespace, st.name, sig, () => ({
			observedGeneration: hpa.metadata.generation ?? 1,
			...(st.lastScaleTime === null ? {} : { lastScaleTime: kubeTime(st.lastScaleTime) }),
			currentReplicas,
			desiredReplicas,
			currentMetrics: currentMetrics(),
			conditions: ['AbleToScale', 'ScalingActive', 'ScalingLimited'].flatMap((type) => {
				const c = st.conditions.get(type);
				return c ? [{ type, status: c.status, lastTransitionTime: kubeTime(c.since), reason: c.reason, message: c.message }] : [];
			})
		}));
	}
}
