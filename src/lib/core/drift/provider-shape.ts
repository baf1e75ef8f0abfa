// The hashicorp/kubernetes provider records typed resources in snake_case, with
// every nested block as a list (single blocks as one-element lists). Drift
// compares with the live object, so state attributes are turned into the live
// shape: camelCase keys, single blocks unwrapped, repeated blocks renamed to the
// API's plural field (container → containers). Map-valued fields (labels, data,
// limits) keep their keys as written.

/** Repeated blocks and their field name in the Kubernetes API. */
const PLURALS: Record<string, string> = {
	container: 'containers',
	init_container: 'initContainers',
	port: 'ports',
	env: 'env',
	env_from: 'envFrom',
	volume_mount: 'volumeMounts',
	volume_device: 'volumeDevices',
	volume: 'volumes',
	metric: 'metrics',
	policy: 'policies',
	toleration: 'tolerations',
	image_pull_secrets: 'imagePullSecrets',
	match_expressions: 'matchExpressions',
	host_aliases: 'hostAliases',
	topology_spread_constraint: 'topologySpreadConstraints',
	items: 'items',
	readiness_gate: 'readinessGates',
	node_selector_term: 'nodeSelectorTerms',
	preferred_during_scheduling_ignored_during_execution: 'preferredDuringSchedulingIgnoredDuringExecution',
	required_during_scheduling_ignored_during_execution: 'requiredDuringSchedulingIgnoredDuringExecution'
};

/**
 * Block names that are repeated only under some parents: an HPA's `spec.metric`
 * is the metrics list, but `external.metric` (and `pods.metric`, `object.metric`)
 * is a single block naming the metric.
 */
const PLURAL_ONLY_UNDER: Record<string, string> = { metric: 'spec' };

/** Fields whose value is a string map: their keys are data, not schema. */
const MAPS = new Set(['labels', 'annotations', 'data', 'binary_data', 'match_labels', 'node_selector', 'limits', 'requests', 'string_data']);

/** Top-level attributes of a typed resource that are part of the object (the rest is provider bookkeeping). */
const OBJECT_FIELDS = ['metadata', 'spec', 'data', 'binary_data', 'immutable'];

/** Provider-only spellings whose API name is not the plain camelCase. */
const RENAMES: Record<string, string> = {};

/** snake_case → camelCase. */
export function camel(key: string): string {
	return RENAMES[key] ?? key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A typed resource's attributes in the live object's shape (metadata, spec, data, ...). */
export function liveShape(attributes: Record<string, unknown>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const key of OBJECT_FIELDS) {
		if (!(key in attributes)) continue;
		const v = convert(key, attributes[key], '');
		if (v !== undefined) out[camel(key)] = v;
	}
	return out;
}

function isPlural(key: string, parent: string): boolean {
	const only = PLURAL_ONLY_UNDER[key];
	return key in PLURALS && (only === undefined || only === parent);
}

function convert(key: string, v: unknown, parent: string): unknown {
	if (v === null || v === undefined) return undefined;
	// Older provider versions wrote some maps as blocks (`limits { cpu = "1" }`).
	if (MAPS.has(key)) return Array.isArray(v) && v.length === 1 && typeof v[0] === 'object' ? v[0] : v;
	if (Array.isArray(v)) {
		const objects = v.length > 0 && v.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x));
		if (isPlural(key, parent)) return v.map((x) => (objects ? block(x as Record<string, unknown>, key) : x));
		if (!objects) return v.length === 0 ? undefined : v;
		// A single nested block: the provider's one-element list is the API's object.
		return v.length === 1 ? block(v[0] as Record<string, unknown>, key) : v.map((x) => block(x as Record<string, unknown>, key));
	}
	if (typeof v === 'object') return block(v as Record<string, unknown>, key);
	return v;
}

function block(attrs: Record<string, unknown>, key: string): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(attrs)) {
		const c = convert(k, v, key);
		if (c === undefined) continue;
		out[Array.isArray(v) && isPlural(k, key) ? (PLURALS[k] as string) : camel(k)] = c;
	}
	return out;
}

/**
 * A path OpenTofu marks sensitive (`sensitive_attributes`: get_attr/index steps over the
 * provider's attributes) as the field names it has in the live object, list positions
 * dropped: `spec[0].container[0].env[1].value` → `spec.template…containers.env.value`.
 */
export function liveKeys(steps: string[]): string[] {
	const out: string[] = [];
	let parent = '';
	for (const key of steps) {
		out.push(MAPS.has(parent) ? key : isPlural(key, parent) ? (PLURALS[key] as string) : camel(key));
		parent = key;
	}
	return out;
}

/** Drops null leaves (kubernetes_manifest records every schema field, unset ones as null). */
export function withoutNulls(v: unknown): unknown {
	if (v === null) return undefined;
	if (Array.isArray(v)) return v.map((x) => withoutNulls(x) ?? null);
	if (typeof v === 'object') {
		const out: Record<string, unknown> = {};
		for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
			const c = withoutNulls(x);
			if (c !== undefined) out[k] = c;
		}
		return out;
	}
	return v;
}
