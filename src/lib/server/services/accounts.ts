// User and API-token management, shared by the JSON API, the Settings page and the
// CLI. Each call validates, acts, and audits its outcome.
import { z } from 'zod';
import { ROLES } from '../auth/roles';
import { hashPassword, verifyPassword } from '../auth/secrets';
import type { Auth } from '../auth/service';
import type { Store } from '../store';
import type { Actor } from './actor';
import { audit } from './audit';
import { DomainError } from './errors';

export const roleSchema = z.enum(ROLES as ['viewer', 'operator', 'admin']);
const password = z.string().min(12, 'at least 12 characters').max(1000);

export const newUser = z.strictObject({
	username: z.string().regex(/^[a-zA-Z0-9._-]{1,64}$/, '1-64 letters, digits, dot, dash or underscore'),
	password,
	role: roleSchema
});
export const userPatch = z
	.strictObject({ role: roleSchema.optional(), disabled: z.boolean().optional(), password: password.optional() })
	.refine((p) => Object.keys(p).length > 0, 'give at least one of role, disabled, password');
export const newToken = z.strictObject({ name: z.string().min(1).max(100).regex(/^[\w .:-]+$/, 'letters, digits, space, dot, colon, dash'), role: roleSchema });
export const passwordChange = z.strictObject({ current_password: z.string().min(1).max(1000), new_password: password });

const now = () => new Date().toISOString();

export class Accounts {
	constructor(private deps: { store: Store; auth: Auth }) {}

	async createUser(actor: Actor, input: z.infer<typeof newUser>) {
		const { store } = this.deps;
		const user = await store.users.create({ username: input.username, passwordHash: await hashPassword(input.password), role: input.role }, now());
		if (!user) {
			await audit(store, actor, 'user.create', input.username, 'failure', { reason: 'exists' });
			throw new DomainError('conflict', 'conflict', `user ${input.username} already exists`);
		}
		await audit(store, actor, 'user.create', user.username, 'success', { role: user.role });
		return user;
	}

	async updateUser(actor: Actor, id: number, patch: z.infer<typeof userPatch>) {
		const { store } = this.deps;
		const before = await store.users.byId(id);
		if (!before) throw new DomainError('not_found', 'not_found', `no user ${id}`);
		const losesAdmin = before.role === 'admin' && !before.disabled && ((patch.role && patch.role !== 'admin') || patch.disabled === true);
		if (losesAdmin && (await store.users.countAdmins()) <= 1) {
			await audit(store, actor, 'user.update', before.username, 'failure', { reason: 'last admin' });
			throw new DomainError('conflict', 'last_admin', 'this is the last active admin; make another admin first');
		}
		const user = await store.users.update(id, { role: patch.role, disabled: patch.disabled, passwordHash: patch.password && (await hashPassword(patch.password)) }, now());
		// A role change, disable or password reset ends the user's sessions.
		await store.sessions.deleteForUser(id);
		await audit(store, actor, 'user.update', before.username, 'success', { role: patch.role, disabled: patch.disabled, password_reset: Boolean(patch.password) });
		return user!;
	}

	async deleteUser(actor: Actor, id: number) {
		const { store } = this.deps;
		const before = await store.users.byId(id);
		if (!before) throw new DomainError('not_found', 'not_found', `no user ${id}`);
		if (actor.principal?.kind === 'user' && actor.principal.id === id) throw new DomainError('conflict', 'self', 'you cannot delete yourself');
		if (before.role === 'admin' && !before.disabled && (await store.users.countAdmins()) <= 1) {
			throw new DomainError('conflict', 'last_admin', 'this is the last active admin; make another admin first');
		}
		await store.users.delete(id);
		await audit(store, actor, 'user.delete', before.username, 'success');
	}

	async changeOwnPassword(actor: Actor, input: z.infer<typeof passwordChange>) {
		const { store } = this.deps;
		const p = actor.principal;
		if (p?.kind !== 'user') throw new DomainError('invalid', 'not_a_user', 'API tokens have no password');
		const creds = await store.users.credentials(p.name);
		if (!creds || !(await verifyPassword(input.current_password, creds.password_hash))) {
			await audit(store, actor, 'user.password', p.name, 'failure', { reason: 'wrong current password' });
			throw new DomainError('invalid', 'wrong_password', 'the current password is wrong');
		}
		await store.users.update(p.id, { passwordHash: await hashPassword(input.new_password) }, now());
		await audit(store, actor, 'user.password', p.name, 'success');
	}

	async createToken(actor: Actor, input: z.infer<typeof newToken>) {
		const created = await this.deps.auth.createToken(input.name, input.role, actor.principal?.name ?? 'anonymous');
		await audit(this.deps.store, actor, 'token.create', `token:${input.name}`, 'success', { role: input.role, id: created.token.id });
		return created;
	}

	async revokeToken(actor: Actor, id: number) {
		const token = await this.deps.store.tokens.revoke(id, now());
		this.deps.auth.forgetTokens();
		if (!token) {
			await audit(this.deps.store, actor, 'token.revoke', `token #${id}`, 'failure', { reason: 'unknown or already revoked' });
			throw new DomainError('not_found', 'not_found', `no active token ${id}`);
		}
		await audit(this.deps.store, actor, 'token.revoke', `token:${token.name}`, 'success', { id });
		return token;
	}
}
