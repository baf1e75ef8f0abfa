// A gitbeaker client whose transport reports every request's outcome and turns
// rate limits, timeouts and network failures into UpstreamErrors instead of
// gitbeaker's built-in retry loop (which ignores Retry-After and can stall a sync
// for minutes). The poller decides when to try again.
import { Readable } from 'node:stream';
import { Gitlab } from '@gitbeaker/core';
import { createRequesterFn } from '@gitbeaker/requester-utils';
import { UpstreamError, parseRetryAfter, type RequestObserver } from '../errors';
import { observedRequest, type UpstreamAnswer } from '../http';

export interface GitlabClientOptions {
	source: string;
	url: string;
	token: string;
	timeoutMs?: number;
	observe?: RequestObserver;
}

async function parseBody(response: UpstreamAnswer) {
	const type = (response.header('content-type') ?? '').split(';')[0]!.trim();
	if (response.status === 204) return null;
	if (type === 'application/json') return (await response.json()) ?? {};
	return response.text();
}

export function createGitlabClient(opts: GitlabClientOptions) {
	const timeoutMs = opts.timeoutMs ?? 10_000;
	// A first sync reads every runner's details: thousands of requests, on undici's request API (../http.ts).
	const requestObserved = observedRequest({ source: opts.source, upstream: 'GitLab', timeoutMs, observe: opts.observe });
	const requestHandler = async (endpoint: string, options: Record<string, any>) => {
		const { prefixUrl, searchParams, method, headers, body, signal } = options;
		const url = new URL(endpoint, prefixUrl.endsWith('/') ? prefixUrl : `${prefixUrl}/`);
		url.search = searchParams || '';
		const response = await requestObserved(url, { method, headers, body, signal });
		if (response.status === 429 || (response.status === 503 && response.header('retry-after') !== null)) {
			await response.discard();
			const retryAfterMs = parseRetryAfter(response.header('retry-after')) ?? 60_000;
			throw new UpstreamError(opts.source, 'rate_limited', `GitLab rate limit: retry after ${Math.ceil(retryAfterMs / 1000)} s`, response.status, retryAfterMs);
		}
		if (!response.ok) {
			const text = await response.text().catch(() => '');
			let message = text.slice(0, 300);
			try {
				const j = JSON.parse(text);
				message = typeof j.message === 'string' ? j.message : typeof j.error === 'string' ? j.error : JSON.stringify(j.message ?? j.error ?? j);
			} catch {
				/* not JSON: keep the text */
			}
			throw new UpstreamError(opts.source, 'http', `GitLab answered ${response.status}: ${message}`, response.status);
		}
		// gitbeaker's asStream: the caller reads the body itself (a state, read once as text).
		if (options.asStream) {
			if (response.status === 204) await response.discard();
			return { body: response.status === 204 ? null : Readable.toWeb(response.body), headers: response.headers(), status: response.status };
		}
		let parsed;
		try {
			parsed = await parseBody(response);
		} catch (e) {
			if (e instanceof UpstreamError) throw e;
			throw new UpstreamError(opts.source, 'invalid_response', `GitLab sent an unreadable body: ${(e as Error).message}`);
		}
		return { body: parsed, headers: response.headers(), status: response.status };
	};
	const requesterFn = createRequesterFn(async (_: unknown, reqo: unknown) => reqo as never, requestHandler as never);
	// The timeout is observedRequest's; gitbeaker's own queryTimeout stays off. No rate limits
	// either: this transport never consults them (the forge's 429 and Retry-After decide), and
	// gitbeaker would otherwise build a dozen limiters for each of its two hundred resources.
	return new Gitlab({ host: opts.url, token: opts.token, queryTimeout: null, rateLimits: {}, requesterFn } as never) as InstanceType<
		typeof Gitlab<false>
	>;
}

export type GitlabClient = ReturnType<typeof createGitlabClient>;
