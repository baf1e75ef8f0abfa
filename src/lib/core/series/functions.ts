// PromQL's rate()/increase() and histogram_quantile() over in-process samples, with
// Prometheus 2.x semantics, so the built-in scraper's panels read like Prometheus's.

/**
 * increase() (or rate() when `perSecond`) of counter samples in [startMs, endMs]:
 * resets handled (a drop counts the new value from zero) and the result extrapolated
 * to the range's edges exactly as Prometheus's extrapolatedRate does. Null with fewer
 * than two samples.
 */
export function extrapolatedIncrease(times: ArrayLike<number>, values: ArrayLike<number>, startMs: number, endMs: number, perSecond = false): number | null {
	const n = times.length;
	if (n < 2) return null;
	const first = values[0]!;
	let result = values[n - 1]! - first;
	let prev = first;
	for (let i = 1; i < n; i++) {
		const v = values[i]!;
		if (v < prev) result += prev;
		prev = v;
	}
	let toStart = (times[0]! - startMs) / 1000;
	const toEnd = (endMs - times[n - 1]!) / 1000;
	const sampled = (times[n - 1]! - times[0]!) / 1000;
	if (sampled <= 0) return null;
	const avgStep = sampled / (n - 1);
	// A counter cannot go below zero: never extrapolate past where it would reach zero.
	if (result > 0 && first >= 0) {
		const toZero = sampled * (first / result);
		if (toZero < toStart) toStart = toZero;
	}
	const threshold = avgStep * 1.1;
	let interval = sampled;
	interval += toStart < threshold ? toStart : avgStep / 2;
	interval += toEnd < threshold ? toEnd : avgStep / 2;
	let factor = interval / sampled;
	if (perSecond) factor /= (endMs - startMs) / 1000;
	return result * factor;
}

export interface Bucket {
	/** Upper bound (`le`); the last bucket must be +Inf. */
	le: number;
	/** Cumulative count (or rate) of observations ≤ le. */
	count: number;
}

/**
 * histogram_quantile(q, buckets): linear interpolation within the bucket holding the
 * rank, the lower bound of the first bucket taken as 0; NaN without a +Inf bucket,
 * with fewer than two buckets or no observations; a rank in the +Inf bucket answers the
 * highest finite bound.
 */
export function histogramQuantile(q: number, input: readonly Bucket[]): number {
	if (Number.isNaN(q)) return NaN;
	if (q < 0) return -Infinity;
	if (q > 1) return Infinity;
	const buckets = [...input].sort((a, b) => a.le - b.le);
	if (buckets.length === 0 || buckets[buckets.length - 1]!.le !== Infinity) return NaN;
	// Buckets with the same bound (e.g. from two series) add up.
	const merged: Bucket[] = [];
	for (const b of buckets) {
		const last = merged[merged.length - 1];
		if (last && last.le === b.le) last.count += b.count;
		else merged.push({ ...b });
	}
	// Scrapes of different buckets at slightly different moments can break monotonicity; Prometheus evens it out.
	let max = -Infinity;
	for (const b of merged) {
		if (b.count > max) max = b.count;
		else if (b.count < max) b.count = max;
	}
	return sortedQuantile(
		q,
		merged.map((b) => b.le),
		merged.map((b) => b.count)
	);
}

/**
 * histogram_quantile over buckets already sorted by unique bound, the last +Inf, with
 * monotonic counts (what histogramQuantile prepares); allocates nothing.
 */
export function sortedQuantile(q: number, les: ArrayLike<number>, counts: ArrayLike<number>): number {
	const n = les.length;
	if (n < 2) return NaN;
	const observations = counts[n - 1]!;
	if (!(observations > 0)) return NaN;
	let rank = q * observations;
	let b = n - 1;
	for (let i = 0; i < n - 1; i++) {
		if (counts[i]! >= rank) {
			b = i;
			break;
		}
	}
	if (b === n - 1) return les[n - 2]!;
	if (b === 0 && les[0]! <= 0) return les[0]!;
	let start = 0;
	const end = les[b]!;
	let count = counts[b]!;
	if (b > 0) {
		start = les[b - 1]!;
		count -= counts[b - 1]!;
		rank -= counts[b - 1]!;
	}
	return start + (end - start) * (rank / count);
}
