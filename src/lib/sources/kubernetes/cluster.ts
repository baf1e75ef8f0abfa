// One cluster's watched objects, kept current by informers (list, then watch from
// the list's resourceVersion; on 410 Gone the informer lists again). A watch that
// fails is restarted with backoff; until then the last objects stay, marked by the
// source status.
import { makeInformer, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { groupOf } from './access';
import { RESOURCES, lister, namespacesOf, resourcePath, type ClusterNamespaces, type ResourceKind, type ResourceSpec } from './resources';

export type { ClusterNamespaces };

export interface WatchState {
	path: string;
	/** What it watches, as RBAC names it (so a denied permission can be matched to it). */
	namespace: string;
	group: string;
	resource: string;
	connected: boolean;
	lastError: string | null;
	failures: number;
}

export type ClusterChange = { type: 'add' | 'update' | 'delete'; kind: ResourceKind; object: KubernetesObject };

type AnyInformer = ReturnType<typeof makeInformer<KubernetesObject>>;

/** How long a restarted watch must stay open before its last error is forgotten. */
const SETTLE_MS = 3_000;

export class ClusterWatch {
	// The informers' own caches are the only copy of the objects (thousands of pods at scale).
	private byKind = new Map<ResourceKind, AnyInformer[]>();
	private informers: { kind: ResourceKind; informer: AnyInformer; state: WatchState; timer?: NodeJS.Timeout; settle?: NodeJS.Timeout }[] = [];
	private stopped = false;

	constructor(
		private kc: KubeConfig,
		private namespaces: ClusterNamespaces,
		private onChange: (c: ClusterChange) => void,
		private onState: () => void,
		private maxBackoffMs = 60_000
	) {
		for (const r of RESOURCES) this.byKind.set(r.kind, []);
	}

	start(): void {
		for (const spec of RESOURCES) {
			for (const ns of namespacesOf(spec, this.namespaces)) this.watch(spec, ns);
		}
	}

	private watch(spec: ResourceSpec, namespace: string) {
		const path = resourcePath(spec, namespace);
		const informer = makeInformer<KubernetesObject>(this.kc, path, lister(this.kc, spec, namespace));
		const state: WatchState = { path, namespace, group: groupOf(spec.apiVersion), resource: spec.plural, connected: false, lastError: null, failures: 0 };
		const entry = { kind: spec.kind, informer, state, timer: undefined as NodeJS.Timeout | undefined, settle: undefined as NodeJS.Timeout | undefined };
		this.byKind.get(spec.kind)!.push(informer);
		const set = (type: 'add' | 'update') => (o: KubernetesObject) => {
			entry.state.connected = true;
			entry.state.failures = 0;
			this.onChange({ type, kind: spec.kind, object: o });
		};
		informer.on('add', set('add'));
		informer.on('update', set('update'));
		informer.on('delete', (o) => {
			this.onChange({ type: 'delete', kind: spec.kind, object: o });
		});
		informer.on('connect', () => {
			entry.state.connected = true;
			if (entry.state.lastError === null) return this.onState();
			// A restarted watch counts as recovered once it stays open: one the API server refuses
			// fails again right after its list, and must not flap between failing and recovered.
			clearTimeout(entry.settle);
			entry.settle = setTimeout(() => {
				entry.state.lastError = null;
				this.onState();
			}, SETTLE_MS);
			entry.settle.unref?.();
		});
		informer.on('error', (err: unknown) => {
			clearTimeout(entry.settle);
			entry.state.connected = false;
			entry.state.failures++;
			entry.state.lastError = `${path}: ${describe(err)}`;
			this.onState();
			if (this.stopped) return;
			const delay = Math.min(1000 * 2 ** Math.min(entry.state.failures - 1, 6), this.maxBackoffMs);
			entry.timer = setTimeout(() => void informer.start().catch(() => {}), delay);
			entry.timer.unref?.();
		});
		this.informers.push(entry);
		void informer.start().catch(() => {});
	}

	list<T extends KubernetesObject = KubernetesObject>(kind: ResourceKind): T[] {
		return this.byKind.get(kind)!.flatMap((i) => i.list()) as T[];
	}

	get<T extends KubernetesObject = KubernetesObject>(kind: ResourceKind, namespace: string, name: string): T | undefined {
		for (const i of this.byKind.get(kind)!) {
			const o = i.get(name, namespace);
			if (o) return o as T;
		}
		return undefined;
	}

	/**
	 * Why the objects of a kind are not known to be complete (a watch of it not yet listed, or
	 * failing, e.g. refused by RBAC), or null when every watch of it is live. An empty list
	 * then means "none seen", not "none there".
	 */
	unknown(kind: ResourceKind): string | null {
		const bad = this.informers.find((i) => i.kind === kind && (!i.state.connected || i.state.lastError));
		return bad ? (bad.state.lastError ?? `${bad.state.path}: not listed yet`) : null;
	}

	/** Watches that are failing now, with their last error. */
	failing(): WatchState[] {
		return this.informers.map((i) => i.state).filter((s) => !s.connected || s.lastError);
	}

	get watchCount(): number {
		return this.informers.length;
	}

	async stop(): Promise<void> {
		this.stopped = true;
		for (const i of this.informers) {
			clearTimeout(i.timer);
			clearTimeout(i.settle);
			await i.informer.stop().catch(() => {});
		}
	}
}

function describe(err: unknown): string {
	if (!err) return 'unknown error';
	const e = err as { code?: number | string; statusCode?: number; message?: string; body?: unknown };
	const status = e.code ?? e.statusCode;
	const msg = e.message ?? String(err);
	return status && !msg.includes(String(status)) ? `${status} ${msg}` : msg;
}
