import { describe, expect, it } from 'vitest';
import { SeriesWindow } from './window';

const row = (o: Record<string, number>) => new Map(Object.entries(o));

describe('SeriesWindow', () => {
	it('keeps the newest `capacity` slots in time order and drops the oldest', () => {
		const w = new SeriesWindow(3);
		for (let i = 1; i <= 5; i++) w.append(i * 1000, row({ a: i }));
		expect(w.size).toBe(3);
		expect([w.oldest(), w.newest()]).toEqual([3000, 5000]);
		expect(w.range('a', 0, 10_000)).toEqual({ times: [3000, 4000, 5000], values: [3, 4, 5] });
		expect(w.range('a', 3500, 4000)).toEqual({ times: [4000], values: [4] });
	});

	it('gives a key that was absent from a slot no sample there', () => {
		const w = new SeriesWindow(10);
		w.append(1000, row({ a: 1, b: 1 }));
		w.append(2000, row({ a: 2 }));
		w.append(3000, row({ a: 3, b: 3 }));
		expect(w.range('b', 0, 5000)).toEqual({ times: [1000, 3000], values: [1, 3] });
		expect(w.valueAt('b', 1)).toBeNaN();
	});

	it('finds the latest sample at or before a time within the lookback, like an instant query', () => {
		const w = new SeriesWindow(10);
		w.append(1000, row({ a: 1 }));
		w.append(2000, row({}));
		w.append(3000, row({ a: 3 }));
		w.append(4000, row({}));
		expect(w.latest('a', 3000, 0)).toEqual({ t: 3000, v: 3 });
		expect(w.latest('a', 4000, 0)).toBeNull();
		expect(w.latest('a', 4000, 1000)).toEqual({ t: 3000, v: 3 });
		expect(w.latest('a', 2500, 5000)).toEqual({ t: 1000, v: 1 });
		expect(w.latest('a', 500, 5000)).toBeNull();
		expect(w.latest('missing', 4000, 5000)).toBeNull();
	});

	it('forgets a key that had no sample for a whole window, so memory follows live series', () => {
		const w = new SeriesWindow(3);
		w.append(1000, row({ a: 1, gone: 1 }));
		for (let i = 2; i <= 4; i++) w.append(i * 1000, row({ a: i }));
		expect([...w.keys()]).toEqual(['a']);
	});

	it('fills the previous slot of a key born since then, never overwriting a sample', () => {
		const w = new SeriesWindow(3);
		w.append(1000, row({ a: 1 }));
		w.append(2000, row({ a: 2, born: 5 }), row({ born: 0, a: 99 }));
		expect(w.range('born', 0, 5000)).toEqual({ times: [1000, 2000], values: [0, 5] });
		expect(w.range('a', 0, 5000).values).toEqual([1, 2]);
	});

	it('refuses slots out of time order', () => {
		const w = new SeriesWindow(3);
		w.append(2000, row({ a: 1 }));
		expect(() => w.append(1000, row({ a: 1 }))).toThrow(/time order/);
	});
});
