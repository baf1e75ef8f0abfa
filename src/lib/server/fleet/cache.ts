// The fleet as last read from every source: the one copy that the API, the pages
// and the SSE deltas all read. Each source's runners are replaced whole per sync.
import { sameRunner, type Runner } from '$lib/core/runner';

export interface FleetDelta {
	source: string;
	upserted: Runner[];
	removed: string[];
}

export class FleetCache {
	private runners = new Map<string, Runner>();
	private bySource = new Map<string, Set<string>>();
	/** Bumped on every change, so derived views (sorted orders, query pages) know when to recompute. */
	version = 0;

	/** Replace one source's runners; returns what changed (for SSE deltas). */
	replaceSource(source: string, runners: Runner[]): FleetDelta {
		const previous = this.bySource.get(source) ?? new Set<string>();
		const next = new Set<string>();
		const upserted: Runner[] = [];
		for (const r of runners) {
			next.add(r.id);
			const old = this.runners.get(r.id);
			if (!old || !sameRunner(old, r)) upserted.push(r);
			this.runners.set(r.id, r);
		}
		const removed = [...previous].filter((id) => !next.has(id));
		for (const id of removed) this.runners.delete(id);
		this.bySource.set(source, next);
		if (upserted.length || removed.length) this.version++;
		return { source, upserted, removed };
	}

	/** Apply one runner's new state (after an action) without waiting for the next sync. */
	upsert(r: Runner): void {
		this.runners.set(r.id, r);
		this.bySource.get(r.source)?.add(r.id);
		this.version++;
	}

	get(id: string): Runner | undefined {
		return this.runners.get(id);
	}

	values(): IterableIterator<Runner> {
		return this.runners.values();
	}

	get size(): number {
		return this.runners.size;
	}

	countBySource(source: string): number {
		return this.bySource.get(source)?.size ?? 0;
	}
}
