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
	/**
	 * Follow redirects. Off by default: fetch strips `Authorization` on a cross-origin
	 * redirect but not GitLab's `PRIVATE-TOKEN` or a backend's other headers, so a redirect
	 * is an error naming where it pointed. GitHub's client turns it on (its token travels
	 * only in `Authorization`, and GitHub redirects renamed repositories).
	 */
	followRedirects?: boolean;
	/** Answers declaring a larger body are refused before reading (default 64 MiB). */
	maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 64 * 2 ** 20;

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
		let res: Response;
		try {
			res = await fetch(input, { ...init, signal, redirect: opts.followRedirects ? 'follow' : 'manual' });
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
		if (!opts.followRedirects && res.status >= 300 && res.status < 400 && res.headers.has('location')) {
			await res.body?.cancel();
			observe('http');
			throw new UpstreamError(opts.source, 'http', `${opts.upstream} answered ${res.status} redirecting to ${res.headers.get('location')}; not followed (credentials would go along): configure the final URL`);
		}
		const declared = Number(res.headers.get('content-length') ?? 0);
		const max = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
		if (declared > max) {
			await res.body?.cancel();
			observe('http');
			throw new UpstreamError(opts.source, 'http', `${opts.upstream} answered with ${Math.round(declared / 2 ** 20)} MiB, over the ${Math.round(max / 2 ** 20)} MiB limit; not read`);
		}
		observe(outcomeOf(res));
		return res;
	};
}
