// The fleet as last read from every source: the one copy that the API, the pages
// and the SSE deltas all read. Each source's runners are replaced whole per sync.
import { sameRunner, type Runner } from '$lib/core/runner';
import { mapInSlices } from '$lib/sources/slices';

export interface FleetDelta {
	source: string;
	upserted: Runner[];
	removed: string[];
}

const MAX_TOUCHED_IDS = 2_000;

export class FleetCache {
	private runners = new Map<string, Runner>();
	private bySource = new Map<string, Set<string>>();
	/** Bumped on every change, so derived views (sorted orders, query pages) know when to recompute. */
	version = 0;
	// Ids touched by each recent version, so derived views can patch instead of recompute.
	// Bounded by ids, not versions: a full resync is cheaper to recompute than to patch.
	private touched: { version: number; ids: string[] }[] = [];
	private touchedIds = 0;

	/**
	 * Replace one source's runners; returns what changed (for SSE deltas). The comparison,
	 * a few microseconds per runner, runs a slice at a time (../../sources/slices.ts) so ten
	 * thousand runners do not hold up requests; the change itself is applied at once, so
	 * readers never see half a sync.
	 */
	async replaceSource(source: string, runners: Runner[]): Promise<FleetDelta> {
		const changed = await mapInSlices(runners, (r) => this.changed(r));
		return this.apply(source, runners, runners.filter((_, i) => changed[i]));
	}

	private changed(r: Runner): boolean {
		const old = this.runners.get(r.id);
		return !old || !sameRunner(old, r);
	}

	// An unchanged runner keeps its old object: the fresh copy dies young instead of
	// being promoted while the old one waits for a full collection.
	private apply(source: string, runners: Runner[], upserted: Runner[]): FleetDelta {
		const previous = this.bySource.get(source) ?? new Set<string>();
		const next = new Set<string>();
		for (const r of runners) next.add(r.id);
		for (const r of upserted) this.runners.set(r.id, r);
		const removed = [...previous].filter((id) => !next.has(id));
		for (const id of removed) this.runners.delete(id);
		this.bySource.set(source, next);
		if (upserted.length || removed.length) this.bump([...upserted.map((r) => r.id), ...removed]);
		return { source, upserted, removed };
	}

	/** A reading's new or changed runners and the ids gone: applies, and returns, only what differs from the cache. */
	applySourceChanges(source: string, upserted: readonly Runner[], removed: readonly string[]): FleetDelta {
		const ids = this.bySource.get(source);
		const delta: FleetDelta = { source, upserted: upserted.filter((r) => this.changed(r)), removed: removed.filter((id) => ids?.has(id)) };
		this.applyDelta(delta);
		return delta;
	}

	/** How many runners a source has in the cache. */
	sourceSize(source: string): number {
		return this.bySource.get(source)?.size ?? 0;
	}

	/** A source's runners. */
	runnersOf(source: string): Runner[] {
		return [...(this.bySource.get(source) ?? [])].map((id) => this.runners.get(id)!).filter(Boolean);
	}

	/** Apply a delta another replica published (its sync or an action): the same change, without reading the source. */
	applyDelta(d: FleetDelta): void {
		let ids = this.bySource.get(d.source);
		if (!ids) this.bySource.set(d.source, (ids = new Set()));
		for (const r of d.upserted) {
			this.runners.set(r.id, r);
			ids.add(r.id);
		}
		for (const id of d.removed) {
			this.runners.delete(id);
			ids.delete(id);
		}
		if (d.upserted.length || d.removed.length) this.bump([...d.upserted.map((r) => r.id), ...d.removed]);
	}

	/** Every source's runners, for a snapshot other replicas start from. */
	bySourceRunners(): Record<string, Runner[]> {
		const out: Record<string, Runner[]> = {};
		for (const source of this.bySource.keys()) out[source] = this.runnersOf(source);
		return out;
	}

	/** Apply one runner's new state (after an action) without waiting for the next sync. */
	upsert(r: Runner): void {
		this.runners.set(r.id, r);
		this.bySource.get(r.source)?.add(r.id);
		this.bump([r.id]);
	}

	/** Forget a runner deleted upstream without waiting for the next sync. */
	remove(id: string): void {
		const r = this.runners.get(id);
		if (!r) return;
		this.runners.delete(id);
		this.bySource.get(r.source)?.delete(id);
		this.bump([id]);
	}

	private bump(ids: string[]) {
		this.version++;
		this.touched.push({ version: this.version, ids });
		this.touchedIds += ids.length;
		while (this.touched.length > 1 && this.touchedIds > MAX_TOUCHED_IDS) this.touchedIds -= this.touched.shift()!.ids.length;
	}

	/** Ids added, changed or removed after `version`; null when that reaches further back than is kept. */
	touchedSince(version: number): Set<string> | null {
		if (version === this.version) return new Set();
		const first = this.touched[0];
		if (!first || first.version > version + 1 || this.touchedIds > MAX_TOUCHED_IDS) return null;
		const ids = new Set<string>();
		for (const t of this.touched) if (t.version > version) for (const id of t.ids) ids.add(id);
		return ids;
	}

	get(id: string): Runner | undefined {
		return this.runners.get(id);
	}

	values(): IterableIterator<Runner> {
		return this.runners.values();
	}

	/** Whether a source's runners have been read (synced, or applied from another replica) since the start. */
	hasSource(source: string): boolean {
		return this.bySource.has(source);
	}

	get size(): number {
		return this.runners.size;
	}

	countBySource(source: string): number {
		return this.bySource.get(source)?.size ?? 0;
	}
}
