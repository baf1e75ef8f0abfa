// Octokit for a GitHub or GHES API, with GitHub's recommended throttling and retry
// plugins. Rate limits: a short wait (≤ 5 s) is taken once in place; longer ones
// become an UpstreamError carrying the wait so the poller backs off and the source
// shows the limit instead of stalling. Every HTTP attempt is counted for /metrics.
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { UpstreamError, parseRetryAfter, type RequestObserver } from '../errors';
import { observedFetch } from '../http';

const GitHub = Octokit.plugin(throttling, retry);
export type GithubClient = InstanceType<typeof GitHub>;

export interface GithubClientOptions {
	source: string;
	apiUrl: string;
	token: string;
	timeoutMs?: number;
	observe?: RequestObserver;
}

const takeShortWait = (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) => retryCount === 0 && retryAfter <= 5;

export function createGithubClient(opts: GithubClientOptions): GithubClient {
	const octokit = new GitHub({
		auth: opts.token,
		baseUrl: opts.apiUrl.replace(/\/$/, ''),
		userAgent: 'runner-dashboard',
		request: { fetch: observedFetch({ source: opts.source, upstream: 'GitHub', timeoutMs: opts.timeoutMs ?? 10_000, observe: opts.observe, followRedirects: true }) },
		// Server errors get one quick retry; everything else is the poller's to repeat.
		retry: { retries: 1, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
		throttle: { onRateLimit: takeShortWait, onSecondaryRateLimit: takeShortWait }
	});
	// Octokit parses JSON answers with json-with-bigint, which on Node 20 runs a regular
	// expression over the whole body and a reviver over every value: several times the cost
	// of JSON.parse for each page of runners and workflow runs. GitHub's ids fit in a
	// double, so successful answers are parsed with JSON.parse (errors keep Octokit's path).
	octokit.hook.wrap('request', async (request, options) => {
		if (options.request?.parseSuccessResponseBody === false) return request(options);
		const res = await request({ ...options, request: { ...options.request, parseSuccessResponseBody: false } });
		if (!(res.data instanceof ReadableStream)) return res;
		const text = await new Response(res.data).text();
		const type = String(res.headers['content-type'] ?? '');
		if (!text || !/^application\/(scim\+)?json\b/i.test(type)) return { ...res, data: text };
		try {
			return { ...res, data: JSON.parse(text) };
		} catch {
			return { ...res, data: text };
		}
	});
	return octokit;
}

/** A classic or OAuth token's scopes from X-OAuth-Scopes; null when GitHub sends none (fine-grained tokens, apps). */
export function oauthScopes(header: unknown): string[] | null {
	return typeof header === 'string' ? header.split(',').map((s) => s.trim()).filter(Boolean) : null;
}

/** Octokit's RequestError (or ours) as an UpstreamError with the wait GitHub asked for. */
export function githubError(source: string, e: unknown): UpstreamError {
	if (e instanceof UpstreamError) return e;
	const err = e as { status?: number; message?: string; response?: { headers?: Record<string, string> } };
	const headers = err.response?.headers ?? {};
	const limited = err.status === 429 || (err.status === 403 && (headers['x-ratelimit-remaining'] === '0' || 'retry-after' in headers));
	if (limited) {
		const reset = Number(headers['x-ratelimit-reset']);
		const wait = parseRetryAfter(headers['retry-after']) ?? (reset ? Math.max(0, reset * 1000 - Date.now()) : 60_000);
		return new UpstreamError(source, 'rate_limited', `GitHub rate limit: retry after ${Math.ceil(wait / 1000)} s`, err.status, wait);
	}
	if (err.status) return new UpstreamError(source, 'http', `GitHub answered ${err.status}: ${err.message ?? ''}`.trim(), err.status);
	return new UpstreamError(source, 'network', `GitHub request failed: ${err.message ?? String(e)}`);
}
