// User and API-token management, for every door: the JSON API, the Settings page and
// the CLI call the same methods with their Actor. Each call checks the actor's role,
// validates, acts, and audits its outcome; refusals are DomainErrors with nothing changed.
import { z } from 'zod';
import type { Auth, NewSession } from '../auth/service';
import { roleAtLeast, ROLES, type Role } from '../auth/roles';
import { hashPassword } from '../auth/secrets';
import type { Store } from '../store';
import type { ApiToken } from '../store/tokens';
import type { User } from '../store/users';
import type { Actor } from './actor';
import { auditTarget, writeAudit, type AuditEvent } from './audit';
import { DomainError } from './errors';

export const roleSchema = z.enum(ROLES);
const role = roleSchema;
const password = z.string().min(12, 'at least 12 characters').max(1000);

export const MAX_TOKEN_DAYS = 3650;

export const newUser = z.strictObject({
	username: z.string().regex(/^[a-zA-Z0-9._-]{1,64}$/, '1-64 letters, digits, dot, dash or underscore'),
	password,
	role
});
export const userPatch = z
	.strictObject({ role: role.optional(), disabled: z.boolean().optional(), password: password.optional() })
	.refine((p) => Object.keys(p).length > 0, 'give at least one of role, disabled, password');
export const newToken = z.strictObject({
	name: z.string().min(1).max(100).regex(/^[\w .:-]+$/, 'letters, digits, space, dot, colon, dash'),
	role,
	expires_in_days: z
		.number()
		.int()
		.min(1)
		.max(MAX_TOKEN_DAYS)
		.optional()
		.describe(`Days until the token stops working (1-${MAX_TOKEN_DAYS}); without it the token lasts until revoked.`)
});
export const passwordChange = z.strictObject({ current_password: z.string().min(1).max(1000), new_password: password });

export interface AccountsDeps {
	store: Store;
	auth: Auth;
	now?: () => Date;
}

export class Accounts {
	private store: Store;
	private auth: Auth;
	private now: () => Date;

	constructor(deps: AccountsDeps) {
		this.store = deps.store;
		this.auth = deps.auth;
		this.now = deps.now ?? (() => new Date());
	}

	private audit(actor: Actor, e: AuditEvent) {
		return writeAudit(this.store, this.now(), actor, e);
	}

	/** Refuses (and audits) an actor below `needs`; the HTTP layer checks roles too, the CLI is admin. */
	private async require(actor: Actor, needs: Role, action: string): Promise<void> {
		if (actor.principal && roleAtLeast(actor.principal.role, needs)) return;
		if (actor.principal) await this.audit(actor, { action, target: null, outcome: 'denied', detail: { reason: 'role', needs } });
		throw new DomainError('forbidden', 'forbidden', `this needs the ${needs} role`);
	}

	async listUsers(actor: Actor): Promise<User[]> {
		await this.require(actor, 'admin', 'user.list');
		return this.store.users.list();
	}

	async createUser(actor: Actor, input: z.infer<typeof newUser>): Promise<User> {
		await this.require(actor, 'admin', 'user.create');
		const target = auditTarget.user(input.username);
		const user = await this.store.users.create({ username: input.username, passwordHash: await hashPassword(input.password), role: input.role }, this.now().toISOString());
		if (!user) {
			await this.audit(actor, { action: 'user.create', target, outcome: 'failure', detail: { reason: 'exists' } });
			throw new DomainError('conflict', 'conflict', `user ${input.username} already exists`);
		}
		await this.audit(actor, { action: 'user.create', target, outcome: 'success', detail: { id: user.id, role: user.role } });
		return user;
	}

	async updateUser(actor: Actor, id: number, patch: z.infer<typeof userPatch>): Promise<User> {
		await this.require(actor, 'admin', 'user.update');
		const before = await this.store.users.byId(id);
		if (!before) throw new DomainError('not_found', 'not_found', `no user ${id}`);
		const target = auditTarget.user(before.username);
		if (patch.password && before.provider) throw new DomainError('invalid', 'provider_account', `${before.username} signs in through ${before.provider}; the dashboard keeps no password for it`);
		const losesAdmin = before.role === 'admin' && !before.disabled && ((patch.role && patch.role !== 'admin') || patch.disabled === true);
		if (losesAdmin && (await this.store.users.countAdmins()) <= 1) {
			await this.audit(actor, { action: 'user.update', target, outcome: 'failure', detail: { reason: 'last admin' } });
			throw new DomainError('conflict', 'last_admin', 'this is the last active admin; make another admin first');
		}
		const user = await this.store.users.update(
			id,
			// A password an admin set is one somebody else knows: the user chooses their own at next sign-in.
			{ role: patch.role, disabled: patch.disabled, passwordHash: patch.password && (await hashPassword(patch.password)), mustChangePassword: patch.password ? true : undefined },
			this.now().toISOString()
		);
		// A role change, disable or password reset ends the user's sessions; their tokens follow
		// the owner's state when next resolved, and this process forgets the ones it reuses.
		await this.store.sessions.deleteForUser(id);
		this.auth.forgetTokens();
		await this.audit(actor, { action: 'user.update', target, outcome: 'success', detail: { role: patch.role, disabled: patch.disabled, password_reset: Boolean(patch.password) } });
		return user!;
	}

	async deleteUser(actor: Actor, id: number): Promise<void> {
		await this.require(actor, 'admin', 'user.delete');
		const before = await this.store.users.byId(id);
		if (!before) throw new DomainError('not_found', 'not_found', `no user ${id}`);
		const target = auditTarget.user(before.username);
		if (actor.principal?.kind === 'user' && actor.principal.id === id) throw new DomainError('conflict', 'self', 'you cannot delete yourself');
		if (before.role === 'admin' && !before.disabled && (await this.store.users.countAdmins()) <= 1) {
			await this.audit(actor, { action: 'user.delete', target, outcome: 'failure', detail: { reason: 'last admin' } });
			throw new DomainError('conflict', 'last_admin', 'this is the last active admin; make another admin first');
		}
		const revoked = await this.store.tokens.revokeOwnedBy(id, this.now().toISOString());
		await this.store.users.delete(id);
		this.auth.forgetTokens();
		await this.audit(actor, { action: 'user.delete', target, outcome: 'success', detail: { id, tokens_revoked: revoked.map((t) => t.id) } });
	}

	/**
	 * The signed-in user's own password, checked under the sign-in throttle. On success every
	 * session of the user ends and the caller gets a new one (the door sets its cookie), and a
	 * forced change (must_change_password) is cleared.
	 */
	async changeOwnPassword(actor: Actor, input: z.infer<typeof passwordChange>, deviceCookie?: string): Promise<NewSession> {
		const p = actor.principal;
		if (p?.kind !== 'user') throw new DomainError('invalid', 'not_a_user', 'API tokens have no password');
		const target = auditTarget.user(p.name);
		const checked = await this.auth.checkPassword(p.name, input.current_password, actor, deviceCookie, 'user.password');
		if (!checked.ok) {
			if (checked.reason === 'throttled') {
				throw new DomainError('throttled', 'throttled', 'too many wrong passwords; try again later', { retryAfterS: checked.retryAfterS });
			}
			await this.audit(actor, { action: 'user.password', target, outcome: 'failure', detail: { reason: 'wrong current password' } });
			throw new DomainError('invalid', 'wrong_password', 'the current password is wrong');
		}
		if (input.new_password === input.current_password) {
			throw new DomainError('invalid', 'same_password', 'choose a password different from the current one');
		}
		await this.store.users.update(p.id, { passwordHash: await hashPassword(input.new_password), mustChangePassword: false }, this.now().toISOString());
		const session = await this.auth.rotateSessions(p.id, actor);
		await this.audit(actor, { action: 'user.password', target, outcome: 'success', detail: { sessions_ended: true } });
		return session;
	}

	async listTokens(actor: Actor): Promise<ApiToken[]> {
		await this.require(actor, 'admin', 'token.list');
		return this.store.tokens.list();
	}

	/**
	 * A new API token, owned by the acting user (or by the owner of the acting token); a
	 * token made with the CLI has no owner. Its secret is in the answer only.
	 */
	async createToken(actor: Actor, input: z.infer<typeof newToken>): Promise<{ token: ApiToken; secret: string }> {
		await this.require(actor, 'admin', 'token.create');
		const p = actor.principal!;
		const ownerId = p.kind === 'user' ? p.id : p.kind === 'token' ? (p.ownerId ?? null) : null;
		const expiresAt = input.expires_in_days ? new Date(this.now().getTime() + input.expires_in_days * 86_400_000) : null;
		const created = await this.auth.createToken({ name: input.name, role: input.role, createdBy: p.name, ownerId, expiresAt });
		const { token } = created;
		await this.audit(actor, {
			action: 'token.create',
			target: auditTarget.token(token.id),
			outcome: 'success',
			detail: { name: token.name, role: token.role, owner_id: token.owner_id, expires_at: token.expires_at }
		});
		return created;
	}

	async revokeToken(actor: Actor, id: number): Promise<ApiToken> {
		await this.require(actor, 'admin', 'token.revoke');
		const token = await this.store.tokens.revoke(id, this.now().toISOString());
		this.auth.forgetTokens();
		if (!token) {
			await this.audit(actor, { action: 'token.revoke', target: auditTarget.token(id), outcome: 'failure', detail: { reason: 'unknown or already revoked' } });
			throw new DomainError('not_found', 'not_found', `no active token ${id}`);
		}
		await this.audit(actor, { action: 'token.revoke', target: auditTarget.token(id), outcome: 'success', detail: { name: token.name } });
		return token;
	}
}
