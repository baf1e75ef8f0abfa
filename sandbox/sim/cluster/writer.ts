// How the simulated controllers write to the object store. Like real controllers they
// read the stored object right before writing and change only what they own (status,
// or objects they created), so spec edits made through the API survive. Writes that
// would not change anything are skipped: every write is a watch event for clients.

import type { K8sObject, NewObject, ObjectStore } from '../../k8s/store.js';
import { kubeTime, objectKey } from './meta.js';

export class Writer {
	/** JSON of the last status / owned object written per key, to skip no-op writes. */
	private written = new Map<string, string>();

	constructor(readonly store: ObjectStore) {}

	get(apiVersion: string, kind: string, namespace: string | undefined, name: string): K8sObject | undefined {
		return this.store.get(apiVersion, kind, namespace, name);
	}

	/** Creates (or replaces) an object, stamping its creation time from simulated time. */
	create(obj: NewObject, at: number): K8sObject {
		return this.store.upsert({ ...obj, metadata: { ...obj.metadata, creationTimestamp: obj.metadata.creationTimestamp ?? kubeTime(at) } });
	}

	/** Writes an object this controller owns whole, if it differs from the last write or has vanished. */
	owned(obj: NewObject, at: number): K8sObject {
		const key = objectKey(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
		const json = JSON.stringify(obj);
		const cur = this.store.get(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
		if (cur && this.written.get(key) === json) return cur;
		this.written.set(key, json);
		return this.create(cur ? { ...obj, metadata: { ...obj.metadata, creationTimestamp: cur.metadata.creationTimestamp } } : obj, at);
	}

	/** Replaces the status of a stored object when it changed; spec and metadata stay as stored. */
	status(apiVersion: string, kind: string, namespace: string | undefined, name: string, status: unknown, cache = true): K8sObject | undefined {
		const key = `status|${objectKey(apiVersion, kind, namespace, name)}`;
		const json = cache ? JSON.stringify(status) : '';
		if (cache && this.written.get(key) === json) return undefined;
		const cur = this.store.get(apiVersion, kind, namespace, name);
		if (!cur) return undefined;
		if (cache) this.written.set(key, json);
		return this.store.upsert({ ...cur, status });
	}

	/**
	 * Like `status`, but skips even building the status while `sig` (a cheap summary of
	 * everything the status is computed from) is unchanged and our last write stands.
	 */
	statusIf(apiVersion: string, kind: string, namespace: string | undefined, name: string, sig: string, build: () => unknown): void {
		const key = `status|${objectKey(apiVersion, kind, namespace, name)}`;
		if (this.written.get(key) === `sig|${sig}`) return;
		// A changed summary means a changed status: no need to compare JSON.
		const cur = this.store.get(apiVersion, kind, namespace, name);
		if (!cur) return;
		this.written.set(key, `sig|${sig}`);
		this.store.upsert({ ...cur, status: build() });
	}

	/** Read-modify-write of a stored object (e.g. the HPA setting a Deployment's replicas). */
	update(apiVersion: string, kind: string, namespace: string | undefined, name: string, change: (o: K8sObject) => K8sObject): K8sObject | undefined {
		const cur = this.store.get(apiVersion, kind, namespace, name);
		return cur ? this.store.upsert(change(cur)) : undefined;
	}

	delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): void {
		const key = objectKey(apiVersion, kind, namespace, name);
		this.forget(key);
		this.store.delete(apiVersion, kind, namespace, name);
	}

	/** Whether our last write of the object (its status, or the whole object) still stands. */
	current(apiVersion: string, kind: string, namespace: string | undefined, name: string, part: 'status' | 'object' = 'status'): boolean {
		const key = objectKey(apiVersion, kind, namespace, name);
		return this.written.has(part === 'status' ? `status|${key}` : key);
	}

	/** After a resync nothing we wrote can be trusted to still stand. */
	forgetAll(): void {
		this.written.clear();
	}

	/** Someone else changed or deleted the object: the next reconcile writes it again. */
	forget(key: string): void {
		this.written.delete(key);
		this.written.delete(`status|${key}`);
	}
}
