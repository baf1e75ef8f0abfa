// The capacity panels computed from the built-in scraper's window, with the same
// meaning as the PromQL in panels.ts: instant gauges, rate()/increase() with resets and
// extrapolation, histogram_quantile() over summed bucket increases.
import { extrapolatedIncrease, histogramQuantile, sortedQuantile } from '../series/functions';
import { SampleBuffer, type SeriesWindow } from '../series/window';
import { parseSeriesKey, type Field } from './aggregate';
import type { Forge } from '../runner';
import { FORGES, SERIES_STEP_S, groupKind, seriesEndS, seriesRangeS } from './panels';
import { WINDOW_SECONDS } from './types';
import type { CapacityGroup, CapacitySeries, CapacityWindow, PanelId } from './types';

const finite = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : v);
const sumOf = (vs: (number | null)[]): number | null => (vs.some((v) => v !== null) ? vs.reduce<number>((a, v) => a + (v ?? 0), 0) : null);
const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : finite(a / b));

/** The groups in the window, with their series keys (counters by bucket bound or failure reason). */
interface GroupIndex {
	forge: Forge;
	group: string;
	keys: Partial<Record<Field, string>>;
	subs: Record<'failed' | 'wait' | 'duration', { sub: string; key: string }[]>;
	/** Histogram buckets sorted by bound (the last +Inf when the histogram is complete), and their bounds as one string. */
	buckets: Record<'wait' | 'duration', { les: number[]; keys: string[]; signature: string }>;
}

function indexGroups(win: SeriesWindow): GroupIndex[] {
	const out = new Map<string, GroupIndex>();
	for (const key of win.keys()) {
		const k = parseSeriesKey(key);
		const id = `${k.forge}/${k.group}`;
		let g = out.get(id);
		if (!g) {
			g = { forge: k.forge, group: k.group, keys: {}, subs: { failed: [], wait: [], duration: [] }, buckets: undefined as never };
			out.set(id, g);
		}
		if (k.field === 'failed' || k.field === 'wait' || k.field === 'duration') g.subs[k.field].push({ sub: k.sub, key });
		else g.keys[k.field] = key;
	}
	for (const g of out.values()) {
		g.buckets = { wait: sortedBuckets(g.subs.wait), duration: sortedBuckets(g.subs.duration) };
	}
	return [...out.values()].sort((a, b) => (a.forge === b.forge ? a.group.localeCompare(b.group) : a.forge === 'gitlab' ? -1 : 1));
}

function sortedBuckets(subs: { sub: string; key: string }[]): { les: number[]; keys: string[]; signature: string } {
	const parsed = subs.map((s) => ({ le: s.sub === '+Inf' ? Infinity : Number(s.sub), key: s.key })).filter((b) => !Number.isNaN(b.le));
	parsed.sort((a, b) => a.le - b.le);
	return { les: parsed.map((b) => b.le), keys: parsed.map((b) => b.key), signature: parsed.map((b) => b.le).join(',') };
}

const counts = new Float64Array(64);

const buffer = new SampleBuffer();

/** Evaluates fields of groups at one moment, over one range; each series' increase is computed once. */
class Evaluator {
	private increases = new Map<string, number | null>();
	/** The range's logical slots [from, to): the same for every series of the window. */
	private readonly from: number;
	private readonly to: number;

	constructor(
		private readonly win: SeriesWindow,
		private readonly at: number,
		private readonly rangeMs: number,
		private readonly lookbackMs: number
	) {
		this.from = win.lowerBound(at - rangeMs);
		this.to = win.lowerBound(at + 1);
	}

	gauge(g: GroupIndex, field: Field): number | null {
		const key = g.keys[field];
		return key === undefined ? null : (this.win.latest(key, this.at, this.lookbackMs)?.v ?? null);
	}

	/** increase() of one series over the range (rate() with `perSecond`). */
	increase(key: string | undefined, perSecond = false): number | null {
		if (key === undefined) return null;
		let inc = this.increases.get(key);
		if (inc === undefined) {
			const n = this.win.slotsInto(key, this.from, this.to, buffer);
			inc = extrapolatedIncrease(buffer.times.subarray(0, n), buffer.values.subarray(0, n), this.at - this.rangeMs, this.at);
			this.increases.set(key, inc);
		}
		return inc === null || !perSecond ? inc : inc / (this.rangeMs / 1000);
	}

	/** The quantile over the summed bucket increases of the given groups (one group, or a whole forge). */
	quantile(groups: GroupIndex[], field: 'wait' | 'duration', q: number): number | null {
		const fast = this.quantileSameBuckets(groups, field, q);
		if (fast !== undefined) return fast;
		const byLe = new Map<number, number>();
		for (const g of groups) {
			for (const { sub, key } of g.subs[field]) {
				const inc = this.increase(key);
				if (inc === null) continue;
				const le = sub === '+Inf' ? Infinity : Number(sub);
				if (Number.isNaN(le)) continue;
				byLe.set(le, (byLe.get(le) ?? 0) + inc);
			}
		}
		if (byLe.size === 0) return null;
		return finite(histogramQuantile(q, [...byLe].map(([le, count]) => ({ le, count }))));
	}

	/**
	 * The common case without allocating: every group has the same complete buckets, each
	 * with an increase. Undefined when that does not hold (the general path decides).
	 */
	private quantileSameBuckets(groups: GroupIndex[], field: 'wait' | 'duration', q: number): number | null | undefined {
		const first = groups[0]?.buckets[field];
		if (!first || first.les.length < 2 || first.les.length > counts.length || first.les[first.les.length - 1] !== Infinity) return undefined;
		if (groups.some((g) => g.buckets[field].signature !== first.signature)) return undefined;
		const n = first.les.length;
		counts.fill(0, 0, n);
		for (const g of groups) {
			const keys = g.buckets[field].keys;
			for (let i = 0; i < n; i++) {
				const inc = this.increase(keys[i]);
				if (inc === null) return undefined;
				counts[i]! += inc;
			}
		}
		// Prometheus evens out non-monotonic buckets (buckets scraped at slightly different moments).
		for (let i = 1; i < n; i++) if (counts[i]! < counts[i - 1]!) counts[i] = counts[i - 1]!;
		return finite(sortedQuantile(q, first.les, counts));
	}

	pending(g: GroupIndex): number | null {
		if (g.forge === 'gitlab') return this.gauge(g, 'pending');
		const assigned = this.gauge(g, 'assigned');
		const running = this.gauge(g, 'running');
		return assigned === null || running === null ? null : assigned - running;
	}

	/** Numerator and denominator of saturation: running/concurrent jobs (GitLab), busy/registered runners (ARC). */
	load(g: GroupIndex): [number | null, number | null] {
		return g.forge === 'gitlab' ? [this.gauge(g, 'running'), this.gauge(g, 'concurrent')] : [this.gauge(g, 'busy'), this.gauge(g, 'registered')];
	}

	failures(g: GroupIndex): Record<string, number> {
		const out: Record<string, number> = {};
		for (const { sub, key } of g.subs.failed) {
			const inc = this.increase(key);
			if (inc !== null) out[sub] = inc;
		}
		return out;
	}

	jobsPerMinute(g: GroupIndex): number | null {
		const r = this.increase(g.keys.jobs, true);
		return r === null ? null : r * 60;
	}

	/** One panel's value for a set of groups: one group, or all of a forge's (the total). */
	panel(groups: GroupIndex[], panel: PanelId): number | null {
		switch (panel) {
			case 'pending':
				return sumOf(groups.map((g) => this.pending(g)));
			case 'running':
				return sumOf(groups.map((g) => this.gauge(g, 'running')));
			case 'saturation': {
				const loads = groups.map((g) => this.load(g));
				return ratio(
					sumOf(loads.map((l) => l[0])),
					sumOf(loads.map((l) => l[1]))
				);
			}
			case 'wait_p50_s':
				return this.quantile(groups, 'wait', 0.5);
			case 'wait_p95_s':
				return this.quantile(groups, 'wait', 0.95);
			case 'duration_p50_s':
				return this.quantile(groups, 'duration', 0.5);
			case 'duration_p95_s':
				return this.quantile(groups, 'duration', 0.95);
			case 'jobs_per_minute':
				return sumOf(groups.map((g) => this.jobsPerMinute(g)));
			case 'failures': {
				const all = groups.flatMap((g) => Object.values(this.failures(g)));
				return all.length === 0 ? null : all.reduce((a, b) => a + b, 0);
			}
		}
	}

	row(forge: Forge, group: string | null, groups: GroupIndex[]): CapacityGroup {
		const failures: Record<string, number> = {};
		for (const g of groups) for (const [reason, n] of Object.entries(this.failures(g))) failures[reason] = (failures[reason] ?? 0) + n;
		return {
			forge,
			kind: group === null ? 'forge' : groupKind(forge),
			group,
			pending: this.panel(groups, 'pending'),
			running: this.panel(groups, 'running'),
			wait_p50_s: this.panel(groups, 'wait_p50_s'),
			wait_p95_s: this.panel(groups, 'wait_p95_s'),
			saturation: this.panel(groups, 'saturation'),
			duration_p50_s: this.panel(groups, 'duration_p50_s'),
			duration_p95_s: this.panel(groups, 'duration_p95_s'),
			jobs_per_minute: this.panel(groups, 'jobs_per_minute'),
			failures
		};
	}
}

export interface WindowSnapshot {
	items: CapacityGroup[];
	/** The scrape the values are from (ms), null when the window is empty. */
	at: number | null;
	/** Seconds of data the windowed values cover (less than the window while the window fills). */
	covered_s: number | null;
}

/** Every group and forge total at the window's newest scrape, rates and quantiles over `window`. */
export function snapshotFromWindow(win: SeriesWindow, window: CapacityWindow): WindowSnapshot {
	const at = win.newest();
	if (at === null) return { items: [], at: null, covered_s: null };
	const oldest = win.oldest()!;
	// While the window fills, rates divide by the time actually covered, not by a window the scraper has not seen.
	const rangeMs = Math.min(WINDOW_SECONDS[window] * 1000, Math.max(at - oldest, 1));
	// Instant values come from the newest scrape only: a group whose endpoint failed it has none, as after a Prometheus staleness marker.
	const ev = new Evaluator(win, at, rangeMs, 0);
	const groups = indexGroups(win);
	const items: CapacityGroup[] = [];
	for (const forge of FORGES) {
		const mine = groups.filter((g) => g.forge === forge);
		if (mine.length === 0) continue;
		items.push(ev.row(forge, null, mine));
		for (const g of mine) items.push(ev.row(forge, g.group, [g]));
	}
	return { items, at, covered_s: rangeMs / 1000 };
}

export interface WindowSeries {
	series: CapacitySeries[];
	step_s: number;
	range_s: number;
}

/**
 * One panel over `window` ending at `endMs` (on the 15 s grid), one point per step:
 * gauges as the latest scrape within `lookbackMs`, rates/quantiles over max(step, 60 s).
 * Points before the window's oldest scrape are null: nothing is invented.
 */
export function seriesFromWindow(win: SeriesWindow, panel: PanelId, window: CapacityWindow, endMs: number, lookbackMs: number): WindowSeries {
	const step = SERIES_STEP_S[window];
	const range = seriesRangeS(step);
	const end = seriesEndS(endMs);
	const start = end - WINDOW_SECONDS[window];
	const groups = indexGroups(win);
	const targets: { forge: Forge; group: string | null; groups: GroupIndex[] }[] = [];
	for (const forge of FORGES) {
		const mine = groups.filter((g) => g.forge === forge);
		if (mine.length === 0) continue;
		targets.push({ forge, group: null, groups: mine });
		for (const g of mine) targets.push({ forge, group: g.group, groups: [g] });
	}
	const series: CapacitySeries[] = targets.map((t) => ({ forge: t.forge, group: t.group, points: [] }));
	const oldest = win.oldest();
	for (let t = start; t <= end; t += step) {
		const ev = oldest !== null && t * 1000 >= oldest ? new Evaluator(win, t * 1000, range * 1000, lookbackMs) : null;
		targets.forEach((target, i) => series[i]!.points.push([t, ev ? ev.panel(target.groups, panel) : null]));
	}
	return { series, step_s: step, range_s: range };
}
