// GitLab's RateLimit-* headers. The sandbox counts requests in a fixed real-time
// window so the numbers move like upstream's, but it never throttles by itself:
// throttling is a fault you switch on through /_sandbox/faults.

export const RATE_LIMIT_PER_MINUTE = 2000;

export class RateWindow {
	private windowStart = 0;
	private count = 0;

	constructor(private readonly limit = RATE_LIMIT_PER_MINUTE) {}

	/** Counts one request and returns the headers to send with it. */
	hit(realNowMs = Date.now()): Record<string, string> {
		const start = Math.floor(realNowMs / 60_000) * 60_000;
		if (start !== this.windowStart) {
			this.windowStart = start;
			this.count = 0;
		}
		this.count++;
		return this.headers(Math.max(0, this.limit - this.count));
	}

	/** Headers of a throttled answer: the window is used up. */
	exhausted(): Record<string, string> {
		return this.headers(0, this.limit);
	}

	private headers(remaining: number, observed = Math.min(this.count, this.limit)): Record<string, string> {
		const reset = this.windowStart + 60_000;
		return {
			'RateLimit-Name': 'throttle_authenticated_api',
			'RateLimit-Limit': String(this.limit),
			'RateLimit-Observed': String(observed),
			'RateLimit-Remaining': String(remaining),
			// Unix seconds, as GitLab sends it.
			'RateLimit-Reset': String(Math.floor(reset / 1000)),
			'RateLimit-ResetTime': new Date(reset).toUTCString()
		};
	}
}
