// OpenTofu state (format version 4): the Kubernetes objects a stack manages,
// in the live object's shape, each with its resource address.
import type { ParseError, ParseResult } from '../hcl/values';
import { jsonSyntaxError } from './json-error';
import { liveKeys, liveShape, withoutNulls } from './provider-shape';
import type { ObjectRef } from './types';

/** One Kubernetes object recorded in state. */
export interface ManagedObject {
	/** The resource address (`module.runner["docker"].kubernetes_horizontal_pod_autoscaler_v2.this`). */
	address: string;
	/** The provider resource type (`kubernetes_deployment_v1`). */
	resourceType: string;
	apiVersion: string;
	ref: ObjectRef;
	/** The recorded attributes in the live object's shape (metadata, spec, data, ...). */
	object: Record<string, unknown>;
	/** Field paths (keys only, live shape) OpenTofu marks sensitive: their values are never shown. */
	sensitive: string[][];
}

export interface ParsedState {
	file: string;
	serial: number;
	lineage: string;
	objects: ManagedObject[];
}

/** Typed provider resources and the object kind they manage. */
const TYPED: Record<string, { kind: string; apiVersion: string }> = {
	kubernetes_deployment: { kind: 'Deployment', apiVersion: 'apps/v1' },
	kubernetes_deployment_v1: { kind: 'Deployment', apiVersion: 'apps/v1' },
	kubernetes_horizontal_pod_autoscaler_v2: { kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v2' },
	kubernetes_config_map: { kind: 'ConfigMap', apiVersion: 'v1' },
	kubernetes_config_map_v1: { kind: 'ConfigMap', apiVersion: 'v1' },
	kubernetes_pod_disruption_budget_v1: { kind: 'PodDisruptionBudget', apiVersion: 'policy/v1' }
};

/**
 * How deep a state may nest. Kubernetes objects in state nest about 15 levels; the
 * comparison walks them recursively, so a deeper document is refused up front.
 */
const MAX_DEPTH = 64;

/** Whether a JSON value nests deeper than `max` (walked with an explicit stack). */
function deeperThan(root: unknown, max: number): boolean {
	const stack: [unknown, number][] = [[root, 1]];
	while (stack.length) {
		const [v, depth] = stack.pop()!;
		if (v === null || typeof v !== 'object') continue;
		if (depth > max) return true;
		for (const x of Array.isArray(v) ? v : Object.values(v)) if (x !== null && typeof x === 'object') stack.push([x, depth + 1]);
	}
	return false;
}

/** Parses state JSON; a syntax error or an unsupported format comes back with its file and line. */
export function parseState(text: string, file: string): ParseResult<ParsedState> {
	let doc: unknown;
	try {
		doc = JSON.parse(text);
	} catch {
		const e = jsonSyntaxError(text);
		return fail(file, e?.line ?? null, e ? `${e.message}${e.column ? ` (column ${e.column})` : ''}` : 'invalid JSON');
	}
	if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return fail(file, 1, 'state is not a JSON object');
	if (deeperThan(doc, MAX_DEPTH)) return fail(file, null, `state nests deeper than ${MAX_DEPTH} levels`);
	const d = doc as Record<string, unknown>;
	if (d.version !== 4) return fail(file, lineOfKey(text, 'version'), `unsupported state format version ${JSON.stringify(d.version)} (expected 4)`);
	if (d.resources !== undefined && !Array.isArray(d.resources)) return fail(file, lineOfKey(text, 'resources'), '"resources" is not a list');
	const objects: ManagedObject[] = [];
	for (const r of (d.resources ?? []) as unknown[]) {
		if (typeof r !== 'object' || r === null) continue;
		const res = r as Record<string, unknown>;
		if (res.mode !== 'managed' || typeof res.type !== 'string' || typeof res.name !== 'string' || !Array.isArray(res.instances)) continue;
		for (const inst of res.instances as unknown[]) {
			if (typeof inst !== 'object' || inst === null) continue;
			const i = inst as Record<string, unknown>;
			const attrs = i.attributes;
			if (typeof attrs !== 'object' || attrs === null) continue;
			const address = addressOf(res.module, res.type, res.name, i.index_key);
			const obj = managed(res.type, address, attrs as Record<string, unknown>);
			if (obj) objects.push({ ...obj, sensitive: sensitivePaths(res.type, i.sensitive_attributes) });
		}
	}
	return {
		ok: true,
		value: { file, serial: typeof d.serial === 'number' ? d.serial : 0, lineage: typeof d.lineage === 'string' ? d.lineage : '', objects }
	};
}

// sensitive_attributes: [[{ type: "get_attr", value: "spec" }, { type: "index", value: {...} }, ...], ...]
function sensitivePaths(type: string, recorded: unknown): string[][] {
	if (!Array.isArray(recorded)) return [];
	const out: string[][] = [];
	for (const path of recorded) {
		if (!Array.isArray(path)) continue;
		const keys = path.filter((s): s is { type: 'get_attr'; value: string } => s?.type === 'get_attr' && typeof s.value === 'string').map((s) => s.value);
		if (type === 'kubernetes_manifest') {
			// object.* / manifest.* are already in the live shape.
			if (keys[0] === 'object' || keys[0] === 'manifest') out.push(keys.slice(1));
		} else out.push(liveKeys(keys));
	}
	return out;
}

function fail(file: string, line: number | null, message: string): { ok: false; error: ParseError } {
	return { ok: false, error: { file, line, message } };
}

function lineOfKey(text: string, key: string): number | null {
	const i = text.indexOf(`"${key}"`);
	if (i < 0) return null;
	return text.slice(0, i).split('\n').length;
}

/** The resource address as OpenTofu prints it. */
export function addressOf(module: unknown, type: string, name: string, indexKey: unknown): string {
	const index = typeof indexKey === 'string' ? `[${JSON.stringify(indexKey)}]` : typeof indexKey === 'number' ? `[${indexKey}]` : '';
	return `${typeof module === 'string' && module ? `${module}.` : ''}${type}.${name}${index}`;
}

function managed(type: string, address: string, attrs: Record<string, unknown>): Omit<ManagedObject, 'sensitive'> | null {
	if (type === 'kubernetes_manifest') return manifest(address, attrs);
	const typed = TYPED[type];
	if (!typed) return null;
	const object = liveShape(attrs);
	const meta = object.metadata as Record<string, unknown> | undefined;
	if (!meta || typeof meta.name !== 'string') return null;
	const namespace = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : 'default';
	meta.namespace = namespace;
	return { address, resourceType: type, apiVersion: typed.apiVersion, ref: { kind: typed.kind, namespace, name: meta.name }, object };
}

// kubernetes_manifest records the object as the API server returned it
// (`object`, every schema field, unset ones null) and the desired manifest.
// Both are dynamically typed, which state writes as `{ "value": ..., "type": ... }`.
function manifest(address: string, attrs: Record<string, unknown>): Omit<ManagedObject, 'sensitive'> | null {
	const object = withoutNulls(dynamic(attrs.object) ?? dynamic(attrs.manifest));
	if (typeof object !== 'object' || object === null || Array.isArray(object)) return null;
	const o = object as Record<string, unknown>;
	const meta = o.metadata as Record<string, unknown> | undefined;
	if (typeof o.kind !== 'string' || typeof o.apiVersion !== 'string' || !meta || typeof meta.name !== 'string') return null;
	const namespace = typeof meta.namespace === 'string' ? meta.namespace : null;
	const { apiVersion, kind, ...rest } = o;
	return { address, resourceType: 'kubernetes_manifest', apiVersion, ref: { kind, namespace, name: meta.name }, object: rest };
}

function dynamic(v: unknown): unknown {
	if (typeof v !== 'object' || v === null) return undefined;
	const d = v as Record<string, unknown>;
	return 'value' in d && 'type' in d && Object.keys(d).length === 2 ? (d.value ?? undefined) : v;
}
