// The simulated cluster's objects, as the Kubernetes API server would hold them:
// one resourceVersion counter for the whole store, and watch events for every change.
// The simulation writes objects here (spec it owns, status always); the /k8s API
// serves and patches them; spec changes made through the API (kubectl patch) are
// read back by the simulation on its next step — the store is the source of truth.
// It also holds who may do what (`access`), as a cluster keeps its RBAC objects.

import { AccessPolicy } from './access.js';

export interface ObjectMeta {
	name: string;
	namespace?: string;
	uid: string;
	resourceVersion: string;
	generation?: number;
	creationTimestamp: string;
	labels?: Record<string, string>;
	annotations?: Record<string, string>;
	ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
	finalizers?: string[];
}

export interface K8sObject {
	apiVersion: string;
	kind: string;
	metadata: ObjectMeta;
	spec?: any;
	status?: any;
	data?: Record<string, string>;
	[k: string]: unknown;
}

/** What a caller supplies: metadata without the server-assigned fields. */
export interface NewObject {
	apiVersion: string;
	kind: string;
	metadata: Omit<ObjectMeta, 'uid' | 'resourceVersion' | 'creationTimestamp'> & Partial<Pick<ObjectMeta, 'uid' | 'creationTimestamp'>>;
	spec?: any;
	status?: any;
	data?: Record<string, string>;
	[k: string]: unknown;
}

export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface WatchEvent {
	type: WatchType;
	object: K8sObject;
	/** The object before a MODIFIED change, so a filtered watch can tell an object leaving its selector (sent as DELETED). */
	prev?: K8sObject;
}
export type Watcher = (e: WatchEvent) => void;

const keyOf = (apiVersion: string, kind: string, namespace: string | undefined, name: string) => `${apiVersion}|${kind}|${namespace ?? ''}|${name}`;

export class ObjectStore {
	private objects = new Map<string, K8sObject>();
	private watchers = new Set<Watcher>();
	private rv = 1;
	private uidCounter = 0;
	/** What the (only) caller may do: every request is the dashboard's ServiceAccount. */
	readonly access = new AccessPolicy();
	/** Bounded history of events, so a watch from an older resourceVersion can replay or get 410 Gone. */
	private history: { rv: number; event: WatchEvent }[] = [];

	constructor(
		private now: () => number,
		private seedTag = 'sbx',
		private historyLimit = 5000
	) {}

	get resourceVersion(): string {
		return String(this.rv);
	}

	/** Oldest resourceVersion a watch can resume from; older ones get 410 Gone. */
	get oldestResumable(): number {
		return this.history[this.historyStart()]?.rv ?? this.rv;
	}

	/** Create or replace an object. Status-only changes do not bump generation. */
	upsert(obj: NewObject): K8sObject {
		const key = keyOf(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
		const prev = this.objects.get(key);
		const rv = ++this.rv;
		// Same spec object (a status-only write) needs no deep comparison.
		const specChanged = !prev || (prev.spec !== obj.spec && JSON.stringify(prev.spec) !== JSON.stringify(obj.spec));
		const next: K8sObject = {
			...obj,
			metadata: {
				...obj.metadata,
				uid: prev?.metadata.uid ?? obj.metadata.uid ?? this.newUid(),
				creationTimestamp: prev?.metadata.creationTimestamp ?? obj.metadata.creationTimestamp ?? new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
				resourceVersion: String(rv),
				generation: (prev?.metadata.generation ?? 0) + (specChanged ? 1 : 0)
			}
		};
		this.objects.set(key, next);
		this.emit(rv, prev ? { type: 'MODIFIED', object: next, prev } : { type: 'ADDED', object: next });
		return next;
	}

	delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): K8sObject | undefined {
		const key = keyOf(apiVersion, kind, namespace, name);
		const prev = this.objects.get(key);
		if (!prev) return undefined;
		this.objects.delete(key);
		const rv = ++this.rv;
		const gone = { ...prev, metadata: { ...prev.metadata, resourceVersion: String(rv) } };
		this.emit(rv, { type: 'DELETED', object: gone });
		return gone;
	}

	get(apiVersion: string, kind: string, namespace: string | undefined, name: string): K8sObject | undefined {
		return this.objects.get(keyOf(apiVersion, kind, namespace, name));
	}

	/** Objects of one kind, optionally in one namespace, sorted by namespace then name. */
	list(apiVersion: string, kind: string, namespace?: string): K8sObject[] {
		const out: K8sObject[] = [];
		for (const o of this.objects.values()) {
			if (o.apiVersion === apiVersion && o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace)) out.push(o);
		}
		return out.sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
	}

	/** Objects of one kind in no particular order (cheap: no copy, no sort), for counting. */
	*scan(apiVersion: string, kind: string): IterableIterator<K8sObject> {
		for (const o of this.objects.values()) if (o.apiVersion === apiVersion && o.kind === kind) yield o;
	}

	/** Events after `resourceVersion`, or null when that version is older than the history kept (410 Gone). */
	since(resourceVersion: number): WatchEvent[] | null {
		if (resourceVersion < this.oldestResumable - 1) return null;
		// Versions in the history increase: binary-search the first one after `resourceVersion`.
		let lo = this.historyStart();
		let hi = this.history.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if ((this.history[mid] as { rv: number }).rv > resourceVersion) hi = mid;
			else lo = mid + 1;
		}
		return this.history.slice(lo).map((h) => h.event);
	}

	watch(fn: Watcher): () => void {
		this.watchers.add(fn);
		return () => this.watchers.delete(fn);
	}

	get watcherCount(): number {
		return this.watchers.size;
	}

	/** Index of the oldest history entry still kept (the array is trimmed lazily). */
	private historyStart(): number {
		return Math.max(0, this.history.length - this.historyLimit);
	}

	private newUid(): string {
		const n = (++this.uidCounter).toString(16).padStart(12, '0');
		return `5a4db0c5-0000-4000-8000-${n}`.replace('5a4db0c5', this.seedTag.padEnd(8, '0').slice(0, 8).replace(/[^0-9a-f]/g, '0'));
	}

	private emit(rv: number, event: WatchEvent) {
		this.history.push({ rv, event });
		// Trimmed in batches (splice is O(n)); only the newest historyLimit entries count (historyStart).
		if (this.history.length > 2 * this.historyLimit) this.history.splice(0, this.history.length - this.historyLimit);
		for (const w of this.watchers) w(event);
	}
}
