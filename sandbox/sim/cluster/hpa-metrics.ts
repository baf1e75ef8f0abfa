// One HPA metric's replica proposal, as upstream's computeReplicasForMetric makes it:
// External metrics (per-pod average or value targets) from the external metrics API,
// Resource metrics (cpu/memory utilisation of requests, or average usage) from the
// resource metrics API (metrics-server). Errors carry upstream's wording, since the
// dashboard shows them as they come (events, the ScalingActive condition).

import { formatQuantity, parseQuantity } from './meta.js';

/** One running pod of the target as metrics-server sees it. */
export interface PodUsage {
	pod: string;
	container: string;
	/** Usage and request of the resource (cores or bytes); request NaN when the container sets none. */
	usage: number;
	request: number;
}

export interface MetricsSource {
	/** An external metric's value, undefined when the API has no such series, or the API's failure. */
	external(name: string, matchLabels: Record<string, string>): number | undefined | { error: string };
	/** Usage of the target's running pods, or the resource metrics API's failure. */
	pods(namespace: string, deployment: string, resource: string): PodUsage[] | { error: string };
}

export type MetricResult =
	| { ok: true; proposal: number; name: string; status: Record<string, unknown>; sig: string }
	/** `reason`/`err`: the Warning and ScalingActive condition; `wrapped`: the error computeReplicasForMetrics returns. */
	| { ok: false; reason: string; err: string; wrapped: string };

export const TOLERANCE = 0.1;

export function selectorText(labels: Record<string, string>): string {
	const pairs = Object.entries(labels)
		.map(([k, v]) => `${k}: ${v},`)
		.join('');
	return `&LabelSelector{MatchLabels:map[string]string{${pairs}},MatchExpressions:[]LabelSelectorRequirement{},}`;
}

interface Target {
	namespace: string;
	deployment: string;
	/** spec.replicas of the target, and the pods it has (status.replicas). */
	current: number;
	observed: number;
}

function external(m: any, t: Target, src: MetricsSource): MetricResult {
	const name = String(m?.external?.metric?.name ?? '');
	const labels: Record<string, string> = m?.external?.metric?.selector?.matchLabels ?? {};
	const target = m?.external?.target ?? {};
	const perPod = parseQuantity(target.averageValue);
	const total = parseQuantity(target.value);
	const answer = src.external(name, labels);
	const fail = (why: string): MetricResult => {
		const err = `unable to get external metric ${t.namespace}/${name}/${selectorText(labels)}: ${why}`;
		return { ok: false, reason: 'FailedGetExternalMetric', err, wrapped: `failed to get ${name} external metric value: failed to get external metric ${name}: ${err}` };
	};
	if (typeof answer === 'object') return fail(`unable to fetch metrics from external metrics API: ${answer.error}`);
	if (answer === undefined) return fail('no metrics returned from external metrics API');
	const described = `external metric ${name}(${selectorText(labels)})`;
	const metric = { name, selector: { matchLabels: labels } };
	if (perPod > 0) {
		const ratio = answer / (perPod * Math.max(1, t.current));
		const proposal = Math.abs(1 - ratio) <= TOLERANCE ? t.current : Math.ceil(answer / perPod);
		const average = formatQuantity(Math.round((1000 * answer) / Math.max(1, t.observed)) / 1000);
		return { ok: true, proposal, name: described, status: { type: 'External', external: { metric, current: { averageValue: average } } }, sig: average };
	}
	if (total > 0) {
		const ratio = answer / total;
		const proposal = Math.abs(1 - ratio) <= TOLERANCE ? t.current : Math.ceil(ratio * t.observed);
		const value = formatQuantity(answer);
		return { ok: true, proposal, name: described, status: { type: 'External', external: { metric, current: { value } } }, sig: value };
	}
	return fail('invalid external metric source: neither a value target nor an average value target was set');
}

function resource(m: any, t: Target, src: MetricsSource): MetricResult {
	const res = String(m?.resource?.name ?? '');
	const target = m?.resource?.target ?? {};
	const fail = (err: string): MetricResult => ({ ok: false, reason: 'FailedGetResourceMetric', err, wrapped: `failed to get ${res} resource metric value: failed to get ${res} utilization: ${err}` });
	const pods = src.pods(t.namespace, t.deployment, res);
	if (!Array.isArray(pods)) return fail(`unable to get metrics for resource ${res}: unable to fetch metrics from resource metrics API: ${pods.error}`);
	if (pods.length === 0) return fail('did not receive metrics for targeted pods (pods might be unready)');
	const usage = pods.reduce((a, p) => a + p.usage, 0);
	const averageValue = formatQuantity(Math.round((1000 * usage) / pods.length) / 1000);
	const perPod = parseQuantity(target.averageValue);
	if (perPod > 0) {
		const ratio = usage / (perPod * pods.length);
		const proposal = Math.abs(1 - ratio) <= TOLERANCE ? t.current : Math.ceil(usage / perPod);
		return { ok: true, proposal, name: `${res} resource`, status: { type: 'Resource', resource: { name: res, current: { averageValue } } }, sig: averageValue };
	}
	const wanted = Number(target.averageUtilization);
	if (!(wanted > 0)) return fail('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set');
	const missing = pods.find((p) => !Number.isFinite(p.request) || p.request <= 0);
	if (missing) return fail(`missing request for ${res} in container ${missing.container} of Pod ${missing.pod}`);
	const utilization = Math.trunc((100 * usage) / pods.reduce((a, p) => a + p.request, 0));
	const ratio = utilization / wanted;
	const proposal = Math.abs(1 - ratio) <= TOLERANCE ? t.current : Math.ceil(ratio * pods.length);
	return {
		ok: true,
		proposal,
		name: `${res} resource utilization (percentage of request)`,
		status: { type: 'Resource', resource: { name: res, current: { averageUtilization: utilization, averageValue } } },
		sig: `${utilization}|${averageValue}`
	};
}

/** Upstream's default when an HPA lists no metrics: 80 % of the cpu request. */
const DEFAULT_METRIC = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } };

export function computeMetrics(specs: unknown, t: Target, src: MetricsSource): MetricResult[] {
	const list: any[] = Array.isArray(specs) && specs.length > 0 ? specs : [DEFAULT_METRIC];
	return list.map((m): MetricResult => {
		if (m?.type === 'External') return external(m, t, src);
		if (m?.type === 'Resource') return resource(m, t, src);
		const type = String(m?.type ?? '');
		return { ok: false, reason: 'InvalidMetricSourceType', err: `unknown metric source type "${type}"`, wrapped: `unknown metric source type "${type}"` };
	});
}
