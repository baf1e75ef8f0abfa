// The one way adapters reach an upstream over HTTP: a fetch with a timeout that
// reports every attempt's outcome (for /metrics) and turns network failures and
// timeouts into UpstreamErrors. Client libraries (gitbeaker, Octokit) call it as
// their fetch, so retries inside a library are counted as the requests they are.
import { UpstreamError, type RequestObserver, type RequestOutcome } from './errors';

export interface ObservedFetchOptions {
	source: string;
	/** Name of the upstream for messages: "GitLab", "GitHub". */
	upstream: string;
	timeoutMs: number;
	observe?: RequestObserver;
}

function outcomeOf(res: Response): RequestOutcome {
	if (res.ok || (res.status >= 300 && res.status < 400)) return 'ok';
	if (res.status === 429 || (res.status === 403 && res.headers.get('x-ratelimit-remaining') === '0')) return 'rate_limited';
	if (res.status === 403 && res.headers.has('retry-after')) return 'rate_limited';
	return 'http';
}

export function observedFetch(opts: ObservedFetchOptions): typeof fetch {
	const observe = opts.observe ?? (() => {});
	return async (input, init = {}) => {
		const timeout = AbortSignal.timeout(opts.timeoutMs);
		const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
		try {
			const res = await fetch(input, { ...init, signal });
			observe(outcomeOf(res));
			return res;
		} catch (e) {
			const err = e as Error;
			const timedOut = timeout.aborted || err.name === 'TimeoutError';
			observe(timedOut ? 'timeout' : 'network');
			throw new UpstreamError(
				opts.source,
				timedOut ? 'timeout' : 'network',
				timedOut ? `${opts.upstream} did not answer within ${opts.timeoutMs} ms` : `${opts.upstream} unreachable: ${(err.cause as Error)?.message ?? err.message}`
			);
		}
	};
}
