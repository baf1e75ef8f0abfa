// The GitHub REST surface, mounted at /github with GHES's API root /api/v3 (so a
// client's base URL is http://host:port/github/api/v3). Every answer carries the
// x-ratelimit-* and x-github-* headers; everything under /api/v3 needs a token the
// identity store accepts, as `Authorization: Bearer <token>` or `token <token>`, with
// scopes that allow the request. Outside /api/v3 is GitHub's OAuth web flow.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http/respond.js';
import { Router, type Ctx } from '../http/router.js';
import type { RequestCounts } from '../http/counts.js';
import type { FaultStyle } from '../faults.js';
import { GHES_VERSION } from '../sim/github/catalog.js';
import type { World } from '../sim/world.js';
import { gitopsContents, gitopsGitHubRoutes, isGitopsContents } from '../gitops/github.js';
import { createGitHubAuth } from '../identity/github-api.js';
import { createGitHubOAuth } from '../identity/github-oauth.js';
import type { Identity } from '../identity/identity.js';
import { actionRoutes } from './actions.js';
import { DOCS, GitHubError, JSON_TYPE, errorBody, type GitHubApi } from './context.js';
import { orgRoutes } from './orgs.js';
import { GitHubRateWindow } from './ratelimit.js';
import { runnerRoutes } from './runners.js';

export const API_PREFIX = '/api/v3';

export interface GitHubMountOptions {
	world: World;
	/** Users, OAuth app and the tokens the API accepts (with their scopes). */
	identity: Identity;
	/** Absolute URL of the mount, e.g. http://127.0.0.1:3001/github */
	webBase: () => string;
	log: (msg: string) => void;
	/** Counts every request the API routes (GET /_sandbox/requests). */
	counts?: RequestCounts;
}

export interface GitHubMount {
	prepare(res: ServerResponse): void;
	handle(req: IncomingMessage, res: ServerResponse, url: URL, path: string): Promise<void>;
	faultStyle: FaultStyle;
}

export function tokenFrom(req: IncomingMessage): string | undefined {
	const auth = req.headers.authorization?.trim();
	if (!auth) return undefined;
	const m = /^(bearer|token)\s+(.+)$/i.exec(auth);
	return m ? (m[2] as string).trim() : '';
}

export function createGitHubMount(opts: GitHubMountOptions): GitHubMount {
	const rate = new GitHubRateWindow();
	const router = new Router();
	let requests = 0;
	const api: GitHubApi = {
		world: opts.world,
		rate,
		bases(ctx) {
			// Absolute URLs follow the host the client used, as GHES renders them.
			const host = ctx.req.headers.host;
			const web = host ? `http://${host}/github` : opts.webBase();
			return { web, api: `${web}${API_PREFIX}` };
		}
	};
	const auth = createGitHubAuth(opts.identity);
	const oauth = createGitHubOAuth(opts.identity);
	auth.routes(router, (ctx) => api.bases(ctx));
	// Before the catalog's routes: the GitOps repository answers its own /repos/sandbox-org/gitops/…
	// (pulls, contents, its workflow's runs and check runs).
	gitopsGitHubRoutes(router, api);
	actionRoutes(router, api);
	runnerRoutes(router, api);
	orgRoutes(router, api);

	const faultStyle: FaultStyle = {
		error: (res) => sendJson(res, 500, { message: 'Server Error' }, { 'Content-Type': JSON_TYPE }),
		// A secondary rate limit, as GitHub answers it (403 or 429; the sandbox uses 429).
		rateLimited: (res, retryAfterS) =>
			sendJson(
				res,
				429,
				errorBody(
					429,
					`You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${String(res.getHeader('x-github-request-id') ?? '')}.`,
					`${DOCS}/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits`
				),
				{ 'Content-Type': JSON_TYPE, ...rate.throttled(retryAfterS), 'retry-after': String(retryAfterS) }
			)
	};

	return {
		faultStyle,
		prepare(res) {
			requests++;
			res.setHeader('x-github-request-id', `5A4D:${requests.toString(16).toUpperCase().padStart(6, '0')}:B0C5`);
			res.setHeader('x-github-enterprise-version', GHES_VERSION);
			res.setHeader('x-github-media-type', 'github.v3; format=json');
			res.setHeader('x-github-api-version-selected', '2022-11-28');
			for (const [k, v] of Object.entries(rate.hit())) res.setHeader(k, v);
		},
		async handle(req, res, url, path) {
			if (path !== API_PREFIX && !path.startsWith(`${API_PREFIX}/`)) {
				if (await oauth.handle(req, res, url, path)) return;
				return sendJson(res, 404, errorBody(404, 'Not Found'), { 'Content-Type': JSON_TYPE });
			}
			const grant = auth.authenticate(req, res, tokenFrom(req));
			if (!grant) return;
			const rest = path.slice(API_PREFIX.length) || '/';
			// The contents API takes a path of any depth, beyond what the router's segments match.
			const gitops = (req.method === 'GET' || req.method === 'HEAD') && isGitopsContents(rest);
			const match = gitops ? { kind: 'found' as const, handler: (c: Ctx) => gitopsContents(c, api), params: {}, pattern: '/repos/:owner/:repo/contents/*' } : router.match(req.method ?? 'GET', rest);
			if (match.kind !== 'found') return sendJson(res, 404, errorBody(404, 'Not Found'), { 'Content-Type': JSON_TYPE });
			if (!auth.authorize(req, res, match.pattern, grant)) return;
			opts.counts?.add(req.method ?? 'GET', match.pattern);
			const ctx: Ctx = { req, res, url, path: rest, params: match.params };
			try {
				await match.handler(ctx);
			} catch (err) {
				if (err instanceof GitHubError) return sendJson(res, err.status, errorBody(err.status, err.message, err.docs), { 'Content-Type': JSON_TYPE });
				opts.log(`github: ${req.method} ${url.pathname} failed: ${err instanceof Error ? err.stack : String(err)}`);
				return sendJson(res, 500, { message: 'Server Error' }, { 'Content-Type': JSON_TYPE });
			}
		}
	};
}
