// Helpers for the GitOps tests (not part of the sandbox program): read a state over the
// API and walk each managed object's recorded attributes against the live object.

import { Gitlab } from '@gitbeaker/core';
import { createRequesterFn } from '@gitbeaker/requester-utils';
import { Octokit } from '@octokit/rest';
import { expect } from 'vitest';
import { GITHUB_TOKEN } from '../github/testing.js';
import type { Sandbox } from '../index.js';
import type { K8sObject } from '../k8s/store.js';
import { APPS_V1, AUTOSCALING_V2, V1 } from '../sim/cluster/meta.js';
import type { World } from '../sim/world.js';
import { TOKEN, controlOk, gitlab } from '../testing.js';

export type TestSandbox = Sandbox & { world: World };

const KINDS: Record<string, { apiVersion: string; kind: string }> = {
	kubernetes_deployment_v1: { apiVersion: APPS_V1, kind: 'Deployment' },
	kubernetes_horizontal_pod_autoscaler_v2: { apiVersion: AUTOSCALING_V2, kind: 'HorizontalPodAutoscaler' },
	kubernetes_config_map_v1: { apiVersion: V1, kind: 'ConfigMap' }
};

/** Provider block names of list-valued API fields. */
const PLURAL: Record<string, string> = { container: 'containers', port: 'ports', volume_mount: 'volumeMounts', volume: 'volumes', metric: 'metrics', policy: 'policies' };
const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
/** Provider-only attributes with no field in the object. */
const BOOKKEEPING = new Set(['id', 'timeouts', 'wait_for_rollout', 'binary_data']);

/**
 * Walks recorded attributes against the live object; returns the paths that differ.
 * A block list stands for an API list when the live field is a list, else for one object.
 * `skip` names live paths that may move while the simulation runs.
 */
export function differences(recorded: unknown, live: unknown, path: string, skip: Set<string>, out: string[]): string[] {
	if (skip.has(path)) return out;
	if (Array.isArray(recorded) && recorded.every((x) => typeof x === 'object' && x !== null) && recorded.length > 0) {
		if (Array.isArray(live)) {
			if (live.length !== recorded.length) out.push(`${path} (length ${recorded.length} vs ${live.length})`);
			else recorded.forEach((r, i) => differences(r, live[i], `${path}[${i}]`, skip, out));
		} else if (recorded.length !== 1) out.push(`${path} (block list of ${recorded.length} for an object)`);
		else differences(recorded[0], live, path, skip, out);
		return out;
	}
	if (typeof recorded === 'object' && recorded !== null && !Array.isArray(recorded)) {
		if (typeof live !== 'object' || live === null) return (out.push(`${path} (missing live)`), out);
		const isMap = /(^|\.)(labels|annotations|matchLabels|requests|limits|data)$/.test(path);
		if (isMap) {
			if (JSON.stringify(sortKeys(recorded)) !== JSON.stringify(sortKeys(live))) out.push(path);
			return out;
		}
		for (const [k, v] of Object.entries(recorded)) {
			if (path === '' && BOOKKEEPING.has(k)) continue;
			const liveKey = k in PLURAL && Array.isArray((live as Record<string, unknown>)[PLURAL[k] as string]) ? (PLURAL[k] as string) : camel(k);
			const lv = (live as Record<string, unknown>)[liveKey];
			// Unset in state (null) must be unset live.
			if (v === null) {
				if (lv !== undefined) out.push(`${path}.${liveKey} (null in state)`);
				continue;
			}
			differences(v, lv, path ? `${path}.${liveKey}` : liveKey, skip, out);
		}
		return out;
	}
	// The provider keeps Deployment replicas as a string.
	const same = path === 'spec.replicas' ? String(live) === recorded : JSON.stringify(recorded) === JSON.stringify(live);
	if (!same) out.push(`${path} (${JSON.stringify(recorded)} vs ${JSON.stringify(live)})`);
	return out;
}

function sortKeys(o: unknown): unknown {
	return Object.fromEntries(Object.entries(o as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Every live field under spec/data is recorded (the state is complete, not a sample). */
export function unrecorded(recorded: unknown, live: unknown, path: string, out: string[]): string[] {
	if (Array.isArray(live)) {
		const r = Array.isArray(recorded) ? recorded : [];
		live.forEach((x, i) => unrecorded(r[i], x, `${path}[${i}]`, out));
		return out;
	}
	if (typeof live === 'object' && live !== null) {
		const rec = Array.isArray(recorded) && recorded.length === 1 ? recorded[0] : recorded;
		if (typeof rec !== 'object' || rec === null) return (out.push(path), out);
		if (/(labels|annotations|matchLabels|requests|limits|data)$/.test(path)) return out;
		const byLive = new Map<string, unknown>();
		for (const [k, v] of Object.entries(rec)) {
			byLive.set(camel(k), v);
			if (PLURAL[k]) byLive.set(PLURAL[k], v);
		}
		for (const [k, v] of Object.entries(live)) {
			if (!byLive.has(k)) out.push(`${path}.${k}`);
			else unrecorded(byLive.get(k), v, `${path}.${k}`, out);
		}
	}
	return out;
}

export interface Managed {
	address: string;
	live: K8sObject | undefined;
	attributes: Record<string, any>;
	type: string;
}

export async function managed(sb: TestSandbox, name: string): Promise<Managed[]> {
	const res = await gitlab(sb, `/projects/42/terraform/state/${name}`);
	expect(res.status).toBe(200);
	const st = await res.json();
	const out: Managed[] = [];
	for (const r of st.resources) {
		for (const inst of r.instances) {
			const address = `${r.type}.${r.name}[${JSON.stringify(inst.index_key)}]`;
			const a = inst.attributes;
			if (r.type === 'kubernetes_manifest') {
				const o = a.object;
				out.push({ address, type: r.type, attributes: a, live: sb.world.cluster.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name) });
			} else if (KINDS[r.type]) {
				const k = KINDS[r.type] as { apiVersion: string; kind: string };
				out.push({ address, type: r.type, attributes: a, live: sb.world.cluster.get(k.apiVersion, k.kind, a.metadata[0].namespace, a.metadata[0].name) });
			} else out.push({ address, type: r.type, attributes: a, live: undefined });
		}
	}
	return out;
}

/** What differs between each managed object's recorded attributes and the live object. */
export function drift(objects: Managed[], skip: string[] = []): Record<string, string[]> {
	const out: Record<string, string[]> = {};
	for (const m of objects) {
		if (m.type === 'kubernetes_pod_disruption_budget_v1') continue; // the sandbox's API serves no PDBs
		if (!m.live) {
			out[m.address] = ['(missing live)'];
			continue;
		}
		const diffs =
			m.type === 'kubernetes_manifest'
				? differencesPlain(m.attributes.object, m.live, skip)
				: differences(m.attributes, m.live, '', new Set(skip), []);
		if (diffs.length > 0) out[m.address] = diffs;
	}
	return out;
}

function differencesPlain(object: any, live: K8sObject, skip: string[]): string[] {
	const out: string[] = [];
	const pick = { apiVersion: live.apiVersion, kind: live.kind, metadata: { name: live.metadata.name, namespace: live.metadata.namespace, labels: live.metadata.labels, annotations: live.metadata.annotations }, spec: live.spec };
	for (const key of ['apiVersion', 'kind', 'metadata', 'spec'] as const) {
		if (skip.includes(key)) continue;
		if (JSON.stringify(object[key]) !== JSON.stringify(pick[key])) out.push(key);
	}
	return out;
}

/** A gitbeaker client on the sandbox's GitLab, as a product would build one on @gitbeaker/core; a refusal rejects with `{ status, body }`. */
export function gitbeaker(sb: Sandbox) {
	const requestHandler = async (endpoint: string, options: Record<string, any>) => {
		const prefix = String(options.prefixUrl);
		const url = new URL(endpoint, prefix.endsWith('/') ? prefix : `${prefix}/`);
		if (options.searchParams) url.search = options.searchParams;
		const res = await fetch(url, { method: options.method, headers: options.headers, body: options.body });
		const type = res.headers.get('content-type') ?? '';
		const text = await res.text();
		const body = type.startsWith('application/json') && text ? JSON.parse(text) : text;
		if (!res.ok) throw Object.assign(new Error(`${options.method} ${url.pathname}: ${res.status} ${text}`), { status: res.status, body });
		return { body, headers: Object.fromEntries([...(res.headers as unknown as Iterable<[string, string]>)]), status: res.status };
	};
	const requesterFn = createRequesterFn(async (_: unknown, o: unknown) => o as never, requestHandler as never);
	return new Gitlab({ host: `${sb.url}/gitlab`, token: TOKEN, queryTimeout: null, requesterFn } as never) as InstanceType<typeof Gitlab<false>>;
}

/** An Octokit client on the sandbox's GitHub (quiet: refusals are what the tests look at). */
export function octokit(sb: Sandbox): Octokit {
	const quiet = { debug() {}, info() {}, warn() {}, error() {} };
	return new Octokit({ baseUrl: `${sb.url}/github/api/v3`, auth: GITHUB_TOKEN, log: quiet });
}

/** Moves simulated time on by `seconds` (pipelines move with it). */
export async function advance(sb: Sandbox, seconds: number): Promise<void> {
	await controlOk(sb, '/clock', { advance_s: seconds });
}

/** GET /_sandbox/gitops/changes. */
export async function changes(sb: Sandbox): Promise<any> {
	const res = await fetch(`${sb.url}/_sandbox/gitops/changes`);
	expect(res.status).toBe(200);
	return res.json();
}
