import { describe, expect, it } from 'vitest';
import { ReplicaHistory } from './history';

describe('ReplicaHistory', () => {
	it('stores changes at once and unchanged values only on the heartbeat', () => {
		const h = new ReplicaHistory();
		expect(h.record(1000, 2, 2, 8)).toBe(true);
		expect(h.record(1010, 2, 2, 8)).toBe(false);
		expect(h.record(1015, 2, 2, 8)).toBe(true);
		expect(h.record(1020, 3, 4, 8)).toBe(true);
		expect(h.record(1019, 9, 9, 9)).toBe(false);
		expect(h.size).toBe(3);
	});

	it('lets samples closer than the minimum step replace each other', () => {
		const h = new ReplicaHistory();
		h.record(1000, 1, 1, 8);
		h.record(1002, 2, 2, 8);
		h.record(1003, 3, 3, 8);
		expect(h.size).toBe(1);
		expect(h.points(1000, 1003, 5)).toEqual([[1000, 3, 3, 8]]);
	});

	it('answers peaks per step and carries a value forward between heartbeats', () => {
		const h = new ReplicaHistory();
		// The grid is aligned to multiples of the step, so every autoscaler shares it.
		h.record(990, 1, 2, 8);
		h.record(996, 4, 5, 8);
		h.record(1011, 4, 5, 8);
		h.record(1026, 2, 2, 8);
		expect(h.points(990, 1050, 15)).toEqual([
			[990, 4, 5, 8],
			[1005, 4, 5, 8],
			[1020, 2, 2, 8],
			[1035, 2, 2, 8],
			[1050, 2, 2, 8]
		]);
	});

	it('leaves a gap where nothing was observed', () => {
		const h = new ReplicaHistory();
		h.record(990, 1, 1, 8);
		h.record(1290, 2, 2, 8);
		const pts = h.points(990, 1290, 15);
		expect(pts.map((p) => p[0])).toEqual([990, 1005, 1020, 1035, 1290]);
		expect(pts.at(-1)).toEqual([1290, 2, 2, 8]);
	});

	it('keeps a week bounded: fine samples for 6 h, then 5-minute peaks, nothing older than 7 d', () => {
		const h = new ReplicaHistory();
		const start = 1_000_000;
		const week = 7 * 86400;
		for (let t = start; t <= start + week + 3600; t += 15) h.record(t, Math.floor(t / 15) % 7, 3, 8);
		// 6 h at 15 s = 1,441 fine points plus at most 7 d / 5 min coarse buckets.
		expect(h.size).toBeLessThanOrEqual(1441 + 2017);
		const now = start + week + 3600;
		const old = h.points(now - week, now, 1800);
		expect(old[0]![0]).toBeGreaterThanOrEqual(now - week - 1800);
		expect(old.length).toBeGreaterThan(330);
		// Folded buckets keep the peak: every 5-minute bucket saw a 6.
		expect(h.points(now - 86400, now - 7 * 3600, 300).every((p) => p[1] === 6)).toBe(true);
	});

	it('stays bounded when the count changes on every event', () => {
		const h = new ReplicaHistory();
		for (let t = 0; t < 86400; t += 0.5) h.record(t, Math.floor(t) % 2, 1, 2);
		expect(h.size).toBeLessThanOrEqual(6 * 3600 / 5 + 1 + 86400 / 300);
	});
});
