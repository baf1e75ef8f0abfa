// How adapters reach an upstream over HTTP: each attempt's outcome is reported (for
// /metrics), network failures and timeouts become UpstreamErrors, redirects are refused
// unless asked for and oversized answers are not read. Two doors with the same rules:
// - observedRequest, on undici's dispatcher API, for the reads made thousands of times a
//   cycle (gitbeaker's transport, the built-in scraper): WHATWG fetch costs about ten
//   times its CPU per request (its streams, controllers and abort signals), and a first
//   sync of ten thousand runners is ten thousand requests (docs/performance.md);
// - observedFetch, a fetch, for client libraries that take one (Octokit) and the rarer
//   reads (Prometheus's API, state backends).
// Either way retries inside a library are counted as the requests they are.
import type { Readable } from 'node:stream';
import { errors as undiciErrors, request } from 'undici';
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

function outcomeOf(status: number, header: (name: string) => string | null): RequestOutcome {
	if (status >= 200 && status < 400) return 'ok';
	if (status === 429 || (status === 403 && header('x-ratelimit-remaining') === '0')) return 'rate_limited';
	if (status === 403 && header('retry-after') !== null) return 'rate_limited';
	return 'http';
}

const timedOutMessage = (opts: ObservedFetchOptions) => `${opts.upstream} did not answer within ${opts.timeoutMs} ms`;

/** A request that got no answer: counted, and named as a timeout or an unreachable upstream. */
function noAnswer(opts: ObservedFetchOptions, observe: RequestObserver, err: Error, timedOut: boolean): UpstreamError {
	observe(timedOut ? 'timeout' : 'network');
	return new UpstreamError(opts.source, timedOut ? 'timeout' : 'network', timedOut ? timedOutMessage(opts) : `${opts.upstream} unreachable: ${(err.cause as Error)?.message ?? err.message}`);
}

/**
 * The rules every answer meets before its caller reads it, whichever door it came through:
 * a redirect not to be followed and a body declared over the limit are refused unread
 * (`discard` frees the connection); otherwise the outcome is counted.
 */
async function admit(
	opts: ObservedFetchOptions,
	observe: RequestObserver,
	status: number,
	header: (name: string) => string | null,
	discard: () => Promise<unknown>
): Promise<void> {
	const location = header('location');
	if (!opts.followRedirects && status >= 300 && status < 400 && location !== null) {
		await discard();
		observe('http');
		throw new UpstreamError(opts.source, 'http', `${opts.upstream} answered ${status} redirecting to ${location}; not followed (credentials would go along): configure the final URL`);
	}
	const declared = Number(header('content-length') ?? 0);
	const max = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
	if (declared > max) {
		await discard();
		observe('http');
		throw new UpstreamError(opts.source, 'http', `${opts.upstream} answered with ${Math.round(declared / 2 ** 20)} MiB, over the ${Math.round(max / 2 ** 20)} MiB limit; not read`);
	}
	observe(outcomeOf(status, header));
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
			throw noAnswer(opts, observe, err, timeout.aborted || err.name === 'TimeoutError');
		}
		await admit(opts, observe, res.status, (name) => res.headers.get(name), async () => res.body?.cancel());
		return res;
	};
}

/** An upstream's answer as observedRequest gives it: the status, the headers and a body read once. */
export interface UpstreamAnswer {
	status: number;
	ok: boolean;
	/** A header's value (several of one name joined by ", "), or null. */
	header(name: string): string | null;
	/** Every header, names in lower case. */
	headers(): Record<string, string>;
	/** The body as it arrives. */
	body: Readable;
	json(): Promise<unknown>;
	text(): Promise<string>;
	/** Reads the rest of the body away (an answer that will not be read must be, to free the connection). */
	discard(): Promise<void>;
}

export interface UpstreamRequest {
	method?: string;
	headers?: Record<string, string>;
	body?: string | Buffer | null;
	signal?: AbortSignal | null;
}

const headerValue = (v: string | string[] | undefined): string | null => (v === undefined ? null : Array.isArray(v) ? v.join(', ') : v);

/**
 * observedFetch's rules on undici's `request`. The timeout bounds the wait for the answer's
 * headers and then each pause while its body arrives. Redirects are never followed.
 */
export function observedRequest(opts: Omit<ObservedFetchOptions, 'followRedirects'>): (url: string | URL, init?: UpstreamRequest) => Promise<UpstreamAnswer> {
	const observe = opts.observe ?? (() => {});
	return async (url, init = {}) => {
		let res: Awaited<ReturnType<typeof request>>;
		try {
			res = await request(url, {
				method: (init.method ?? 'GET') as 'GET',
				headers: init.headers,
				body: init.body ?? undefined,
				signal: init.signal ?? undefined,
				headersTimeout: opts.timeoutMs,
				bodyTimeout: opts.timeoutMs
			});
		} catch (e) {
			const err = e as Error;
			throw noAnswer(opts, observe, err, err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.ConnectTimeoutError);
		}
		const status = res.statusCode;
		const raw = res.headers;
		const header = (name: string) => headerValue(raw[name]);
		const body = res.body;
		await admit(opts, observe, status, header, () => body.dump());
		// A body that stalls past the timeout fails its read as the upstream's timeout.
		const read = <T>(p: Promise<T>): Promise<T> =>
			p.catch((e: unknown) => {
				if (e instanceof undiciErrors.BodyTimeoutError) throw new UpstreamError(opts.source, 'timeout', timedOutMessage(opts));
				throw e;
			});
		return {
			status,
			ok: status >= 200 && status < 300,
			header,
			headers: () => {
				const out: Record<string, string> = {};
				for (const [k, v] of Object.entries(raw)) if (v !== undefined) out[k] = headerValue(v)!;
				return out;
			},
			body,
			json: () => read(body.json()),
			text: () => read(body.text()),
			discard: () => body.dump()
		};
	};
}
