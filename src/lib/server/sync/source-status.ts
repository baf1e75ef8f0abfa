// Health of each configured source as the operator sees it: ok, degraded (answering
// but with errors, or data older than expected) or down (last sync failed).
import type { SourceHealth, SourceState } from '$lib/core/sources';

export type { SourceHealth, SourceState };

interface Entry {
	name: string;
	kind: string;
	url: string;
	simulated: boolean;
	intervalMs: number;
	lastSuccess: number | null;
	lastAttempt: number | null;
	lastError: string | null;
	failing: boolean;
	/** The last cycle answered, but part of it failed (some endpoints, some stacks). */
	partial: boolean;
	/** Counts the record's changes: its listed item is made again only when this, its age, health or runner count moved. */
	changes: number;
}

/** A source's sync record, as replicas pass it on. */
export type SourceRecord = Pick<Entry, 'lastSuccess' | 'lastAttempt' | 'lastError' | 'failing' | 'partial'>;

export class SourceRegistry {
	private entries = new Map<string, Entry>();
	private listed = new WeakMap<Entry, { changes: number; item: SourceState }>();

	/**
	 * `runnerCount` says how many runners each source holds now (the fleet's count); `onUp` is
	 * told whether a source is up (its last attempt succeeded) whenever its record changes,
	 * here or from the leading replica (the `source_up` gauge).
	 */
	constructor(
		private runnerCount: (source: string) => number = () => 0,
		private onUp: (name: string, kind: string, up: 0 | 1) => void = () => {}
	) {}

	register(s: { name: string; kind: string; url: string; simulated: boolean; intervalMs: number }) {
		this.entries.set(s.name, { ...s, lastSuccess: null, lastAttempt: null, lastError: null, failing: false, partial: false, changes: 0 });
		this.onUp(s.name, s.kind, 0);
	}

	succeeded(name: string, at = Date.now()) {
		this.update(name, { lastSuccess: at, lastAttempt: at, lastError: null, failing: false, partial: false });
	}

	/** A cycle that refreshed the data but with errors in part of it: degraded, not down. */
	partlyFailed(name: string, error: string, at = Date.now()) {
		this.update(name, { lastSuccess: at, lastAttempt: at, lastError: error, failing: false, partial: true });
	}

	failed(name: string, error: string, at = Date.now()) {
		this.update(name, { lastAttempt: at, lastError: error, failing: true, partial: false });
	}

	private update(name: string, r: Partial<SourceRecord>): void {
		const e = this.entries.get(name);
		if (!e) return;
		Object.assign(e, r);
		e.changes++;
		this.onUp(name, e.kind, e.failing || e.lastSuccess === null ? 0 : 1);
	}

	/** What another replica needs to show this source as this one does (replicas/feed.ts). */
	state(name: string): SourceRecord | undefined {
		const e = this.entries.get(name);
		return e && { lastSuccess: e.lastSuccess, lastAttempt: e.lastAttempt, lastError: e.lastError, failing: e.failing, partial: e.partial };
	}

	/** Takes a source's state as the leading replica published it. */
	restore(name: string, r: SourceRecord): void {
		this.update(name, r);
	}

	/** Whether each source's data is stale and how old it is: what every served item is marked with (list() without the rest). */
	freshness(now = Date.now()): Map<string, { stale: boolean; data_age_s: number | null }> {
		const out = new Map<string, { stale: boolean; data_age_s: number | null }>();
		for (const e of this.entries.values()) {
			const { age, status } = health(e, now);
			out.set(e.name, { stale: status !== 'ok', data_age_s: age });
		}
		return out;
	}

	/**
	 * Every source as the operator sees it. An item is the same object as last time while its
	 * record, age (whole seconds), health and runner count are: the sources read is polled by
	 * every open page, and its answer is then reused by identity (api/answer-reuse.ts).
	 */
	list(now = Date.now()): SourceState[] {
		return [...this.entries.values()].map((e) => {
			const { age, status } = health(e, now);
			const runners = this.runnerCount(e.name);
			const kept = this.listed.get(e);
			if (kept && kept.changes === e.changes && kept.item.data_age_s === age && kept.item.status === status && kept.item.runners === runners) return kept.item;
			const item: SourceState = {
				name: e.name,
				kind: e.kind,
				url: e.url,
				simulated: e.simulated,
				status,
				last_success: e.lastSuccess === null ? null : new Date(e.lastSuccess).toISOString(),
				last_attempt: e.lastAttempt === null ? null : new Date(e.lastAttempt).toISOString(),
				last_error: e.lastError,
				data_age_s: age,
				stale: status !== 'ok',
				runners
			};
			this.listed.set(e, { changes: e.changes, item });
			return item;
		});
	}
}

function health(e: Entry, now: number): { age: number | null; status: SourceHealth } {
	const age = e.lastSuccess === null ? null : Math.round((now - e.lastSuccess) / 1000);
	// Data older than three intervals means the poller is behind even without an error.
	const late = age !== null && age * 1000 > 3 * e.intervalMs + 5_000;
	const status: SourceHealth = e.failing || e.lastSuccess === null ? (e.lastAttempt === null ? 'degraded' : 'down') : late || e.partial ? 'degraded' : 'ok';
	return { age, status };
}

