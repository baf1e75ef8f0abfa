// Accounts: signing in and out, one's own password, users, API tokens and the audit log.
import { serialize, type SerializeOptions } from 'cookie';
import { z } from 'zod';
import { AUDIT_OUTCOMES } from '$lib/core/audit';
import { allOf, pageSchema, pagingFields } from '$lib/core/paging';
import type { AppContext } from '../../app';
import { dashboardCookies, type CookieSpec } from '../../http/cookies';
import { newToken, newUser, passwordChange, roleSchema, userPatch } from '../../services/accounts';
import { audit, auditTarget } from '../../services/audit';
import { DomainError } from '../../services/errors';
import { relyingParty } from '../../auth/passkeys';
import { errorSchema } from '../errors';
import { cookieNamed } from '../guard';
import { op, Reply } from '../operation';

/** A WebAuthn assertion as @simplewebauthn/browser's startAuthentication returns it; its checks are @simplewebauthn/server's. */
export const passkeyAssertion = z
	.looseObject({ id: z.string().max(1000), rawId: z.string().max(1000), type: z.literal('public-key'), response: z.looseObject({ clientDataJSON: z.string().max(10_000), authenticatorData: z.string().max(10_000), signature: z.string().max(2000), userHandle: z.string().max(1000).optional() }) })
	.meta({ id: 'PasskeyAssertion' });

export const numericId = z.strictObject({ id: z.string().regex(/^\d{1,9}$/, 'a number').transform(Number) });

const userSchema = z
	.object({
		id: z.number().int(),
		username: z.string(),
		role: roleSchema,
		disabled: z.boolean(),
		must_change_password: z.boolean(),
		created_at: z.string(),
		updated_at: z.string(),
		provider: z.string().nullable().meta({ description: 'The sign-in provider the account comes from; null for a local account (password).' }),
		subject: z.string().nullable().meta({ description: "The provider's id for the user (the account is linked by provider and subject)." }),
		last_sign_in_at: z.string().nullable()
	})
	.meta({ id: 'User' });
const tokenSchema = z
	.object({
		id: z.number().int(),
		name: z.string(),
		role: roleSchema,
		prefix: z.string().meta({ description: 'The first characters of the secret, to recognise it.' }),
		created_by: z.string(),
		owner_id: z.number().int().nullable().meta({ description: 'The user whose rights bound the token; null for tokens made with the CLI.' }),
		created_at: z.string(),
		expires_at: z.string().nullable(),
		last_used_at: z.string().nullable(),
		revoked_at: z.string().nullable()
	})
	.meta({ id: 'Token' });

/** A Set-Cookie value for one of the dashboard's cookies (names and attributes from the configured origin). */
export const setCookie = (spec: CookieSpec, value: string, extra: SerializeOptions) => serialize(spec.name, value, { ...spec.options, ...extra });
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
export const cookiesOf = (app: AppContext) => dashboardCookies(app.config.origin);
/** The value of one of the dashboard's cookies the browser sent, if any. */
export const cookieValue = (spec: CookieSpec, headers: Record<string, string | string[] | undefined>) => cookieNamed(one(headers.cookie), spec.name);
/** The device cookie the browser sent, if any (auth/device.ts). */
const deviceOf = (app: AppContext, headers: Record<string, string | string[] | undefined>) => cookieValue(cookiesOf(app).device, headers);

/**
 * The dashboard's origin for URLs given to providers: the configured one; without it (the
 * sandbox on this machine), the host the browser asked for. A provider checks the
 * callback against its registration, so another Host gets no code.
 */
export function dashboardOrigin(app: AppContext, headers: Record<string, string | string[] | undefined>): string {
	if (app.config.origin) return app.config.origin;
	const host = one(headers.host) ?? '';
	return /^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:]+\](:\d{1,5})?$/i.test(host) ? `http://${host}` : `http://127.0.0.1:${app.config.port}`;
}

export const signIn = op({
	id: 'signIn',
	method: 'POST',
	path: '/api/v1/session',
	access: 'public',
	tag: 'Accounts',
	summary:
		'Sign in with a local account: sets the session cookie (HttpOnly, SameSite=Lax; `__Host-` on https) and a device cookie that keeps this browser signing in while its address is throttled. Attempts are reserved before the password is checked, per user and per client address: 429 with Retry-After past the limit.',
	body: z.strictObject({
		username: z.string().min(1).max(200),
		password: z.string().min(1).max(1000),
		passkey: passkeyAssertion.optional().meta({ description: 'With `auth.passkeys.required_for_local`: an assertion of one of the user\'s passkeys for a challenge from `POST /api/v1/passkey-sign-in/options`.' })
	}),
	responses: { 204: null, 401: errorSchema, 403: errorSchema, 429: errorSchema },
	handler: async ({ app, actor, body, headers }) => {
		const passkeyRequired = app.config.auth.passkeys.required_for_local;
		if (passkeyRequired && !body.passkey) throw new DomainError('unauthenticated', 'passkey_required', 'A local account signs in here with its password and one of its passkeys.');
		const rp = relyingParty(dashboardOrigin(app, headers));
		const secondFactor = passkeyRequired ? async (userId: number) => void (await app.passkeys.verifyAssertion(body.passkey as never, rp, actor, userId)) : undefined;
		const result = await app.auth.login(body.username, body.password, actor, deviceOf(app, headers), secondFactor);
		if (!result.ok) {
			if (result.reason === 'throttled') {
				throw new DomainError('throttled', 'throttled', `Too many failed sign-ins. Try again in ${Math.ceil(result.retryAfterS / 60)} minutes.`, { retryAfterS: result.retryAfterS });
			}
			if (result.reason === 'local_off') throw new DomainError('forbidden', 'local_sign_in_off', 'Sign-in with a local password is switched off here (auth.local: false); sign in through a provider.');
			throw new DomainError('unauthenticated', 'invalid_credentials', 'Wrong username or password.');
		}
		const { session, device } = cookiesOf(app);
		const cookies = [setCookie(session, result.sessionId, { expires: result.expiresAt })];
		if (result.device) cookies.push(setCookie(device, result.device, { maxAge: app.auth.deviceMaxAgeS }));
		return new Reply(204, null, { 'set-cookie': cookies });
	}
});

export const signOut = op({
	id: 'signOut',
	method: 'DELETE',
	path: '/api/v1/session',
	access: 'viewer',
	tag: 'Accounts',
	summary:
		"Sign out: ends this session on the server and clears its cookie. For a session a provider signed in whose provider has an end-session endpoint, `notice` is what the login page shows (`/login?notice=…`): a link to sign out there too.",
	responses: { 200: z.object({ notice: z.string().nullable().meta({ description: 'Signed; opaque to the client.' }) }) },
	handler: async ({ app, actor, headers }) => {
		const p = actor.principal!;
		const ended = await app.auth.logout(p);
		await audit(app.store, actor, 'logout', p.kind === 'user' ? auditTarget.user(p.name) : null, 'success', ended ? { provider: ended.provider } : undefined);
		const notice = ended ? await app.sso.signedOut(ended, dashboardOrigin(app, headers)) : null;
		return new Reply(200, { notice }, { 'set-cookie': setCookie(cookiesOf(app).session, '', { maxAge: 0 }) });
	}
});

export const changePassword = op({
	id: 'changePassword',
	method: 'POST',
	path: '/api/v1/me/password',
	access: 'viewer',
	tag: 'Accounts',
	summary: "Change the signed-in user's password (checked under the sign-in throttle): every other session of the user ends, this one continues under a new id (Set-Cookie).",
	body: passwordChange,
	responses: { 204: null, 400: errorSchema, 429: errorSchema },
	handler: async ({ app, actor, body, headers }) => {
		const next = await app.accounts.changeOwnPassword(actor, body, deviceOf(app, headers));
		return new Reply(204, null, { 'set-cookie': setCookie(cookiesOf(app).session, next.sessionId, { expires: next.expiresAt }) });
	}
});

export const listAudit = op({
	id: 'listAudit',
	method: 'GET',
	path: '/api/v1/audit',
	access: 'admin',
	tag: 'Accounts',
	summary: 'Audit records, newest first: who did what to which target, when, from where, and the outcome.',
	query: z.strictObject({
		...pagingFields,
		action: z.string().max(200).optional(),
		outcome: z.enum(AUDIT_OUTCOMES).optional(),
		principal: z.string().max(200).optional()
	}),
	responses: {
		200: pageSchema(
			z
				.object({
					id: z.number().int(),
					at: z.string(),
					principal: z.string(),
					principal_kind: z.string(),
					action: z.string(),
					target: z.string().nullable(),
					outcome: z.enum(AUDIT_OUTCOMES),
					count: z.number().int().meta({ description: 'How many times this happened: refused sign-ins are one row per throttle window and key.' }),
					detail: z.record(z.string(), z.unknown()).nullable(),
					ip: z.string().nullable(),
					request_id: z.string().nullable()
				})
				.meta({ id: 'AuditEntry' })
		),
		400: errorSchema
	},
	handler: async ({ app, query: q }) => {
		const { items, total } = await app.store.audit.list({ page: q.page, perPage: q.per_page, action: q.action, outcome: q.outcome, principal: q.principal });
		return { items: items.map((i) => ({ ...i, target: i.target ?? null, ip: i.ip ?? null, request_id: i.request_id ?? null })), total, page: q.page, per_page: q.per_page };
	}
});

export const listUsers = op({
	id: 'listUsers',
	method: 'GET',
	path: '/api/v1/users',
	access: 'admin',
	tag: 'Accounts',
	summary: 'Users: local accounts and those a sign-in provider made, with where each comes from and their last sign-in.',
	responses: { 200: pageSchema(userSchema) },
	handler: async ({ app, actor }) => allOf(await app.accounts.listUsers(actor))
});

export const createUser = op({
	id: 'createUser',
	method: 'POST',
	path: '/api/v1/users',
	access: 'admin',
	tag: 'Accounts',
	summary: 'Create a local user.',
	body: newUser,
	responses: { 201: userSchema, 400: errorSchema, 409: errorSchema },
	handler: ({ app, actor, body }) => app.accounts.createUser(actor, body)
});

export const updateUser = op({
	id: 'updateUser',
	method: 'PATCH',
	path: '/api/v1/users/{id}',
	access: 'admin',
	tag: 'Accounts',
	summary: "Change a user's role, disable or reset the password; ends the user's sessions. Never the last active admin.",
	params: numericId,
	body: userPatch,
	responses: { 200: userSchema, 400: errorSchema, 404: errorSchema, 409: errorSchema },
	handler: ({ app, actor, params, body }) => app.accounts.updateUser(actor, params.id, body)
});

export const deleteUser = op({
	id: 'deleteUser',
	method: 'DELETE',
	path: '/api/v1/users/{id}',
	access: 'admin',
	tag: 'Accounts',
	summary: 'Delete a user (never yourself, never the last active admin).',
	params: numericId,
	responses: { 204: null, 400: errorSchema, 404: errorSchema, 409: errorSchema },
	handler: async ({ app, actor, params }) => {
		await app.accounts.deleteUser(actor, params.id);
		return undefined;
	}
});

export const listTokens = op({
	id: 'listTokens',
	method: 'GET',
	path: '/api/v1/tokens',
	access: 'admin',
	tag: 'Accounts',
	summary: 'API tokens (never their secrets).',
	responses: { 200: pageSchema(tokenSchema) },
	handler: async ({ app, actor }) => allOf(await app.accounts.listTokens(actor))
});

export const createToken = op({
	id: 'createToken',
	method: 'POST',
	path: '/api/v1/tokens',
	access: 'admin',
	tag: 'Accounts',
	summary: 'Create an API token; the secret is in this answer only (the store keeps its hash).',
	body: newToken,
	responses: { 201: tokenSchema.extend({ token: z.string().meta({ description: 'The secret: send it as `Authorization: Bearer <token>`.' }) }), 400: errorSchema },
	handler: async ({ app, actor, body }) => {
		const { token, secret } = await app.accounts.createToken(actor, body);
		return { ...token, token: secret };
	}
});

export const revokeToken = op({
	id: 'revokeToken',
	method: 'DELETE',
	path: '/api/v1/tokens/{id}',
	access: 'admin',
	tag: 'Accounts',
	summary: 'Revoke an API token; it stops working at once.',
	params: numericId,
	responses: { 200: tokenSchema, 400: errorSchema, 404: errorSchema },
	handler: ({ app, actor, params }) => app.accounts.revokeToken(actor, params.id)
});

export const ACCOUNT_OPERATIONS = [signIn, signOut, changePassword, listAudit, listUsers, createUser, updateUser, deleteUser, listTokens, createToken, revokeToken];
