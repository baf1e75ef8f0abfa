// OpenTofu state (format version 4) for the two stacks, written the way the
// hashicorp/kubernetes provider records what it applied: typed resources keep
// snake_case attributes with nested blocks as one-element lists (list-valued fields
// such as `containers` become repeated singular blocks: `container`), maps (labels,
// annotations, match_labels, requests/limits, data) stay maps; `kubernetes_manifest`
// keeps the declared `manifest` and the applied `object` as plain JSON.
// The attributes are read from the live objects right after install, so state and
// cluster agree until someone changes one of them.

import { createHash } from 'node:crypto';
import type { K8sObject, ObjectStore } from '../k8s/store.js';
import { APPS_V1, ARC_V1ALPHA1, AUTOSCALING_V2, V1 } from '../sim/cluster/meta.js';
import { ARC_RUNNER_NAMESPACE, GITLAB_RUNNER_NAMESPACE, type RunnerType } from '../sim/cluster/stacks.js';
import type { StackName } from './stacks.js';

export const TOFU_VERSION = '1.8.5';
export const PROVIDER = 'provider["registry.opentofu.org/hashicorp/kubernetes"]';

export interface StateInstance {
	index_key?: string | number;
	schema_version: number;
	attributes: Record<string, unknown>;
	sensitive_attributes: unknown[];
	private?: string;
	dependencies?: string[];
}

export interface StateResource {
	module?: string;
	mode: 'managed' | 'data';
	type: string;
	name: string;
	provider: string;
	instances: StateInstance[];
}

export interface StateFile {
	version: 4;
	terraform_version: string;
	serial: number;
	lineage: string;
	outputs: Record<string, { value: unknown; type: unknown; sensitive?: boolean }>;
	resources: StateResource[];
	check_results: null;
}

/** Map-typed fields: their keys are data (label names, resource names), not schema. */
const MAP_FIELDS = new Set(['labels', 'annotations', 'matchLabels', 'requests', 'limits', 'data', 'nodeSelector']);
/** List fields whose provider block name is the singular. */
const BLOCK_NAMES: Record<string, string> = {
	containers: 'container',
	ports: 'port',
	volumeMounts: 'volume_mount',
	volumes: 'volume',
	metrics: 'metric',
	policies: 'policy',
	tolerations: 'toleration',
	env: 'env'
};

function snake(k: string): string {
	return k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A live object's nested fields in the provider's block shape. */
export function toBlocks(obj: Record<string, unknown>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(obj)) {
		if (v === undefined) continue;
		if (MAP_FIELDS.has(k) && typeof v === 'object' && v !== null) out[snake(k)] = { ...(v as object) };
		else if (Array.isArray(v)) {
			const name = BLOCK_NAMES[k] ?? snake(k);
			out[name] = v.map((x) => (typeof x === 'object' && x !== null ? toBlocks(x as Record<string, unknown>) : x));
		} else if (typeof v === 'object' && v !== null) out[snake(k)] = [toBlocks(v as Record<string, unknown>)];
		else out[snake(k)] = v;
	}
	return out;
}

function metadataBlock(o: K8sObject): Record<string, unknown>[] {
	const m = o.metadata;
	return [
		{
			// Unset maps are null in state, as the provider writes them.
			annotations: m.annotations ? { ...m.annotations } : null,
			generation: m.generation ?? 0,
			labels: m.labels ? { ...m.labels } : null,
			name: m.name,
			namespace: m.namespace ?? 'default',
			resource_version: m.resourceVersion,
			uid: m.uid
		}
	];
}

function deploymentAttrs(o: K8sObject): Record<string, unknown> {
	const spec = toBlocks(o.spec ?? {});
	// The provider types replicas as a string (so it can be left unset for an HPA).
	spec.replicas = String(o.spec?.replicas ?? 1);
	return { id: `${o.metadata.namespace}/${o.metadata.name}`, metadata: metadataBlock(o), spec: [spec], timeouts: null, wait_for_rollout: true };
}

function hpaAttrs(o: K8sObject): Record<string, unknown> {
	return { id: `${o.metadata.namespace}/${o.metadata.name}`, metadata: metadataBlock(o), spec: [toBlocks(o.spec ?? {})] };
}

function configMapAttrs(o: K8sObject): Record<string, unknown> {
	return { id: `${o.metadata.namespace}/${o.metadata.name}`, binary_data: null, data: { ...(o.data ?? {}) }, metadata: metadataBlock(o) };
}

/** A stable fake uid for objects the sandbox's API does not serve (PDBs). */
function uidOf(seed: number, text: string): string {
	const h = createHash('sha256').update(`${seed}|${text}`).digest('hex');
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function pdbAttrs(seed: number, dep: K8sObject): Record<string, unknown> {
	const name = `${dep.metadata.name}-pdb`;
	return {
		id: `${dep.metadata.namespace}/${name}`,
		metadata: [
			{
				annotations: null,
				generation: 1,
				labels: { ...(dep.metadata.labels ?? {}) },
				name,
				namespace: dep.metadata.namespace,
				resource_version: '',
				uid: uidOf(seed, `pdb|${name}`)
			}
		],
		spec: [{ max_unavailable: '', min_available: '1', selector: [{ match_expressions: [], match_labels: { ...(dep.spec?.selector?.matchLabels ?? {}) } }] }]
	};
}

/** The ARS as the stack declares it (no controller-added annotations). */
function arsManifest(o: K8sObject): Record<string, unknown> {
	const annotations = { ...(o.metadata.annotations ?? {}) };
	delete annotations['runner-scale-set-id'];
	return {
		apiVersion: o.apiVersion,
		kind: o.kind,
		metadata: { name: o.metadata.name, namespace: o.metadata.namespace, labels: { ...(o.metadata.labels ?? {}) }, annotations },
		spec: structuredClone(o.spec ?? {})
	};
}

function arsAttrs(o: K8sObject): Record<string, unknown> {
	return {
		computed_fields: null,
		field_manager: [],
		manifest: arsManifest(o),
		object: {
			apiVersion: o.apiVersion,
			kind: o.kind,
			metadata: { name: o.metadata.name, namespace: o.metadata.namespace, labels: { ...(o.metadata.labels ?? {}) }, annotations: { ...(o.metadata.annotations ?? {}) } },
			spec: structuredClone(o.spec ?? {})
		},
		timeouts: [],
		wait: [],
		wait_for: null
	};
}

/** UUID-shaped lineage, fixed per seed and state name. */
export function lineageOf(seed: number, name: string): string {
	return uidOf(seed, `lineage|${name}`);
}

const PRIVATE_NULL = Buffer.from('null').toString('base64');

function resource(type: string, name: string, instances: StateInstance[]): StateResource {
	return { mode: 'managed', type, name, provider: PROVIDER, instances };
}

function instance(key: string, schemaVersion: number, attributes: Record<string, unknown>, dependencies?: string[]): StateInstance {
	return { index_key: key, schema_version: schemaVersion, attributes, sensitive_attributes: [], private: PRIVATE_NULL, ...(dependencies ? { dependencies } : {}) };
}

/** A runner type the gitlab-runners stack manages: its Deployment name and whether it has an HPA. */
export interface ManagedRunner {
	type: RunnerType;
	name: string;
	hpa: boolean;
}

/** State of the gitlab-runners stack, read from what is live in the cluster. */
export function gitlabRunnersState(store: ObjectStore, seed: number, runners: readonly ManagedRunner[], serial: number, lineage: string): StateFile {
	const deployments: StateInstance[] = [];
	const hpas: StateInstance[] = [];
	const configMaps: StateInstance[] = [];
	const pdbs: StateInstance[] = [];
	const names: string[] = [];
	for (const { type: t, name, hpa: withHpa } of runners) {
		const dep = store.get(APPS_V1, 'Deployment', GITLAB_RUNNER_NAMESPACE, name);
		if (!dep) continue;
		names.push(name);
		const cm = store.get(V1, 'ConfigMap', GITLAB_RUNNER_NAMESPACE, `${name}-config`);
		if (cm) configMaps.push(instance(t, 0, configMapAttrs(cm)));
		deployments.push(instance(t, 1, deploymentAttrs(dep), ['kubernetes_config_map_v1.runner']));
		const hpa = withHpa ? store.get(AUTOSCALING_V2, 'HorizontalPodAutoscaler', GITLAB_RUNNER_NAMESPACE, `${name}-hpa`) : undefined;
		if (hpa) hpas.push(instance(t, 0, hpaAttrs(hpa), ['kubernetes_config_map_v1.runner', 'kubernetes_deployment_v1.runner']));
		pdbs.push(instance(t, 0, pdbAttrs(seed, dep)));
	}
	return {
		version: 4,
		terraform_version: TOFU_VERSION,
		serial,
		lineage,
		outputs: { runner_deployments: { value: names, type: ['tuple', names.map(() => 'string')] } },
		resources: [
			resource('kubernetes_config_map_v1', 'runner', configMaps),
			resource('kubernetes_deployment_v1', 'runner', deployments),
			resource('kubernetes_horizontal_pod_autoscaler_v2', 'runner', hpas),
			resource('kubernetes_pod_disruption_budget_v1', 'runner', pdbs)
		].filter((r) => r.instances.length > 0),
		check_results: null
	};
}

/** State of the arc-runners stack: one `kubernetes_manifest.runner_set` instance per AutoscalingRunnerSet, keyed by name. */
export function arcRunnersState(store: ObjectStore, names: readonly string[], serial: number, lineage: string): StateFile {
	const sets: StateInstance[] = [];
	for (const name of [...names].sort()) {
		const ars = store.get(ARC_V1ALPHA1, 'AutoscalingRunnerSet', ARC_RUNNER_NAMESPACE, name);
		if (ars) sets.push(instance(name, 1, arsAttrs(ars)));
	}
	const keys = sets.map((s) => String(s.index_key));
	return {
		version: 4,
		terraform_version: TOFU_VERSION,
		serial,
		lineage,
		outputs: { scale_sets: { value: keys, type: ['tuple', keys.map(() => 'string')] } },
		resources: sets.length > 0 ? [resource('kubernetes_manifest', 'runner_set', sets)] : [],
		check_results: null
	};
}

export function stateName(stack: StackName, env: string): string {
	return `${stack}-${env}`;
}
