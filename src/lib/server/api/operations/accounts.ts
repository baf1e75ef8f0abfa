// Accounts: signing in and out, one's own password, users, API tokens and the audit log.
import { serialize } from 'cookie';
import { z } from 'zod';
import { allOf, pageSchema, pagingFields } from '$lib/core/paging';
import { SESSION_COOKIE } from '../../auth/service';
import { newToken, newUser, passwordChange, roleSchema, userPatch } from '../../services/accounts';
import { audit } from '../../services/audit';
import { DomainError } from '../../services/errors';
import { errorSchema } from '../errors';
import { op, Reply } from '../operation';

const numericId = z.strictObject({ id: z.string().regex(/^\d{1,9}$/, 'a number').transform(Number) });

const userSchema = z
	.object({ id: z.number().int(), username: z.string(), role: roleSchema, disabled: z.boolean(), created_at: z.string(), updated_at: z.string() })
	.meta({ id: 'User' });
const tokenSchema = z
	.object({
		id: z.number().int(),
		name: z.string(),
		role: roleSchema,
		prefix: z.string().meta({ description: 'The first characters of the secret, to recognise it.' }),
		created_by: z.string(),
		created_at: z.string(),
		last_used_at: z.string().nullable(),
		revoked_at: z.string().nullable()
	})
	.meta({ id: 'Token' });

export const signIn = op({
	id: 'signIn',
	method: 'POST',
	path: '/api/v1/session',
	access: 'public',
	tag: 'Accounts',
	summary: 'Sign in with a local account: sets the session cookie (HttpOnly, SameSite=Lax). Throttled per user and per client address (429 with Retry-After).',
	body: z.strictObject({ username: z.string().min(1).max(200), password: z.string().min(1).max(1000) }),
	responses: { 204: null, 401: errorSchema, 429: errorSchema },
	handler: async ({ app, actor, body }) => {
		const result = await app.auth.login(body.username, body.password, { ip: actor.ip, userAgent: actor.userAgent, requestId: actor.requestId ?? undefined });
		if (!result.ok) {
			if (result.reason === 'throttled') throw new DomainError('throttled', 'throttled', 'Too many failed sign-ins. Wait a few minutes and try again.', { retryAfterS: 60 });
			throw new DomainError('invalid', 'invalid_credentials', 'Wrong username or password.');
		}
		const secure = (app.config.origin ?? '').startsWith('https:');
		const cookie = serialize(SESSION_COOKIE, result.sessionId, { path: '/', httpOnly: true, sameSite: 'lax', secure, expires: result.expiresAt });
		return new Reply(204, null, { 'set-cookie': cookie });
	}
});

export const signOut = op({
	id: 'signOut',
	method: 'DELETE',
	path: '/api/v1/session',
	access: 'viewer',
	tag: 'Accounts',
	summary: 'Sign out: ends this session on the server and clears its cookie.',
	responses: { 204: null },
	handler: async ({ app, actor }) => {
		const p = actor.principal!;
		await app.auth.logout(p);
		await audit(app.store, actor, 'logout', p.name, 'success');
		return new Reply(204, null, { 'set-cookie': serialize(SESSION_COOKIE, '', { path: '/', httpOnly: true, sameSite: 'lax', maxAge: 0 }) });
	}
});

export const changePassword = op({
	id: 'changePassword',
	method: 'POST',
	path: '/api/v1/me/password',
	access: 'viewer',
	tag: 'Accounts',
	summary: "Change the signed-in user's password.",
	body: passwordChange,
	responses: { 204: null, 400: errorSchema },
	handler: async ({ app, actor, body }) => {
		await app.accounts.changeOwnPassword(actor, body);
		return undefined;
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
		outcome: z.enum(['success', 'failure', 'denied']).optional(),
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
					outcome: z.enum(['success', 'failure', 'denied']),
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
	summary: 'Local users.',
	responses: { 200: pageSchema(userSchema) },
	handler: async ({ app }) => allOf(await app.store.users.list())
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
	handler: async ({ app }) => allOf(await app.store.tokens.list())
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
