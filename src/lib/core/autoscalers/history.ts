// An autoscaler's replica counts over time (current, desired, max), kept in memory and
// bounded: full resolution for the last hours, per-bucket peaks for the rest of a week.
import type { CapacityWindow } from '../capacity/types';

/** [unix seconds, current, desired, max]: one replica-history point. */
export type ReplicaPoint = [number, number | null, number | null, number | null];

/** History step per window, so every window answers a few hundred points (readable and light at 7 d). */
export const HISTORY_STEP_S: Record<CapacityWindow, number> = { '1h': 15, '6h': 60, '24h': 300, '7d': 1800 };

export interface ReplicaHistoryOptions {
	/** How long samples are kept at full resolution. */
	fineSpanS: number;
	/** Closer samples replace each other, so a flapping count cannot grow the buffer. */
	fineMinStepS: number;
	/** Older samples are folded into buckets of this size (the peak of each). */
	coarseStepS: number;
	/** Nothing older than this is kept. */
	spanS: number;
	/** An unchanged value is stored again only after this long (the sampling heartbeat). */
	heartbeatS: number;
}

export const DEFAULT_HISTORY: ReplicaHistoryOptions = { fineSpanS: 6 * 3600, fineMinStepS: 5, coarseStepS: 300, spanS: 7 * 86400, heartbeatS: 15 };

/**
 * Samples in time order, column-wise in typed arrays (32 bytes a point; null as NaN):
 * appended at the end, dropped from the front, never more than `max` of them.
 */
class Columns {
	t = new Float64Array(0);
	c = new Float64Array(0);
	d = new Float64Array(0);
	m = new Float64Array(0);
	start = 0;
	end = 0;

	constructor(private max: number) {}

	get length(): number {
		return this.end - this.start;
	}

	push(t: number, c: number, d: number, m: number): void {
		if (this.end === this.t.length) this.makeRoom();
		const i = this.end++;
		this.t[i] = t;
		this.c[i] = c;
		this.d[i] = d;
		this.m[i] = m;
	}

	set(i: number, t: number, c: number, d: number, m: number): void {
		const j = this.start + i;
		this.t[j] = t;
		this.c[j] = c;
		this.d[j] = d;
		this.m[j] = m;
	}

	/** Grows (doubling, up to `max`) or slides the live part to the front. */
	private makeRoom(): void {
		const n = this.length;
		const size = this.start > 0 && n < this.t.length / 2 ? this.t.length : Math.min(Math.max(64, this.t.length * 2), this.max);
		if (size <= n) throw new Error('replica history full');
		const reuse = size === this.t.length;
		for (const k of ['t', 'c', 'd', 'm'] as const) {
			const next = reuse ? this[k] : new Float64Array(size);
			next.set(this[k].subarray(this.start, this.end), 0);
			this[k] = next;
		}
		this.start = 0;
		this.end = n;
	}

	/** Index (from the front) of the first sample at or after `t`. */
	firstAtOrAfter(t: number): number {
		let lo = this.start;
		let hi = this.end;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (this.t[mid]! < t) lo = mid + 1;
			else hi = mid;
		}
		return lo - this.start;
	}

	at(i: number): ReplicaPoint {
		const j = this.start + i;
		return [this.t[j]!, orNull(this.c[j]!), orNull(this.d[j]!), orNull(this.m[j]!)];
	}
}

const orNaN = (v: number | null) => (v === null ? Number.NaN : v);
const orNull = (v: number) => (Number.isNaN(v) ? null : v);

/**
 * One autoscaler's replica counts over time, bounded: the last `fineSpanS` at full
 * resolution (at most one point per `fineMinStepS`), older ones as per-bucket peaks up
 * to `spanS`. At the defaults that is at most 4,322 + 2,018 points, about 200 KB.
 */
export class ReplicaHistory {
	private fine: Columns;
	private coarse: Columns;

	constructor(private opts: ReplicaHistoryOptions = DEFAULT_HISTORY) {
		this.fine = new Columns(Math.ceil(opts.fineSpanS / opts.fineMinStepS) + 2);
		this.coarse = new Columns(Math.ceil(opts.spanS / opts.coarseStepS) + 2);
	}

	/** Stores a sample if it changed or the heartbeat elapsed; samples older than the last one are ignored. */
	record(t: number, current: number | null, desired: number | null, max: number | null): boolean {
		const n = this.fine.length;
		const last = n > 0 ? this.fine.at(n - 1) : undefined;
		if (last && t < last[0]) return false;
		const same = last && last[1] === current && last[2] === desired && last[3] === max;
		if (last && same && t - last[0] < this.opts.heartbeatS) return false;
		// Age first, so the fine tier has room: everything in it is younger than fineSpanS.
		this.age(t);
		if (last && t - last[0] < this.opts.fineMinStepS && this.fine.length === n) this.fine.set(n - 1, t, orNaN(current), orNaN(desired), orNaN(max));
		else this.fine.push(t, orNaN(current), orNaN(desired), orNaN(max));
		return true;
	}

	private age(now: number): void {
		const { fineSpanS, coarseStepS, spanS } = this.opts;
		const f = this.fine;
		while (f.length > 0 && f.t[f.start]! < now - fineSpanS) {
			const [t, c, d, m] = f.at(0);
			f.start++;
			const bucket = Math.floor(t / coarseStepS) * coarseStepS;
			const k = this.coarse.length;
			const prev = k > 0 ? this.coarse.at(k - 1) : undefined;
			if (prev && prev[0] === bucket) this.coarse.set(k - 1, bucket, orNaN(peak(prev[1], c)), orNaN(peak(prev[2], d)), orNaN(m));
			else this.coarse.push(bucket, orNaN(c), orNaN(d), orNaN(m));
		}
		const g = this.coarse;
		while (g.length > 0 && g.t[g.start]! < now - spanS) g.start++;
	}

	/** When the last sample was taken; null before the first. */
	get lastAt(): number | null {
		if (this.fine.length > 0) return this.fine.at(this.fine.length - 1)[0];
		return this.coarse.length > 0 ? this.coarse.at(this.coarse.length - 1)[0] : null;
	}

	/** Points stored (both tiers). */
	get size(): number {
		return this.fine.length + this.coarse.length;
	}

	/**
	 * The history from `from` to `to` on a grid of `step` seconds: each bucket's peak current
	 * and desired and its last max. A bucket without a sample carries the previous value
	 * forward while sampling went on (within `3 × heartbeat` or one step); otherwise it is
	 * left out, so a chart shows a gap where nothing was observed.
	 */
	points(from: number, to: number, step: number): ReplicaPoint[] {
		const out: ReplicaPoint[] = [];
		const carryFor = Math.max(step, 3 * this.opts.heartbeatS);
		let b = Math.floor(from / step) * step;
		// The open bucket (peaks so far) and the last sample seen, as plain numbers (NaN = none).
		let has = false;
		let bc = Number.NaN;
		let bd = Number.NaN;
		let bm = Number.NaN;
		let lt = Number.NaN;
		let lc = Number.NaN;
		let ld = Number.NaN;
		let lm = Number.NaN;
		const close = (until: number) => {
			while (b < until && b <= to) {
				if (has) out.push([b, orNull(bc), orNull(bd), orNull(bm)]);
				else if (b - lt <= carryFor) out.push([b, orNull(lc), orNull(ld), orNull(lm)]);
				has = false;
				b += step;
			}
		};
		for (const tier of [this.coarse, this.fine]) {
			const { t, c, d, m } = tier;
			for (let j = tier.start + tier.firstAtOrAfter(from - step); j < tier.end && t[j]! <= to; j++) {
				const tj = t[j]!;
				if (tj >= b) {
					close(Math.floor(tj / step) * step);
					if (has) {
						bc = maxNaN(bc, c[j]!);
						bd = maxNaN(bd, d[j]!);
					} else {
						bc = c[j]!;
						bd = d[j]!;
						has = true;
					}
					bm = m[j]!;
				}
				lt = tj;
				lc = c[j]!;
				ld = d[j]!;
				lm = m[j]!;
			}
		}
		close(to + step);
		return out.filter((p) => p[0] + step > from);
	}
}

/** The larger of two values where NaN means none. */
function maxNaN(a: number, b: number): number {
	if (Number.isNaN(a)) return b;
	if (Number.isNaN(b)) return a;
	return Math.max(a, b);
}

function peak(a: number | null, b: number | null): number | null {
	if (a === null) return b;
	if (b === null) return a;
	return Math.max(a, b);
}
