// A bounded in-memory time-series window: one timestamp column and one value column
// per series key, in ring buffers of a fixed number of slots (one slot per scrape).
// Memory is slots × keys × 8 bytes, whatever the number of upstream series behind a key.

export class SeriesWindow {
	private readonly times: Float64Array;
	private readonly cols = new Map<string, Float64Array>();
	/** Per key: the logical append count when it last had a value (keys silent for a whole window are dropped). */
	private readonly lastSet = new Map<string, number>();
	private start = 0;
	private len = 0;
	private appended = 0;

	constructor(readonly capacity: number) {
		if (!Number.isInteger(capacity) || capacity < 2) throw new Error('a window needs at least two slots');
		this.times = new Float64Array(capacity);
	}

	get size(): number {
		return this.len;
	}

	/**
	 * Appends one slot at `t` (ms, not before the last slot); keys absent from `row` get no
	 * sample in it. `previous` gives values for the slot before, where a key had none (a
	 * counter born since the last scrape was 0 then).
	 */
	append(t: number, row: ReadonlyMap<string, number>, previous?: ReadonlyMap<string, number>): void {
		const prevSlot = this.len > 0 ? (this.start + this.len - 1) % this.capacity : -1;
		if (this.len > 0 && t < this.timeAt(this.len - 1)) throw new Error('samples must be appended in time order');
		let slot: number;
		if (this.len < this.capacity) {
			slot = (this.start + this.len) % this.capacity;
			this.len++;
		} else {
			slot = this.start;
			this.start = (this.start + 1) % this.capacity;
		}
		this.times[slot] = t;
		this.appended++;
		for (const [key, col] of this.cols) {
			if (!row.has(key)) {
				col[slot] = NaN;
				if (this.appended - (this.lastSet.get(key) ?? 0) >= this.capacity) {
					this.cols.delete(key);
					this.lastSet.delete(key);
				}
			}
		}
		for (const [key, v] of row) {
			let col = this.cols.get(key);
			if (!col) {
				col = new Float64Array(this.capacity).fill(NaN);
				this.cols.set(key, col);
			}
			col[slot] = v;
			this.lastSet.set(key, this.appended);
			const before = previous?.get(key);
			if (before !== undefined && prevSlot >= 0 && prevSlot !== slot && Number.isNaN(col[prevSlot]!)) col[prevSlot] = before;
		}
	}

	keys(): IterableIterator<string> {
		return this.cols.keys();
	}

	has(key: string): boolean {
		return this.cols.has(key);
	}

	/** Time (ms) of logical slot `i` (0 = oldest). */
	timeAt(i: number): number {
		return this.times[(this.start + i) % this.capacity]!;
	}

	/** Value of `key` at logical slot `i`; NaN when it had none. */
	valueAt(key: string, i: number): number {
		const col = this.cols.get(key);
		return col ? col[(this.start + i) % this.capacity]! : NaN;
	}

	oldest(): number | null {
		return this.len === 0 ? null : this.timeAt(0);
	}

	newest(): number | null {
		return this.len === 0 ? null : this.timeAt(this.len - 1);
	}

	/** First logical slot with time ≥ t (size when none). */
	lowerBound(t: number): number {
		let lo = 0;
		let hi = this.len;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (this.timeAt(mid) < t) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	}

	/** The samples of `key` with fromMs ≤ t ≤ toMs, in time order. */
	range(key: string, fromMs: number, toMs: number): { times: number[]; values: number[] } {
		const times: number[] = [];
		const values: number[] = [];
		const col = this.cols.get(key);
		if (!col) return { times, values };
		for (let i = this.lowerBound(fromMs); i < this.len; i++) {
			const t = this.timeAt(i);
			if (t > toMs) break;
			const v = col[(this.start + i) % this.capacity]!;
			if (!Number.isNaN(v)) {
				times.push(t);
				values.push(v);
			}
		}
		return { times, values };
	}

	/**
	 * Copies the samples of `key` with fromMs ≤ t ≤ toMs into `times`/`values` (grown as
	 * needed) and returns how many there are: range() without allocating per call.
	 */
	samplesInto(key: string, fromMs: number, toMs: number, buf: SampleBuffer): number {
		return this.slotsInto(key, this.lowerBound(fromMs), this.lowerBound(toMs + 1), buf);
	}

	/** samplesInto by logical slots [from, to): many keys over one time range share one pair of searches. */
	slotsInto(key: string, from: number, to: number, buf: SampleBuffer): number {
		const col = this.cols.get(key);
		if (!col) return 0;
		let n = 0;
		for (let i = from; i < to; i++) {
			const slot = (this.start + i) % this.capacity;
			const t = this.times[slot]!;
			const v = col[slot]!;
			if (Number.isNaN(v)) continue;
			if (n === buf.times.length) buf.grow();
			buf.times[n] = t;
			buf.values[n] = v;
			n++;
		}
		return n;
	}

	/** The latest sample of `key` at or before `atMs` and no older than `lookbackMs` (Prometheus's instant lookup). */
	latest(key: string, atMs: number, lookbackMs: number): { t: number; v: number } | null {
		const col = this.cols.get(key);
		if (!col) return null;
		for (let i = this.lowerBound(atMs + 1) - 1; i >= 0; i--) {
			const t = this.timeAt(i);
			if (t < atMs - lookbackMs) return null;
			const v = col[(this.start + i) % this.capacity]!;
			if (!Number.isNaN(v)) return { t, v };
		}
		return null;
	}
}

/** Reusable sample storage for SeriesWindow.samplesInto. */
export class SampleBuffer {
	times = new Float64Array(256);
	values = new Float64Array(256);

	grow(): void {
		const t = new Float64Array(this.times.length * 2);
		const v = new Float64Array(this.values.length * 2);
		t.set(this.times);
		v.set(this.values);
		this.times = t;
		this.values = v;
	}
}
