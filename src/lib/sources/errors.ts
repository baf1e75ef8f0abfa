// Upstream failures in one shape, so pollers and actions can report and back off uniformly.
export type UpstreamFailure = 'http' | 'timeout' | 'network' | 'rate_limited' | 'invalid_response';

export class UpstreamError extends Error {
	override name = 'UpstreamError';
	constructor(
		readonly source: string,
		readonly kind: UpstreamFailure,
		message: string,
		readonly status?: number,
		/** How long the upstream asked us to wait (Retry-After), in ms. */
		readonly retryAfterMs?: number
	) {
		super(message);
	}
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
	if (!value) return undefined;
	if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
	const at = Date.parse(value);
	return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export type RequestOutcome = 'ok' | UpstreamFailure;
export type RequestObserver = (outcome: RequestOutcome) => void;
