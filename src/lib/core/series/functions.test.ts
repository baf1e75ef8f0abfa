import { describe, expect, it } from 'vitest';
import { extrapolatedIncrease, histogramQuantile } from './functions';

const s = (sec: number) => sec * 1000;

describe('extrapolatedIncrease (PromQL increase/rate)', () => {
	it('is the plain difference when samples cover the range edge to edge', () => {
		const t = [0, 15, 30, 45, 60].map(s);
		const v = [0, 15, 30, 45, 60];
		expect(extrapolatedIncrease(t, v, 0, s(60))).toBe(60);
		expect(extrapolatedIncrease(t, v, 0, s(60), true)).toBe(1);
	});

	it('extrapolates to an edge closer than 1.1 sample intervals, and half an interval otherwise', () => {
		// samples 10..40 s in [0, 60]: 10 s to the start (< 11) counts whole, 20 s to the end counts 5 s.
		const t = [10, 20, 30, 40].map(s);
		expect(extrapolatedIncrease(t, [100, 110, 120, 130], 0, s(60))).toBeCloseTo(45, 10);
		expect(extrapolatedIncrease(t, [100, 110, 120, 130], 0, s(60), true)).toBeCloseTo(0.75, 10);
	});

	it('never extrapolates below zero: the start is clipped where the counter would reach it', () => {
		// 1 → 5 over 20 s: zero is 5 s before the first sample, nearer than the 10 s to the range start.
		expect(extrapolatedIncrease([10, 20, 30].map(s), [1, 3, 5], 0, s(30))).toBeCloseTo(5, 10);
	});

	it('treats a drop as a counter reset and counts the new value from zero', () => {
		// 5 → 8, reset, 2 → 4: increases 3 + 2 + 2 = 7.
		expect(extrapolatedIncrease([0, 10, 20, 30].map(s), [5, 8, 2, 4], 0, s(30))).toBe(7);
		// Two resets in a row: 10 → 1 counts 1, 1 → 0 counts 0, then 0 → 3.
		expect(extrapolatedIncrease([0, 10, 20, 30].map(s), [10, 1, 0, 3], 0, s(30))).toBe(4);
	});

	it('answers nothing for fewer than two samples', () => {
		expect(extrapolatedIncrease([], [], 0, s(60))).toBeNull();
		expect(extrapolatedIncrease([s(10)], [4], 0, s(60))).toBeNull();
	});

	it('is zero for a counter that did not move', () => {
		expect(extrapolatedIncrease([0, 10, 20].map(s), [7, 7, 7], 0, s(20), true)).toBe(0);
	});
});

describe('histogramQuantile (PromQL histogram_quantile)', () => {
	const b = (pairs: [number, number][]) => pairs.map(([le, count]) => ({ le, count }));
	const h = b([
		[1, 10],
		[2, 20],
		[4, 40],
		[Infinity, 40]
	]);

	it('interpolates linearly within the bucket holding the rank, from 0 in the first bucket', () => {
		expect(histogramQuantile(0.25, h)).toBe(1);
		expect(histogramQuantile(0.5, h)).toBe(2);
		expect(histogramQuantile(0.75, h)).toBe(3);
		expect(histogramQuantile(0.99, h)).toBeCloseTo(3.96, 10);
		expect(histogramQuantile(0.1, h)).toBeCloseTo(0.4, 10);
	});

	it('answers the highest finite bound when the rank falls in the +Inf bucket', () => {
		expect(
			histogramQuantile(
				0.9,
				b([
					[1, 5],
					[2, 5],
					[Infinity, 10]
				])
			)
		).toBe(2);
	});

	it('is NaN without a +Inf bucket, without observations, or with a single bucket', () => {
		expect(histogramQuantile(0.5, b([[1, 3], [2, 4]]))).toBeNaN();
		expect(histogramQuantile(0.5, b([[1, 0], [Infinity, 0]]))).toBeNaN();
		expect(histogramQuantile(0.5, b([[Infinity, 5]]))).toBeNaN();
		expect(histogramQuantile(0.5, [])).toBeNaN();
	});

	it('handles empty buckets between full ones', () => {
		// Nothing between 1 and 4: the median (rank 5) is in le=8, interpolated from 4.
		const gaps = b([
			[1, 4],
			[2, 4],
			[4, 4],
			[8, 8],
			[Infinity, 10]
		]);
		expect(histogramQuantile(0.5, gaps)).toBe(5);
	});

	it('follows Prometheus for out-of-range and NaN quantiles', () => {
		expect(histogramQuantile(1.5, h)).toBe(Infinity);
		expect(histogramQuantile(-0.1, h)).toBe(-Infinity);
		expect(histogramQuantile(NaN, h)).toBeNaN();
	});

	it('evens out non-monotonic buckets and merges buckets with the same bound, in any order', () => {
		expect(
			histogramQuantile(
				0.5,
				b([
					[Infinity, 20],
					[2, 8],
					[1, 10]
				])
			)
		).toBe(1);
		expect(
			histogramQuantile(
				0.5,
				b([
					[1, 5],
					[1, 5],
					[2, 20],
					[Infinity, 20]
				])
			)
		).toBe(1);
	});
});
