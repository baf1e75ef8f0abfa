// /_sandbox/identity/* and /_sandbox/tokens: the users and groups who can sign in, the
// OAuth app registered on each forge, and the personal tokens the forges accept.

import { z } from 'zod';
import { sendJson } from '../http/respond.js';
import type { Ctx, Handler, Router } from '../http/router.js';
import { iso } from '../sim/clock.js';
import { FORGES, redirectUriProblem, type OAuthApp } from './apps.js';
import { DirectoryError, USERNAME_RE, groupPathProblem, type User } from './directory.js';
import type { Identity } from './identity.js';
import { TokenError, type AccessGrant } from './tokens.js';

type ReadBody = <T>(ctx: Ctx, schema: z.ZodType<T>) => Promise<T>;

const groupList = z.array(
	z.string({ error: 'groups must be strings' }).refine((g) => groupPathProblem(g) === undefined, { error: (iss) => groupPathProblem(String(iss.input)) ?? 'bad group' }),
	{ error: 'groups must be an array of group paths' }
);

const UserBody = z.strictObject({
	username: z.string({ error: 'username is required' }).regex(USERNAME_RE, 'username must be 1-39 letters, digits, "_", "-" or "." starting with a letter or digit'),
	password: z.string({ error: 'password must be a string' }).min(1, 'password must not be empty').optional(),
	name: z.string({ error: 'name must be a string' }).min(1, 'name must not be empty').optional(),
	email: z.email({ error: 'email must be an email address' }).optional(),
	groups: groupList.optional()
});

const GroupsBody = z.strictObject({ groups: groupList });

const forge = z.enum(FORGES, { error: `forge must be one of ${FORGES.join(', ')}` });

const AppBody = z.strictObject({
	forge,
	client_id: z.string({ error: 'client_id is required' }).min(1, 'client_id must not be empty'),
	client_secret: z.string({ error: 'client_secret is required' }).min(1, 'client_secret must not be empty'),
	redirect_uris: z
		.array(
			z.string({ error: 'redirect_uris must be strings' }).refine((u) => redirectUriProblem(u) === undefined, { error: (iss) => redirectUriProblem(String(iss.input)) ?? 'bad redirect URI' }),
			{ error: 'redirect_uris must be an array of URLs, or null for any loopback URL' }
		)
		.min(1, 'redirect_uris must name at least one URL (null accepts any loopback URL)')
		.nullable()
		.optional()
});

const OidcBody = z.strictObject({ end_session: z.boolean({ error: 'end_session must be true or false' }) });

const TokenBody = z.strictObject({
	forge,
	token: z.string({ error: 'token is required' }).min(1, 'token must not be empty'),
	scopes: z.array(z.string({ error: 'scopes must be strings' }), { error: 'scopes is required (an array of scope names)' }),
	name: z.string({ error: 'name must be a string' }).min(1, 'name must not be empty').optional(),
	user: z.string({ error: 'user must be a username' }).optional(),
	expires_at: z
		.string({ error: 'expires_at must be a date (YYYY-MM-DD) or null' })
		.regex(/^\d{4}-\d{2}-\d{2}$/, 'expires_at must be a date (YYYY-MM-DD) or null')
		.refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'expires_at is not a real date')
		.nullable()
		.optional(),
	revoked: z.boolean({ error: 'revoked must be true or false' }).optional()
});

function userView(identity: Identity, u: User) {
	const dir = identity.directory;
	return {
		username: u.username,
		name: u.name,
		email: u.email,
		gitlab_id: u.gitlabId,
		github_id: u.githubId,
		groups: u.groups,
		gitlab: { groups: dir.gitlabGroups(u), groups_direct: dir.gitlabGroupsDirect(u) },
		github: { orgs: dir.githubOrgs(u), teams: dir.githubTeams(u).map((t) => `${t.org}/${t.slug}`) }
	};
}

const appView = (a: OAuthApp) => ({ forge: a.forge, client_id: a.clientId, client_secret: a.clientSecret, redirect_uris: a.redirectUris });

function tokenView(identity: Identity, g: AccessGrant) {
	return {
		forge: g.forge,
		token: g.token,
		id: g.id,
		name: g.name,
		scopes: g.scopes,
		user: g.userId === null ? null : (identity.directory.byId(g.userId)?.username ?? null),
		expires_at: g.expiresAt === null ? null : iso(g.expiresAt).slice(0, 10),
		revoked: g.revoked,
		last_used_at: g.lastUsedAt === null ? null : iso(g.lastUsedAt)
	};
}

/** Answers the identity store's own errors with their status; other errors go on to the control API. */
function guarded(handler: Handler): Handler {
	return async (ctx) => {
		try {
			await handler(ctx);
		} catch (err) {
			if (err instanceof DirectoryError || err instanceof TokenError) return sendJson(ctx.res, err.status, { error: err.message });
			throw err;
		}
	};
}

export const IDENTITY_CONTROL_ENDPOINTS = [
	'GET /_sandbox/identity',
	'GET /_sandbox/identity/users',
	'POST /_sandbox/identity/users',
	'POST /_sandbox/identity/users/:username/groups',
	'DELETE /_sandbox/identity/users/:username',
	'GET /_sandbox/identity/apps',
	'POST /_sandbox/identity/apps',
	'POST /_sandbox/identity/oidc',
	'GET /_sandbox/tokens',
	'POST /_sandbox/tokens'
];

export function identityControlRoutes(router: Router, identity: Identity, body: ReadBody): void {
	const dir = identity.directory;
	router.get('/identity', (ctx) =>
		sendJson(ctx.res, 200, {
			users: dir.list().map((u) => userView(identity, u)),
			apps: identity.apps.list().map(appView),
			oidc: { end_session: identity.endSession },
			tokens: identity.tokens.counts(),
			authorization_codes: identity.codes.size,
			recent: identity.recent()
		})
	);
	router.get('/identity/users', (ctx) => sendJson(ctx.res, 200, dir.list().map((u) => userView(identity, u))));
	router.post(
		'/identity/users',
		guarded(async (ctx) => {
			const b = await body(ctx, UserBody);
			const { user, created } = dir.upsert(b);
			sendJson(ctx.res, created ? 201 : 200, userView(identity, user));
		})
	);
	router.post(
		'/identity/users/:username/groups',
		guarded(async (ctx) => {
			const b = await body(ctx, GroupsBody);
			sendJson(ctx.res, 200, userView(identity, dir.setGroups(ctx.params.username ?? '', b.groups)));
		})
	);
	router.on(
		'DELETE',
		'/identity/users/:username',
		guarded((ctx) => {
			const u = dir.delete(ctx.params.username ?? '');
			sendJson(ctx.res, 200, { deleted: u.username });
		})
	);
	router.get('/identity/apps', (ctx) => sendJson(ctx.res, 200, identity.apps.list().map(appView)));
	router.post('/identity/apps', async (ctx) => {
		const b = await body(ctx, AppBody);
		const app = identity.apps.register({ forge: b.forge, clientId: b.client_id, clientSecret: b.client_secret, redirectUris: b.redirect_uris ?? null });
		sendJson(ctx.res, 200, appView(app));
	});
	router.post('/identity/oidc', async (ctx) => {
		const b = await body(ctx, OidcBody);
		identity.endSession = b.end_session;
		sendJson(ctx.res, 200, { end_session: identity.endSession });
	});
	router.get('/tokens', (ctx) => sendJson(ctx.res, 200, identity.tokens.listPersonal().map((g) => tokenView(identity, g))));
	router.post(
		'/tokens',
		guarded(async (ctx) => {
			const b = await body(ctx, TokenBody);
			const grant = identity.addToken({
				forge: b.forge,
				token: b.token,
				scopes: b.scopes,
				name: b.name,
				user: b.user,
				expiresAt: b.expires_at === undefined ? undefined : b.expires_at === null ? null : Date.parse(`${b.expires_at}T00:00:00Z`),
				revoked: b.revoked
			});
			sendJson(ctx.res, 200, tokenView(identity, grant));
		})
	);
}
