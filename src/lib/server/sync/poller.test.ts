import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseRetryAfter, UpstreamError } from '$lib/sources/errors';
import { MAX_RETRY_AFTER_MS, Poller, retryDelay } from './poller';

const T0 = Date.parse('2025-03-01T00:00:00Z');

/** A poller whose cycle follows a script of outcomes and records when it ran (ms after T0). */
function scripted(outcomes: (Error | 'ok')[], opts: { intervalMs?: number; maxBackoffMs?: number } = {}) {
	const runs: number[] = [];
	const errors: unknown[] = [];
	const poller = new Poller({
		name: 'test',
		intervalMs: opts.intervalMs ?? 1000,
		maxBackoffMs: opts.maxBackoffMs,
		random: () => 0,
		cycle: async () => {
			runs.push(Date.now() - T0);
			const next = outcomes.length > 1 ? outcomes.shift()! : outcomes[0]!;
			if (next !== 'ok') throw next;
		},
		onError: (e) => errors.push(e)
	});
	return { poller, runs, errors };
}

describe('Poller', () => {
	beforeEach(() => {
		vi.useFakeTimers({ now: T0 });
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	it('runs at once on start, then every interval', async () => {
		const { poller, runs, errors } = scripted(['ok']);
		poller.start();
		await vi.advanceTimersByTimeAsync(3500);
		expect(runs).toEqual([0, 1000, 2000, 3000]);
		expect(errors).toEqual([]);
		await poller.stop();
	});

	it('backs off exponentially on failure, up to the maximum', async () => {
		const boom = new Error('boom');
		const { poller, runs, errors } = scripted([boom], { intervalMs: 1000, maxBackoffMs: 8000 });
		poller.start();
		await vi.advanceTimersByTimeAsync(40_000);
		// Gaps: 1s, 2s, 4s, 8s, then capped at 8s.
		expect(runs).toEqual([0, 1000, 3000, 7000, 15_000, 23_000, 31_000, 39_000]);
		expect(errors).toHaveLength(runs.length);
		expect(errors.every((e) => e === boom)).toBe(true);
		await poller.stop();
	});

	it('caps backoff at 60s by default', async () => {
		const { poller, runs } = scripted([new Error('down')], { intervalMs: 20_000 });
		poller.start();
		await vi.advanceTimersByTimeAsync(300_000);
		expect(runs).toEqual([0, 20_000, 60_000, 120_000, 180_000, 240_000, 300_000]);
		await poller.stop();
	});

	it('waits as long as Retry-After asks when that is longer than the backoff', async () => {
		const limited = new UpstreamError('corp', 'rate_limited', '429', 429, 30_000);
		const { poller, runs } = scripted([limited, 'ok'], { intervalMs: 1000 });
		poller.start();
		await vi.advanceTimersByTimeAsync(29_999);
		expect(runs).toEqual([0]);
		await vi.advanceTimersByTimeAsync(1);
		expect(runs).toEqual([0, 30_000]);
		await vi.advanceTimersByTimeAsync(1000);
		expect(runs).toEqual([0, 30_000, 31_000]);
		await poller.stop();
	});

	it('keeps the backoff when Retry-After is shorter', async () => {
		const short = new UpstreamError('corp', 'rate_limited', '429', 429, 10);
		const { poller, runs } = scripted([new Error('a'), short, 'ok'], { intervalMs: 1000 });
		poller.start();
		await vi.advanceTimersByTimeAsync(4000);
		expect(runs).toEqual([0, 1000, 3000, 4000]);
		await poller.stop();
	});

	it('recovers to the normal interval after a success', async () => {
		const e = new Error('flaky');
		const { poller, runs, errors } = scripted([e, e, e, 'ok'], { intervalMs: 1000 });
		poller.start();
		await vi.advanceTimersByTimeAsync(10_000);
		// Failures at 0, 1000, 3000; success at 7000; then every second again.
		expect(runs).toEqual([0, 1000, 3000, 7000, 8000, 9000, 10_000]);
		expect(errors).toHaveLength(3);
		await poller.stop();
	});

	it('restarts the backoff from the interval after recovering', async () => {
		const e = new Error('flaky');
		const { poller, runs } = scripted([e, e, 'ok', e, 'ok'], { intervalMs: 1000 });
		poller.start();
		await vi.advanceTimersByTimeAsync(6000);
		expect(runs).toEqual([0, 1000, 3000, 4000, 5000, 6000]);
		await poller.stop();
	});

	it('stop() clears the timer and no cycle runs afterwards', async () => {
		const { poller, runs } = scripted(['ok']);
		poller.start();
		await vi.advanceTimersByTimeAsync(1500);
		expect(vi.getTimerCount()).toBe(1);
		await poller.stop();
		expect(vi.getTimerCount()).toBe(0);
		await vi.advanceTimersByTimeAsync(10_000);
		expect(runs).toEqual([0, 1000]);
	});

	it('stop() during a cycle waits for it and schedules nothing after', async () => {
		let finish!: () => void;
		let calls = 0;
		const poller = new Poller({
			name: 'slow',
			intervalMs: 1000,
			cycle: () => {
				calls++;
				return new Promise<void>((r) => (finish = r));
			},
			onError: () => {}
		});
		poller.start();
		await vi.advanceTimersByTimeAsync(0);
		expect(calls).toBe(1);
		let stopped = false;
		const stopping = poller.stop().then(() => (stopped = true));
		await vi.advanceTimersByTimeAsync(0);
		expect(stopped).toBe(false);
		finish();
		await stopping;
		expect(vi.getTimerCount()).toBe(0);
		await vi.advanceTimersByTimeAsync(5000);
		expect(calls).toBe(1);
	});

	it('runNow() runs a cycle at once and restarts the interval from there', async () => {
		const { poller, runs } = scripted(['ok']);
		poller.start();
		await vi.advanceTimersByTimeAsync(1500);
		await poller.runNow();
		expect(runs).toEqual([0, 1000, 1500]);
		await vi.advanceTimersByTimeAsync(1000);
		expect(runs).toEqual([0, 1000, 1500, 2500]);
		expect(vi.getTimerCount()).toBe(1);
		await poller.stop();
	});

	it('runNow() joins a cycle already running instead of starting another', async () => {
		let finish!: () => void;
		let calls = 0;
		const poller = new Poller({
			name: 'slow',
			intervalMs: 1000,
			cycle: () => {
				calls++;
				return new Promise<void>((r) => (finish = r));
			},
			onError: () => {}
		});
		poller.start();
		await vi.advanceTimersByTimeAsync(0);
		const joined = poller.runNow();
		finish();
		await joined;
		expect(calls).toBe(1);
		await poller.stop();
	});
});

describe('parseRetryAfter', () => {
	const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');

	it('reads delta-seconds', () => {
		expect(parseRetryAfter('120', now)).toBe(120_000);
		expect(parseRetryAfter('0', now)).toBe(0);
		expect(parseRetryAfter(' 5 ', now)).toBe(5000);
	});

	it('reads an HTTP date relative to now', () => {
		expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', now)).toBe(30_000);
		expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
	});

	it('returns undefined for nothing or garbage', () => {
		expect(parseRetryAfter(undefined, now)).toBeUndefined();
		expect(parseRetryAfter(null, now)).toBeUndefined();
		expect(parseRetryAfter('', now)).toBeUndefined();
		expect(parseRetryAfter('soon', now)).toBeUndefined();
	});
});

describe('retryDelay', () => {
	const none = () => 0;
	it('doubles from the interval up to the cap, and honours Retry-After', () => {
		expect([1, 2, 3, 4, 10].map((f) => retryDelay(f, 5_000, 60_000, 0, none))).toEqual([5_000, 10_000, 20_000, 40_000, 60_000]);
		expect(retryDelay(1, 5_000, 60_000, 120_000, none)).toBe(120_000);
	});

	it('clamps a Retry-After past an hour (setTimeout fires at once past ~24.8 days) and never goes below the backoff', () => {
		expect(retryDelay(1, 5_000, 60_000, 30 * 86_400_000, none)).toBe(MAX_RETRY_AFTER_MS);
		expect(retryDelay(1, 5_000, 60_000, -5, none)).toBe(5_000);
	});

	it('adds up to 10 % jitter', () => {
		expect(retryDelay(1, 5_000, 60_000, 0, () => 0.999)).toBe(5_500);
		const seen = new Set(Array.from({ length: 50 }, () => retryDelay(2, 5_000, 60_000, 0)));
		expect(seen.size).toBeGreaterThan(1);
		for (const d of seen) expect(d).toBeGreaterThanOrEqual(10_000), expect(d).toBeLessThanOrEqual(11_000);
	});
});
