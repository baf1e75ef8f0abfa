// Fleet queries served from memory at fleet scale: sorted orders are kept and patched
// for the runners each sync changed, and query pages are cached until the fleet
// changes, so a steady fleet costs a map lookup per request and a sync costs a patch,
// not a sort of every runner on the request path.
import { patchSorted, queryFleet, sortRunners, type FleetQuery, type OutdatedOf, type Page, type SortKey } from '$lib/core/fleet-query';
import type { Runner } from '$lib/core/runner';
import { LRUCache } from 'lru-cache';
import type { FleetCache } from './cache';

const MAX_CACHED_PAGES = 500;
// Ghost views depend on the clock, so they are cached only briefly.
const CLOCK_BOUND_MS = 5_000;
// Serialised answers carry data ages in whole seconds, so one serialisation serves a second's requests.
const BODY_REUSE_MS = 1_000;
/** What the kept answers may weigh in all: bounded by bytes, not entries, so large pages cannot pin the heap. */
export const BODY_CACHE_BYTES = 16 * 1024 * 1024;

/** Whether runners are behind their forge, and a counter that moves when the forges' reference versions change. */
export interface SkewReading {
	outdated: OutdatedOf;
	generation(): number;
}

const NO_SKEW: SkewReading = { outdated: () => 'unknown', generation: () => 0 };

export class FleetViews {
	private version = -1;
	private skewGeneration = -1;
	private sorted = new Map<SortKey, Runner[]>();
	private pages = new LRUCache<string, { at: number; page: Page<Runner> }>({ max: MAX_CACHED_PAGES });
	private bodies = new LRUCache<string, { at: number; body: Buffer }>({ maxSize: BODY_CACHE_BYTES, sizeCalculation: (e) => e.body.length + 64 });

	constructor(
		private fleet: FleetCache,
		private skew: SkewReading = NO_SKEW
	) {}

	query(q: FleetQuery, now = Date.now()): Page<Runner> {
		this.sync();
		const key = this.keyOf(q);
		const hit = this.pages.get(key);
		if (hit && (q.offline_days === undefined || now - hit.at < CLOCK_BOUND_MS)) return hit.page;
		const page = queryFleet(this.fleet.values(), q, now, (k) => this.sortedBy(k), this.skew.outdated);
		this.pages.set(key, { at: now, page });
		return page;
	}

	/** The JSON answer for a query, items marked by `mark` (freshness); reused while the fleet is unchanged, for at most a second. */
	/** The page's JSON as UTF-8 bytes: a reused answer is sent without encoding it again. */
	json(q: FleetQuery, mark: (items: Runner[]) => unknown[], now = Date.now()): Buffer {
		this.sync();
		const key = this.keyOf(q);
		const hit = this.bodies.get(key);
		if (hit && now - hit.at < BODY_REUSE_MS) return hit.body;
		const page = this.query(q, now);
		const body = Buffer.from(JSON.stringify({ ...page, items: mark(page.items) }));
		this.bodies.set(key, { at: now, body });
		return body;
	}

	private keyOf(q: FleetQuery): string {
		return JSON.stringify(q);
	}

	private sortedBy(key: SortKey): Runner[] {
		let s = this.sorted.get(key);
		if (!s) {
			s = sortRunners(this.fleet.values(), key);
			this.sorted.set(key, s);
		}
		return s;
	}

	private sync() {
		// Pages and answers hold `outdated` (items and filter): a new forge reference drops them; orders stay.
		const generation = this.skew.generation();
		if (generation !== this.skewGeneration) {
			this.skewGeneration = generation;
			this.pages.clear();
			this.bodies.clear();
		}
		if (this.version === this.fleet.version) return;
		const touched = this.fleet.touchedSince(this.version);
		this.version = this.fleet.version;
		this.pages.clear();
		this.bodies.clear();
		if (touched) {
			// A sync changes a few runners: their places are patched in every kept order.
			const current: Runner[] = [];
			for (const id of touched) {
				const r = this.fleet.get(id);
				if (r) current.push(r);
			}
			for (const [key, order] of this.sorted) this.sorted.set(key, patchSorted(order, key, touched, current));
		} else {
			// More changed than the fleet keeps a record of (a first sync, a resync): sort again on use.
			this.sorted.clear();
		}
	}
}
