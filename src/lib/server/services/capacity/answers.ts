// Capacity answers cached per (source, window, panel) for a few seconds so a page's
// parallel panel requests share one upstream round trip, with one request in flight
// per key; when the source fails or is slow, the last good values come back with the
// error so they can be served marked stale with their age.
import { LRUCache } from 'lru-cache';
import { messageOf } from '$lib/core/errors';

/** How long an answer is reused: a page's panels load within this. */
const FRESH_MS = 5_000;
/** With a last good answer at hand, wait this long for the source before serving it stale. */
const SLOW_MS = 3_000;

export interface Measured<T> {
	value: T;
	/** Unix ms the values are for. */
	at: number;
}

interface Entry<T> {
	good?: Measured<T>;
	/** When the last attempt (good or failed) finished. */
	checked: number;
	error: string | null;
	inflight?: Promise<void>;
}

/** Per-key cache with single flight and last-good fallback. */
export class AnswerCache<T> {
	// Keys are (window, panel) pairs: a few dozen; the bound only guards against a bug.
	private entries = new LRUCache<string, Entry<T>>({ max: 256 });

	/** `source` names who is slow in the error: `Prometheus has not answered within 3 s`. */
	constructor(private source: string) {}

	async get(key: string, compute: () => Promise<Measured<T>>, now = Date.now()): Promise<{ good?: Measured<T>; error: string | null }> {
		let e = this.entries.get(key);
		if (!e) {
			e = { checked: 0, error: null };
			this.entries.set(key, e);
		}
		const entry = e;
		if (now - entry.checked < FRESH_MS && (entry.good || entry.error)) return { good: entry.good, error: entry.error };
		if (!entry.inflight) {
			entry.inflight = compute()
				.then((m) => {
					entry.good = m;
					entry.error = null;
				})
				.catch((err: unknown) => {
					entry.error = messageOf(err);
				})
				.finally(() => {
					entry.checked = Date.now();
					entry.inflight = undefined;
				});
		}
		const inflight = entry.inflight;
		if (entry.good) {
			const slow = await Promise.race([inflight.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), SLOW_MS).unref())]);
			if (slow) return { good: entry.good, error: `${this.source} has not answered within ${SLOW_MS / 1000} s` };
		} else {
			await inflight;
		}
		return { good: entry.good, error: entry.error };
	}
}

