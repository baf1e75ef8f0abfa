// The GitLab API's side of identity: which token is calling and whether its scopes
// allow the request (answered as GitLab's API guard answers), and the endpoints that
// say who a token is — GET /user and GET /personal_access_tokens/self.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http/respond.js';
import type { Ctx, Router } from '../http/router.js';
import { iso } from '../sim/clock.js';
import { userEntity } from '../gitlab/entities.js';
import type { User } from './directory.js';
import type { Identity } from './identity.js';
import { gitlabAccepted, gitlabAllows } from './scopes.js';
import type { AccessGrant } from './tokens.js';

/** The admin service account that owns the configured token (GitLab user 1). */
export const GITLAB_SERVICE_USER_ID = 1;

const REALM = 'Bearer realm="Protected by OAuth 2.0"';
const INSUFFICIENT = 'The request requires higher privileges than provided by the access token.';

const grants = new WeakMap<IncomingMessage, AccessGrant>();

/** The grant the mount authenticated this request with. */
export function gitlabGrantOf(req: IncomingMessage): AccessGrant | undefined {
	return grants.get(req);
}

function tokenError(res: ServerResponse, description: string): void {
	sendJson(res, 401, { error: 'invalid_token', error_description: description }, { 'WWW-Authenticate': `${REALM}, error="invalid_token", error_description="${description}"` });
}

export function directoryUserEntity(u: User, webBase: string) {
	return {
		id: u.gitlabId,
		username: u.username,
		name: u.name,
		state: 'active',
		locked: false,
		avatar_url: null,
		web_url: `${webBase}/${u.username}`,
		created_at: iso(u.createdAt),
		bio: '',
		public_email: null,
		email: u.email,
		is_admin: false,
		can_create_group: true,
		can_create_project: true,
		two_factor_enabled: false,
		external: false,
		bot: false
	};
}

function patEntity(g: AccessGrant, identity: Identity, now: number) {
	const owner = g.userId === null ? undefined : identity.directory.byId(g.userId);
	const expired = g.expiresAt !== null && now >= g.expiresAt;
	return {
		id: g.id,
		name: g.name,
		revoked: g.revoked,
		created_at: iso(g.createdAt),
		description: null,
		scopes: g.scopes,
		user_id: owner ? owner.gitlabId : GITLAB_SERVICE_USER_ID,
		last_used_at: g.lastUsedAt === null ? null : iso(g.lastUsedAt),
		active: !g.revoked && !expired,
		expires_at: g.expiresAt === null ? null : iso(g.expiresAt).slice(0, 10)
	};
}

export interface GitLabAuth {
	/** The grant behind the request's token, or undefined after answering 401. */
	authenticate(res: ServerResponse, presented: string | undefined): AccessGrant | undefined;
	/** Whether the grant's scopes allow `method` on the matched route; false after answering 403. */
	authorize(req: IncomingMessage, res: ServerResponse, pattern: string, grant: AccessGrant): boolean;
	/** Registers GET /user and the personal access token self endpoints. */
	routes(router: Router, webBase: () => string, now: () => number): void;
}

export function createGitLabAuth(identity: Identity): GitLabAuth {
	return {
		authenticate(res, presented) {
			const found = presented === undefined ? undefined : identity.tokens.lookup('gitlab', presented);
			if (found?.ok) return found.grant;
			if (found?.reason === 'expired') tokenError(res, 'Token has expired.');
			else if (found?.reason === 'revoked') tokenError(res, 'Token has been revoked.');
			else sendJson(res, 401, { message: '401 Unauthorized' });
			return undefined;
		},
		authorize(req, res, pattern, grant) {
			const accepted = gitlabAccepted(req.method ?? 'GET', pattern);
			if (gitlabAllows(accepted, grant.scopes)) {
				grants.set(req, grant);
				return true;
			}
			const scope = (accepted ?? []).join(' ');
			sendJson(
				res,
				403,
				{ error: 'insufficient_scope', error_description: INSUFFICIENT, scope },
				{ 'WWW-Authenticate': `${REALM}, error="insufficient_scope", error_description="${INSUFFICIENT}", scope="${scope}"` }
			);
			return false;
		},
		routes(router, webBase, now) {
			const grantOf = (ctx: Ctx) => grants.get(ctx.req) as AccessGrant;
			router.get('/user', (ctx) => {
				const g = grantOf(ctx);
				const u = g.userId === null ? undefined : identity.directory.byId(g.userId);
				sendJson(ctx.res, 200, u ? directoryUserEntity(u, webBase()) : userEntity(webBase()));
			});
			router.get('/personal_access_tokens/self', (ctx) => {
				const g = grantOf(ctx);
				if (g.kind !== 'personal') return sendJson(ctx.res, 404, { message: '404 Not Found' });
				sendJson(ctx.res, 200, patEntity(g, identity, now()));
			});
			router.on('DELETE', '/personal_access_tokens/self', (ctx) => {
				const g = grantOf(ctx);
				if (g.kind !== 'personal') return sendJson(ctx.res, 404, { message: '404 Not Found' });
				g.revoked = true;
				ctx.res.statusCode = 204;
				ctx.res.end();
			});
		}
	};
}
