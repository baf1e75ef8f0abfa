// Small helpers shared by the simulated cluster's controllers: Kubernetes-style
// names, hashes, timestamps and quantities, and object keys.

import type { K8sObject, NewObject } from '../../k8s/store.js';
import type { Rng } from '../rng.js';

export const V1 = 'v1';
export const APPS_V1 = 'apps/v1';
export const AUTOSCALING_V2 = 'autoscaling/v2';
export const ARC_V1ALPHA1 = 'actions.github.com/v1alpha1';

/** The alphabet Kubernetes uses for generated name suffixes and pod-template-hash (no vowels, no 0/1/3). */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** A generated-name suffix (`generateName`), e.g. the `x7k2q` of a pod name. */
export function suffix(rng: Rng, n = 5): string {
	let s = '';
	for (let i = 0; i < n; i++) s += SAFE[rng.int(SAFE.length)];
	return s;
}

/** FNV-1a, 32 bit. */
export function fnv32(text: string, seed = 0x811c9dc5): number {
	let h = seed >>> 0;
	for (let i = 0; i < text.length; i++) {
		h ^= text.charCodeAt(i);
		h = Math.imul(h, 0x01000193) >>> 0;
	}
	return h >>> 0;
}

/** The pod-template-hash of a template, in Kubernetes' safe alphabet (10 characters or fewer). */
const hashes = new WeakMap<object, string>();

export function templateHash(template: unknown): string {
	// Unchanged objects keep their identity in the store, so the hash is computed once per template.
	if (typeof template === 'object' && template !== null) {
		let h = hashes.get(template);
		if (h === undefined) {
			h = computeHash(template);
			hashes.set(template, h);
		}
		return h;
	}
	return computeHash(template);
}

function computeHash(template: unknown): string {
	let h = fnv32(JSON.stringify(template ?? {}));
	let s = '';
	do {
		s += SAFE[h % SAFE.length];
		h = Math.floor(h / SAFE.length);
	} while (h > 0 && s.length < 10);
	return s;
}

/** `n` hex characters derived from `text` (container ids, image digests): stable, not random. */
export function hexOf(text: string, n: number): string {
	let out = '';
	for (let i = 0; out.length < n; i++) out += fnv32(text, 0x811c9dc5 ^ Math.imul(i + 1, 0x9e3779b1)).toString(16).padStart(8, '0');
	return out.slice(0, n);
}

/** RFC 3339 at second precision, as the API server renders metav1.Time. */
const times = new Map<number, string>();

export function kubeTime(ms: number): string {
	const s = Math.floor(ms / 1000);
	let t = times.get(s);
	if (t === undefined) {
		// Status builders format the same few instants over and over.
		if (times.size > 4096) times.clear();
		t = new Date(s * 1000).toISOString().replace('.000Z', 'Z');
		times.set(s, t);
	}
	return t;
}

export function objectKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
	return `${apiVersion}|${kind}|${namespace ?? ''}|${name}`;
}

export function keyOf(o: Pick<K8sObject, 'apiVersion' | 'kind' | 'metadata'> | NewObject): string {
	return objectKey(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
}

export function ownerRef(o: K8sObject, blockOwnerDeletion = true) {
	return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid, controller: true, blockOwnerDeletion };
}

/** Parses a Kubernetes quantity ("500m", "4", "1Gi", "2.5") into a number of base units; NaN if invalid. */
export function parseQuantity(q: unknown): number {
	if (typeof q === 'number') return q;
	if (typeof q !== 'string') return NaN;
	const m = /^([+-]?\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(q.trim());
	if (!m) return NaN;
	const mult: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
	return Number(m[1]) * (m[2] ? (mult[m[2]] ?? NaN) : 1);
}

/** Renders a metric value as the HPA controller does: whole numbers plain, else milli-units. */
export function formatQuantity(n: number): string {
	if (Number.isInteger(n)) return String(n);
	return `${Math.round(n * 1000)}m`;
}
