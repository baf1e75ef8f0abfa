// Drift, kept current: every interval the stacks' declared files and state are read
// (files only when the branch head moved) and drift computed against the clusters'
// watched objects; a change to a watched object recomputes from the inputs already
// read within about a second. History goes to the store (first_seen survives
// restarts), changes go out as the SSE event `drift`, and the `drift` source status
// says when a stack could not be checked (its last good items are kept, marked stale).
import type { DriftError, DriftItem } from '$lib/core/drift';
import { messageOf } from '$lib/core/errors';
import { CoalescedRun } from '$lib/core/coalesced-run';
import { UpstreamError } from '$lib/sources/errors';
import { RESOURCES } from '$lib/sources/kubernetes/resources';
import type { Config } from '../config';
import type { EventBus } from '../events/bus';
import { DriftHistory, scopeKey } from '../store/drift';
import type { Store } from '../store';
import type { Fence } from '../store/fenced';
import type { GithubSource } from '../sync/github-source';
import type { GitlabSource } from '../sync/gitlab-source';
import type { KubernetesSource } from '../sync/kubernetes-source';
import { Poller } from '../sync/poller';
import type { SourceRegistry } from '../sync/source-status';
import type { Logger } from '../telemetry/logger';
import type { Metrics } from '../telemetry/metrics';
import { computeCheck, declaredFields, liveObjects, loadDriftMap, readStack, WATCHED_KINDS, type DeclaredField, type DriftCheck, type LiveSide, type StackRead } from './check';
import { stackReaders, type StackReaders } from './readers';

// Bursts of cluster changes (an HPA's status moves every few seconds) become one recompute per this window.
const DEBOUNCE_MS = 1_000;

/** How long resolved drift items stay in the history. */
const HISTORY_KEEP_MS = 30 * 24 * 3600_000;

export const DRIFT_SOURCE = 'drift';

/** A drift item as served: with its age and whether it comes from an earlier check. */
export interface ServedDriftItem extends DriftItem {
	first_seen: string;
	age_s: number;
	/** True when the item's stack could not be checked in the last run: this is the last good result. */
	stale: boolean;
}

/** A served item before its age, which changes with every request. */
type OrderedItem = { item: DriftItem & { first_seen: string }; stale: boolean };

export interface DriftSnapshot {
	items: ServedDriftItem[];
	errors: DriftError[];
	/** When drift was last computed (null before the first check). */
	checked_at: string | null;
	/** When the declared files and state were last read. */
	read_at: string | null;
	stale: boolean;
	stacks: { name: string; envs: string[]; revision: string | null; simulated: boolean }[];
	checked: DriftCheck['checked'];
}

export interface DriftServiceDeps {
	config: Config;
	store: Store;
	bus: EventBus;
	sources: SourceRegistry;
	metrics: Metrics;
	logger: Logger;
	gitlab: Map<string, GitlabSource>;
	github: Map<string, GithubSource>;
	kubernetes: Map<string, KubernetesSource>;
	/** Run first in every history write: refuses it once this replica's leadership term is over. */
	fence?: Fence;
}

const API_VERSION = new Map(RESOURCES.map((r) => [r.kind, r.apiVersion]));

/** The live side of a watched cluster; unknown until every watch has listed once (else everything would look missing). */
export function watchedLive(k: KubernetesSource | undefined, synced: boolean): LiveSide {
	if (!k) return { ok: false, message: 'no such Kubernetes source' };
	if (!synced) return { ok: false, message: 'waiting for the first complete list of the cluster’s objects' };
	return { ok: true, objects: WATCHED_KINDS.flatMap((kind) => liveObjects(kind, API_VERSION.get(kind)!, k.objects(kind))) };
}

export class DriftService {
	private readers: StackReaders[];
	private history: DriftHistory;
	private poller: Poller;
	private reads: StackRead[] | null = null;
	/** The mapped fields of the last read, worked out when first asked for. */
	private fields: { reads: StackRead[]; byKey: Map<string, DeclaredField> } | null = null;
	private map: Awaited<ReturnType<typeof loadDriftMap>> | null = null;
	private readAt: string | null = null;
	private last: DriftCheck | null = null;
	/** Items served per scope: the current ones, or the last good ones of a scope that failed. */
	private served = new Map<string, { items: DriftItem[]; stale: boolean }>();
	private firstSeen = new Map<string, string>();
	/** `served` with first_seen, in the order the API serves it: rebuilt after a check or the history changed it, not per request. */
	private ordered: OrderedItem[] | null = null;
	private served1s: {
		second: number;
		ordered: OrderedItem[] | null;
		adopted: DriftSnapshot | null;
		last: unknown;
		readAt: string | null;
		snapshot: DriftSnapshot;
	} | null = null;
	private fingerprint = '';
	private debounce: NodeJS.Timeout | undefined;
	private retry: NodeJS.Timeout | undefined;
	private recomputing = new CoalescedRun(
		() => this.recomputeOnce(),
		() => this.stopped
	);
	private pendingFull = false;
	private unsubscribe: () => void;
	private stopped = false;
	/** The leading replica's result, on a replica that does not check (replicas/feed.ts). */
	private adopted: DriftSnapshot | null = null;

	constructor(private deps: DriftServiceDeps) {
		const { config, gitlab, github } = deps;
		this.readers = config.drift.stacks.map((s) =>
			stackReaders(
				s,
				{
					gitlab: (name) => gitlab.get(name)!.client,
					github: (name) => github.get(name)!.client,
					observe: (source) => (outcome) => deps.metrics.upstreamRequests.inc({ source, outcome })
				},
				config.drift.limits
			)
		);
		this.history = new DriftHistory(deps.store.conn.db, deps.fence);
		if (config.drift.stacks.length) deps.sources.register({
			name: DRIFT_SOURCE,
			kind: 'drift',
			url: config.drift.stacks.map((s) => s.name).join(', '),
			simulated: config.drift.stacks.length > 0 && config.drift.stacks.every((s) => s.simulated),
			intervalMs: config.drift.intervalMs
		});
		this.poller = new Poller({
			name: DRIFT_SOURCE,
			intervalMs: config.drift.intervalMs,
			cycle: () => this.fullCheck(),
			onError: (e) => {
				const message = messageOf(e);
				deps.sources.failed(DRIFT_SOURCE, message);
				deps.logger.warn({ err: message }, 'drift check failed; serving the last result');
			}
		});
		const clusters = new Set(config.drift.stacks.map((s) => s.cluster));
		this.unsubscribe = deps.bus.subscribe((e) => {
			if (e.type !== 'cluster.delta') return;
			const d = e.data as { source?: string; kinds?: string[] };
			if (this.stopped || !d.source || !clusters.has(d.source) || !d.kinds?.some((k) => (WATCHED_KINDS as readonly string[]).includes(k))) return;
			clearTimeout(this.debounce);
			this.debounce = setTimeout(() => this.recomputeSoon(), DEBOUNCE_MS);
			this.debounce.unref?.();
		});
	}

	start(): this {
		if (this.readers.length === 0) return this;
		this.stopped = false;
		// Ages of items still open from before a restart, until the first check confirms them.
		void this.history
			.openFirstSeen()
			.then((m) => {
				for (const [k, v] of m) if (!this.firstSeen.has(k)) this.firstSeen.set(k, v);
				this.ordered = null;
			})
			.catch(() => {});
		this.poller.start();
		return this;
	}

	private async fullCheck(): Promise<void> {
		if (this.stopped) return;
		const end = this.deps.metrics.syncDuration.startTimer({ source: DRIFT_SOURCE });
		try {
			this.map = await loadDriftMap(this.deps.config.drift.mapFile);
			this.reads = await Promise.all(this.readers.map(readStack));
			this.readAt = new Date().toISOString();
			await this.recompute(true);
		} catch (e) {
			end({ outcome: 'error' });
			throw e;
		}
		end({ outcome: this.last?.errors.length ? 'error' : 'ok' });
		// A rate-limited forge asked us to wait: the poller backs off at least that long (the errors are already served).
		const wait = this.reads.reduce((w, r) => Math.max(w, r.retryAfterMs), 0);
		if (wait > 0) throw new UpstreamError(DRIFT_SOURCE, 'rate_limited', `rate limited: retry after ${Math.ceil(wait / 1000)} s`, 429, wait);
	}

	/** Recomputes from the inputs last read with the clusters' current objects; one at a time, a request meanwhile runs once after. */
	private async recompute(full = false): Promise<void> {
		if (!this.reads) return;
		this.pendingFull ||= full;
		return this.recomputing.run();
	}

	private recomputeOnce(): Promise<void> {
		const f = this.pendingFull;
		this.pendingFull = false;
		return this.computeOnce(f);
	}

	/** A recompute from a timer: its failure (e.g. the store) is reported, never left unhandled. */
	private recomputeSoon(): void {
		this.recompute().catch((e: unknown) => {
			const message = messageOf(e);
			this.deps.sources.failed(DRIFT_SOURCE, message);
			this.deps.logger.warn({ err: message }, 'drift recompute failed; serving the last result');
		});
	}

	private async computeOnce(full: boolean): Promise<void> {
		const { sources, kubernetes, config } = this.deps;
		const status = sources.list();
		const synced = new Set(status.filter((s) => s.last_success !== null).map((s) => s.name));
		// A cluster not answering now leaves its last objects in the informers: drift against them is marked stale.
		const down = new Set(status.filter((s) => s.status === 'down').map((s) => s.name));
		const clusterOf = new Map(config.drift.stacks.flatMap((s) => s.envs.map((env) => [scopeKey(s.name, env), s.cluster] as const)));
		this.adopted = null;
		const check = computeCheck(this.reads!, (cluster) => watchedLive(kubernetes.get(cluster), synced.has(cluster)), this.map!);
		this.last = check;
		const byScope = new Map<string, DriftItem[]>();
		for (const item of check.items) {
			const k = scopeKey(item.stack, item.env);
			const list = byScope.get(k);
			if (list) list.push(item);
			else byScope.set(k, [item]);
		}
		for (const scope of check.configured) {
			// A scope that could not be checked keeps its last good items, marked stale.
			if (check.scopes.has(scope)) this.served.set(scope, { items: byScope.get(scope) ?? [], stale: down.has(clusterOf.get(scope)!) });
			else if (this.served.has(scope)) this.served.get(scope)!.stale = true;
		}
		for (const scope of [...this.served.keys()]) if (!check.configured.has(scope)) this.served.delete(scope);
		this.ordered = null;
		const items = [...this.served.values()].flatMap((s) => s.items);
		const fingerprint = JSON.stringify([items.map((i) => [i.key, i.class, i.declared, i.applied, i.live]), check.errors]);
		const changed = fingerprint !== this.fingerprint;
		// The store is written when the set changed, and on every full check (last_seen, resolution after a restart).
		if (changed || full) {
			const checkedItems = items.filter((i) => check.scopes.has(scopeKey(i.stack, i.env)));
			const firstSeen = await this.history.record(checkedItems, check.scopes, check.checkedAt);
			for (const i of items) if (!firstSeen.has(i.key) && this.firstSeen.has(i.key)) firstSeen.set(i.key, this.firstSeen.get(i.key)!);
			this.firstSeen = firstSeen;
			this.ordered = null;
		}
		// A cluster still listing its objects is asked again shortly rather than at the next interval.
		clearTimeout(this.retry);
		if (check.errors.some((e) => e.file.startsWith('cluster ')) && !this.stopped) {
			this.retry = setTimeout(() => this.recomputeSoon(), 2_000);
			this.retry.unref?.();
		}
		const failure = check.errors.length ? `${check.errors.length} stack input${check.errors.length > 1 ? 's' : ''} failed; first: ${describeError(check.errors[0]!)}` : null;
		// Some stacks checked and some not is degraded (the rest is current); none checked is down.
		if (!failure) sources.succeeded(DRIFT_SOURCE);
		else if (check.scopes.size > 0) sources.partlyFailed(DRIFT_SOURCE, failure);
		else sources.failed(DRIFT_SOURCE, failure);
		if (changed) {
			this.fingerprint = fingerprint;
			this.deps.bus.publish('drift', { items: items.length, errors: check.errors.length, checked_at: check.checkedAt });
		}
	}

	/** What the API and the page serve. */
	snapshot(now = Date.now()): DriftSnapshot {
		// Ages are whole seconds: within one second, and while the check, the adopted snapshot and
		// the read time stay the same objects, the answer is the same, and so is served as the same
		// object (a read under load then neither copies every item nor compares them to the last answer).
		const second = Math.floor(now / 1000);
		const m = this.served1s;
		if (m && m.second === second && m.ordered === this.ordered && m.adopted === this.adopted && m.last === this.last && m.readAt === this.readAt) return m.snapshot;
		const snapshot = this.compose(now);
		this.served1s = { second, ordered: this.ordered, adopted: this.adopted, last: this.last, readAt: this.readAt, snapshot };
		return snapshot;
	}

	private compose(now: number): DriftSnapshot {
		if (this.adopted) return { ...this.adopted, items: this.adopted.items.map((i) => ({ ...i, age_s: Math.max(0, Math.round((now - Date.parse(i.first_seen)) / 1000)) })) };
		this.ordered ??= this.inServedOrder(now);
		const items: ServedDriftItem[] = this.ordered.map(({ item, stale }) => ({ ...item, age_s: Math.max(0, Math.round((now - Date.parse(item.first_seen)) / 1000)), stale }));
		return {
			items,
			errors: this.last?.errors ?? [],
			checked_at: this.last?.checkedAt ?? null,
			read_at: this.readAt,
			// Stale: some items come from an earlier check, or some stack/env could not be checked this time.
			stale: items.some((i) => i.stale) || (this.last !== null && this.last.scopes.size < this.last.configured.size),
			stacks: this.deps.config.drift.stacks.map((s) => ({ name: s.name, envs: s.envs, revision: this.last?.revisions[s.name] ?? null, simulated: s.simulated })),
			checked: this.last?.checked ?? { stacks: 0, objects: 0, fields: 0 }
		};
	}

	private inServedOrder(now: number): OrderedItem[] {
		const out: OrderedItem[] = [];
		for (const { items: list, stale } of this.served.values()) {
			for (const item of list) out.push({ item: { ...item, first_seen: this.firstSeen.get(item.key) ?? this.last?.checkedAt ?? new Date(now).toISOString() }, stale });
		}
		const order = (i: DriftItem) => [i.stack, i.env, i.object, i.field].join('\u0000');
		return out.sort((a, b) => order(a.item).localeCompare(order(b.item)));
	}

	/** The stack, environment and variable that declare a live object's field, from the last read; null when none does. */
	variableOf(ref: { kind: string; namespace: string | null; name: string }, field: string): { stack: string; env: string; variable: string } | null {
		if (!this.reads || !this.map) return null;
		if (this.fields?.reads !== this.reads) {
			const byKey = new Map<string, DeclaredField>();
			for (const f of declaredFields(this.reads, this.map.map)) byKey.set(fieldKey(f.ref, f.field), f);
			this.fields = { reads: this.reads, byKey };
		}
		const f = this.fields.byKey.get(fieldKey(ref, field));
		return f ? { stack: f.stack, env: f.env, variable: f.variable } : null;
	}

	/** Serves the leading replica's result (this replica does not check while another leads). */
	adopt(s: DriftSnapshot): void {
		this.adopted = s;
	}

	/** Stops checking (leadership passed to another replica); `start` resumes. Awaits a check under way. */
	async pause(): Promise<void> {
		this.stopped = true;
		clearTimeout(this.debounce);
		clearTimeout(this.retry);
		await this.poller.stop();
		await this.recomputing.current?.catch(() => {});
	}

	/** A configured stack's readers: the change flow reads through them, so one cache per stack serves both. */
	readersOf(stack: string): StackReaders | undefined {
		return this.readers.find((r) => r.stack.name === stack);
	}

	/** Reads the stacks' files and state again now (a change was applied); resolves when that check is done. */
	refresh(): Promise<void> {
		return this.readers.length ? this.poller.runNow() : Promise.resolve();
	}

	get configured(): boolean {
		return this.readers.length > 0;
	}

	/** Deletes resolved items older than the history keeps (run with the store's other housekeeping, not every check). */
	pruneHistory(now = Date.now()): Promise<number> {
		return this.history.pruneResolved(new Date(now - HISTORY_KEEP_MS).toISOString());
	}

	historyOf() {
		return this.history;
	}

	async stop(): Promise<void> {
		this.unsubscribe();
		await this.pause();
	}
}

const fieldKey = (ref: { kind: string; namespace: string | null; name: string }, field: string) => `${ref.kind}|${ref.namespace ?? ''}|${ref.name}|${field}`;

function describeError(e: DriftError): string {
	return `${e.stack}/${e.env}: ${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`;
}
