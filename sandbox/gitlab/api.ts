// The GitLab REST surface, mounted at /gitlab. Every answer carries RateLimit-*
// headers; everything under /api/v4 needs a token the identity store accepts, with
// scopes that allow the request. Outside /api/v4 GitLab is an OpenID provider.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyError } from '../http/body.js';
import { sendJson, sendText } from '../http/respond.js';
import { Router, type Ctx } from '../http/router.js';
import type { RequestCounts } from '../http/counts.js';
import type { FaultStyle } from '../faults.js';
import type { World } from '../sim/world.js';
import { gitopsRoutes } from '../gitops/api.js';
import { createGitLabAuth } from '../identity/gitlab-api.js';
import { createGitLabOidc } from '../identity/gitlab-oidc.js';
import type { Identity } from '../identity/identity.js';
import { ApiError, type GitLabApi } from './context.js';
import { jobRoutes } from './jobs.js';
import { namespaceRoutes } from './namespaces.js';
import { ParamErrors } from './params.js';
import { RateWindow } from './ratelimit.js';
import { runnerRoutes } from './runners.js';

export const API_PREFIX = '/api/v4';

export interface GitLabMountOptions {
	world: World;
	/** Users, OAuth app and the tokens the API accepts (with their scopes). */
	identity: Identity;
	/** Absolute URL of the mount, e.g. http://127.0.0.1:3001/gitlab */
	webBase: () => string;
	log: (msg: string) => void;
	/** Counts every request the API routes (GET /_sandbox/requests). */
	counts?: RequestCounts;
}

export interface GitLabMount {
	/** Sets the headers every /gitlab answer carries (call before faults apply). */
	prepare(res: ServerResponse): void;
	handle(req: IncomingMessage, res: ServerResponse, url: URL, path: string): Promise<void>;
	faultStyle: FaultStyle;
}

export function tokenFrom(req: IncomingMessage, url: URL): string | undefined {
	const header = req.headers['private-token'];
	if (typeof header === 'string' && header) return header;
	const auth = req.headers.authorization;
	if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
	// The OpenTofu http backend sends the token as a Basic password; GitLab accepts that on the state routes.
	if (auth?.toLowerCase().startsWith('basic ') && url.pathname.includes('/terraform/state/')) {
		const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
		const colon = decoded.indexOf(':');
		if (colon >= 0) return decoded.slice(colon + 1);
	}
	return url.searchParams.get('private_token') ?? url.searchParams.get('access_token') ?? undefined;
}

export function createGitLabMount(opts: GitLabMountOptions): GitLabMount {
	const rate = new RateWindow();
	const router = new Router();
	const api: GitLabApi = {
		world: opts.world,
		get webBase() {
			return opts.webBase();
		}
	};
	const auth = createGitLabAuth(opts.identity);
	const oidc = createGitLabOidc(opts.identity, opts.webBase);
	auth.routes(router, opts.webBase, () => opts.world.now());
	runnerRoutes(router, api);
	jobRoutes(router, api);
	// Before the namespace routes: the GitOps project answers its own /projects/:id.
	gitopsRoutes(router, api);
	namespaceRoutes(router, api);

	const faultStyle: FaultStyle = {
		error: (res) => sendJson(res, 500, { message: '500 Internal Server Error' }),
		// GitLab's throttle (Rack::Attack) answers in plain text.
		rateLimited: (res, retryAfterS) =>
			sendText(res, 429, 'Retry later\n', { ...rate.exhausted(), 'Retry-After': retryAfterS })
	};

	return {
		faultStyle,
		prepare(res) {
			for (const [k, v] of Object.entries(rate.hit())) res.setHeader(k, v);
		},
		async handle(req, res, url, path) {
			if (path !== API_PREFIX && !path.startsWith(`${API_PREFIX}/`)) {
				if (await oidc.handle(req, res, url, path)) return;
				return sendJson(res, 404, { error: '404 Not Found' });
			}
			const grant = auth.authenticate(res, tokenFrom(req, url));
			if (!grant) return;
			const rest = path.slice(API_PREFIX.length) || '/';
			const match = router.match(req.method ?? 'GET', rest);
			if (match.kind === 'not_found') return sendJson(res, 404, { error: '404 Not Found' });
			if (match.kind === 'method_not_allowed') return sendJson(res, 405, { error: '405 Not Allowed' });
			if (!auth.authorize(req, res, match.pattern, grant)) return;
			opts.counts?.add(req.method ?? 'GET', match.pattern);
			const ctx: Ctx = { req, res, url, path: rest, params: match.params };
			try {
				await match.handler(ctx);
			} catch (err) {
				if (err instanceof ApiError) return sendJson(res, err.status, err.body);
				if (err instanceof ParamErrors) return sendJson(res, 400, { error: err.message });
				if (err instanceof BodyError) return sendJson(res, err.status, { error: err.message });
				opts.log(`gitlab: ${req.method} ${url.pathname} failed: ${err instanceof Error ? err.stack : String(err)}`);
				return sendJson(res, 500, { message: '500 Internal Server Error' });
			}
		}
	};
}
