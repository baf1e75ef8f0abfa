import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_S, retryAfterSeconds } from './throttle';

describe('retryAfterSeconds', () => {
	it('is the rest of the window plus up to 10 % jitter', () => {
		expect(retryAfterSeconds(600_000, () => 0)).toBe(600);
		expect(retryAfterSeconds(600_000, () => 0.5)).toBe(630);
		expect(retryAfterSeconds(600_000, () => 0.999)).toBe(660);
	});

	it('jitters short waits by up to a second and never answers 0', () => {
		expect(retryAfterSeconds(0, () => 0)).toBe(1);
		expect(retryAfterSeconds(-5_000, () => 0)).toBe(1);
		expect(retryAfterSeconds(2_000, () => 0.9)).toBe(3);
	});

	it('never exceeds an hour', () => {
		expect(retryAfterSeconds(24 * 3_600_000, () => 0)).toBe(MAX_RETRY_AFTER_S);
		expect(retryAfterSeconds(3_590_000, () => 0.99)).toBe(MAX_RETRY_AFTER_S);
		expect(MAX_RETRY_AFTER_S).toBe(3600);
	});
});
