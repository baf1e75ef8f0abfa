// GitHub's primary rate-limit headers (x-ratelimit-*). The sandbox counts requests in
// fixed real-time hour windows so the numbers move like upstream's, but never throttles
// by itself: throttling is the `rate_limit` fault (a secondary limit, with retry-after).

export const RATE_LIMIT_PER_HOUR = 5000;
const WINDOW_MS = 3_600_000;

export class GitHubRateWindow {
	private windowStart = 0;
	private used = 0;

	constructor(private readonly limit = RATE_LIMIT_PER_HOUR) {}

	/** Counts one request and returns the headers to send with it. */
	hit(realNowMs = Date.now()): Record<string, string> {
		this.roll(realNowMs);
		this.used++;
		return this.headers();
	}

	/** Current numbers without counting (GET /rate_limit does not count). */
	peek(realNowMs = Date.now()): { limit: number; remaining: number; reset: number; used: number } {
		this.roll(realNowMs);
		return { limit: this.limit, remaining: Math.max(0, this.limit - this.used), reset: Math.floor((this.windowStart + WINDOW_MS) / 1000), used: this.used };
	}

	/** Headers of a throttled answer: nothing left until the retry time. */
	throttled(retryAfterS: number, realNowMs = Date.now()): Record<string, string> {
		return { ...this.headers(), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(realNowMs / 1000) + retryAfterS) };
	}

	private roll(now: number): void {
		const start = Math.floor(now / WINDOW_MS) * WINDOW_MS;
		if (start !== this.windowStart) {
			this.windowStart = start;
			this.used = 0;
		}
	}

	private headers(): Record<string, string> {
		const p = this.peek();
		return {
			'x-ratelimit-limit': String(p.limit),
			'x-ratelimit-remaining': String(p.remaining),
			'x-ratelimit-reset': String(p.reset),
			'x-ratelimit-used': String(Math.min(p.used, p.limit)),
			'x-ratelimit-resource': 'core'
		};
	}
}
