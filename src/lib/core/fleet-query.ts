// Server-side filtering, searching, sorting and paging of the fleet. Pure: runs over
// the in-memory fleet so the runners API stays fast at tens of thousands of runners.
import { z } from 'zod';
import { pageOf, pagingFields, type Page } from './paging';
import type { Runner } from './runner';
import { outdatedSchema, type Outdated } from './versions';

export type { Page };

export const SORTABLE = ['name', 'status', 'forge', 'source', 'version', 'type', 'contacted_at', 'id'] as const;

const csv = z
	.string()
	.max(2000)
	.transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean));

export const fleetQuery = z.strictObject({
	...pagingFields,
	q: z.string().max(200).optional(),
	sort: z
		.string()
		.regex(new RegExp(`^-?(${SORTABLE.join('|')})$`), `one of ${SORTABLE.join(', ')}, optionally prefixed with - for descending`)
		.default('name'),
	forge: csv.optional(),
	source: csv.optional(),
	status: csv.optional(),
	type: csv.optional(),
	tag: csv.optional(),
	version: z.string().max(100).optional(),
	scale_set: z.string().max(200).optional(),
	paused: z.enum(['true', 'false']).optional(),
	/** Behind the forge's reference version (`true`), not (`false`), or not known (`unknown`). */
	outdated: outdatedSchema.optional(),
	/** Ghosts: not online, and no contact for at least this many days (or never). */
	offline_days: z.coerce.number().int().min(0).max(3650).optional()
});

export type FleetQuery = z.infer<typeof fleetQuery>;


const DAY_MS = 86_400_000;

// What a search looks in, per runner object: the fleet keeps an unchanged runner's
// object across syncs, so each is built once rather than once per query.
const haystacks = new WeakMap<Runner, string>();

function haystack(r: Runner): string {
	let hay = haystacks.get(r);
	if (hay === undefined) {
		hay = `${r.name}\n${r.description}\n${r.tags.join(' ')}\n${r.ip_address ?? ''}\n${r.id}`.toLowerCase();
		haystacks.set(r, hay);
	}
	return hay;
}

/** Whether a runner is behind its forge; the server judges against the forges' reference versions. */
export type OutdatedOf = (r: Runner) => Outdated;
const NOT_KNOWN: OutdatedOf = () => 'unknown';

function matches(r: Runner, q: FleetQuery, needle: string | undefined, now: number, outdatedOf: OutdatedOf): boolean {
	if (q.forge && !q.forge.includes(r.forge)) return false;
	if (q.source && !q.source.includes(r.source)) return false;
	if (q.status && !q.status.includes(r.status) && !(q.status.includes('paused') && r.paused)) return false;
	if (q.type && !q.type.includes(r.type)) return false;
	if (q.tag && !q.tag.every((t) => r.tags.includes(t))) return false;
	if (q.version && !(r.version ?? '').startsWith(q.version)) return false;
	if (q.scale_set && r.scale_set !== q.scale_set) return false;
	if (q.paused && r.paused !== (q.paused === 'true')) return false;
	if (q.outdated && outdatedOf(r) !== q.outdated) return false;
	if (q.offline_days !== undefined) {
		if (r.status === 'online') return false;
		if (r.contacted_at && now - Date.parse(r.contacted_at) < q.offline_days * DAY_MS) return false;
	}
	if (needle && !haystack(r).includes(needle)) return false;
	return true;
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export type SortKey = (typeof SORTABLE)[number];

// Ties by id, and last by code points, make the order total: it never depends on
// the order runners came in or on how an order was patched.
const byId = (a: Runner, b: Runner) => collator.compare(a.id, b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The order of `sortRunners` as a comparator. */
export function compareBy(key: SortKey): (a: Runner, b: Runner) => number {
	return (a, b) => collator.compare(String(a[key] ?? ''), String(b[key] ?? '')) || byId(a, b);
}

/** Runners in ascending order of one column, ties broken by id. */
export function sortRunners(runners: Iterable<Runner>, key: SortKey): Runner[] {
	// Collation is the expensive part: each value is keyed once, not once per comparison.
	const keyed = [...runners].map((r) => ({ r, k: String(r[key] ?? '') }));
	keyed.sort((a, b) => collator.compare(a.k, b.k) || byId(a.r, b.r));
	return keyed.map((x) => x.r);
}

/**
 * A sorted order after some runners changed: the `touched` ids leave their places and
 * `current` (their present state; absent ones were removed) go in at theirs, by binary
 * search: k log n collations and one copy, where a new sort costs n of each.
 */
export function patchSorted(order: readonly Runner[], key: SortKey, touched: ReadonlySet<string>, current: readonly Runner[]): Runner[] {
	const compare = compareBy(key);
	const kept = touched.size ? order.filter((r) => !touched.has(r.id)) : order.slice();
	const incoming = [...current].sort(compare);
	const out: Runner[] = [];
	let from = 0;
	for (const r of incoming) {
		let lo = from;
		let hi = kept.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (compare(kept[mid]!, r) < 0) lo = mid + 1;
			else hi = mid;
		}
		for (let i = from; i < lo; i++) out.push(kept[i]!);
		out.push(r);
		from = lo;
	}
	for (let i = from; i < kept.length; i++) out.push(kept[i]!);
	return out;
}

/**
 * Filter, search, sort (stable, by id as tie-breaker) and page a list of runners.
 * `sorted` may supply the runners already in ascending order of the sort column
 * (the server keeps those per fleet version), which turns each query into one scan.
 * `outdatedOf` judges the `outdated` filter (without it every runner is `unknown`).
 */
export function queryFleet(runners: Iterable<Runner>, q: FleetQuery, now = Date.now(), sorted?: (key: SortKey) => Runner[], outdatedOf: OutdatedOf = NOT_KNOWN): Page<Runner> {
	const needle = q.q?.trim().toLowerCase() || undefined;
	const desc = q.sort.startsWith('-');
	const key = (desc ? q.sort.slice(1) : q.sort) as SortKey;
	const ordered = sorted ? sorted(key) : sortRunners(runners, key);
	const hits: Runner[] = [];
	for (const r of ordered) if (matches(r, q, needle, now, outdatedOf)) hits.push(r);
	if (desc) hits.reverse();
	return pageOf(hits, q.page, q.per_page);
}

