// User and API-token management, shared by the JSON API and the Settings page.
// Each call validates, acts, and audits its outcome.
import type { RequestEvent } from '@sveltejs/kit';
import { z } from 'zod';
import { app } from '../app';
import { ROLES } from '../auth/roles';
import { hashPassword, verifyPassword } from '../auth/secrets';
import { audit } from '../http/audit';
import { ApiError } from '../http/errors';

const role = z.enum(ROLES as ['viewer', 'operator', 'admin']);
const password = z.string().min(12, 'at least 12 characters').max(1000);

export const newUser = z.strictObject({
	username: z.string().regex(/^[a-zA-Z0-9._-]{1,64}$/, '1-64 letters, digits, dot, dash or underscore'),
	password,
	role
});
export const userPatch = z
	.strictObject({ role: role.optional(), disabled: z.boolean().optional(), password: password.optional() })
	.refine((p) => Object.keys(p).length > 0, 'give at least one of role, disabled, password');
export const newToken = z.strictObject({ name: z.string().min(1).max(100).regex(/^[\w .:-]+$/, 'letters, digits, space, dot, colon, dash'), role });
export const passwordChange = z.strictObject({ current_password: z.string().min(1).max(1000), new_password: password });

const now = () => new Date().toISOString();

export async function createUser(event: RequestEvent, input: z.infer<typeof newUser>) {
	const user = await app().store.users.create({ username: input.username, passwordHash: await hashPassword(input.password), role: input.role }, now());
	if (!user) {
		await audit(event, 'user.create', input.username, 'failure', { reason: 'exists' });
		throw new ApiError(409, 'conflict', `user ${input.username} already exists`);
	}
	await audit(event, 'user.create', user.username, 'success', { role: user.role });
	return user;
}

export async function updateUser(event: RequestEvent, id: number, patch: z.infer<typeof userPatch>) {
	const { store } = app();
	const before = await store.users.byId(id);
	if (!before) throw new ApiError(404, 'not_found', `no user ${id}`);
	const losesAdmin = before.role === 'admin' && !before.disabled && ((patch.role && patch.role !== 'admin') || patch.disabled === true);
	if (losesAdmin && (await store.users.countAdmins()) <= 1) {
		await audit(event, 'user.update', before.username, 'failure', { reason: 'last admin' });
		throw new ApiError(409, 'last_admin', 'this is the last active admin; make another admin first');
	}
	const user = await store.users.update(id, { role: patch.role, disabled: patch.disabled, passwordHash: patch.password && (await hashPassword(patch.password)) }, now());
	// A role change, disable or password reset ends the user's sessions.
	await store.sessions.deleteForUser(id);
	await audit(event, 'user.update', before.username, 'success', { role: patch.role, disabled: patch.disabled, password_reset: Boolean(patch.password) });
	return user!;
}

export async function deleteUser(event: RequestEvent, id: number) {
	const { store } = app();
	const before = await store.users.byId(id);
	if (!before) throw new ApiError(404, 'not_found', `no user ${id}`);
	if (event.locals.principal?.kind === 'user' && event.locals.principal.id === id) throw new ApiError(409, 'self', 'you cannot delete yourself');
	if (before.role === 'admin' && !before.disabled && (await store.users.countAdmins()) <= 1) {
		throw new ApiError(409, 'last_admin', 'this is the last active admin; make another admin first');
	}
	await store.users.delete(id);
	await audit(event, 'user.delete', before.username, 'success');
}

export async function changeOwnPassword(event: RequestEvent, input: z.infer<typeof passwordChange>) {
	const p = event.locals.principal;
	if (p?.kind !== 'user') throw new ApiError(400, 'not_a_user', 'API tokens have no password');
	const { store } = app();
	const creds = await store.users.credentials(p.name);
	if (!creds || !(await verifyPassword(input.current_password, creds.password_hash))) {
		await audit(event, 'user.password', p.name, 'failure', { reason: 'wrong current password' });
		throw new ApiError(400, 'wrong_password', 'the current password is wrong');
	}
	await store.users.update(p.id, { passwordHash: await hashPassword(input.new_password) }, now());
	await audit(event, 'user.password', p.name, 'success');
}

export async function createToken(event: RequestEvent, input: z.infer<typeof newToken>) {
	const created = await app().auth.createToken(input.name, input.role, event.locals.principal!.name);
	await audit(event, 'token.create', `token:${input.name}`, 'success', { role: input.role, id: created.token.id });
	return created;
}

export async function revokeToken(event: RequestEvent, id: number) {
	const token = await app().store.tokens.revoke(id, now());
	app().auth.forgetTokens();
	if (!token) {
		await audit(event, 'token.revoke', `token #${id}`, 'failure', { reason: 'unknown or already revoked' });
		throw new ApiError(404, 'not_found', `no active token ${id}`);
	}
	await audit(event, 'token.revoke', `token:${token.name}`, 'success', { id });
	return token;
}
