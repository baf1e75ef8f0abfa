// The account service against real stores of both dialects, called with Actors as the
// API, the pages and the CLI call it.
import { beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, storeFor } from '../../../../tests/helpers/stores';
import { parseConfigFile } from '../config';
import { Auth } from '../auth/service';
import type { Principal } from '../auth/principal';
import { hashPassword } from '../auth/secrets';
import type { Store } from '../store';
import { Accounts, newToken } from './accounts';
import { CLI_ACTOR, type Actor } from './actor';
import { DomainError } from './errors';

const T0 = Date.parse('2025-03-01T12:00:00Z');
const settings = parseConfigFile(`auth: { login_throttle: { max_failures_per_user: 3, max_failures_per_ip: 10, window_minutes: 15 } }`, 'test.yaml').auth;

const actorFor = (principal: Principal, ip = '10.0.0.1'): Actor => ({ principal, ip, requestId: 'req-api', userAgent: 'vitest' });

/** The DomainError a call throws. */
async function refusal(p: Promise<unknown>): Promise<DomainError> {
	const e = await p.then(
		() => null,
		(err: unknown) => err
	);
	expect(e).toBeInstanceOf(DomainError);
	return e as DomainError;
}

describe.each(BACKENDS)('Accounts on %s', (_dialect, makeBackend) => {
	const current = storeFor(makeBackend);
	let store: Store;
	let auth: Auth;
	let accounts: Accounts;
	let clock: number;
	let admin: Actor;
	let adminUser: { id: number };

	beforeEach(async () => {
		store = current();
		clock = T0;
		const now = () => new Date(clock);
		auth = new Auth({ store, pepper: 'pepper', settings, now, random: () => 0 });
		accounts = new Accounts({ store, auth, now });
		adminUser = (await store.users.create({ username: 'root', passwordHash: await hashPassword('root password!'), role: 'admin' }, now().toISOString()))!;
		admin = actorFor({ kind: 'user', id: adminUser.id, name: 'root', role: 'admin' });
	});

	const audit = async (action: string) => (await store.audit.list({ page: 1, perPage: 100, action })).items;

	/** Creates a user and signs them in; returns their actor (with the session) and the session id. */
	async function signedIn(username: string, password: string, role: 'viewer' | 'operator' | 'admin' = 'viewer') {
		await accounts.createUser(admin, { username, password, role });
		const r = await auth.login(username, password, { principal: null, ip: '10.0.0.1', requestId: 'r', userAgent: 'vitest' });
		if (!r.ok) throw new Error('login failed');
		return { actor: actorFor(r.principal), sessionId: r.sessionId };
	}

	describe('users', () => {
		it('creates a user once; a duplicate is a conflict, audited with one target format', async () => {
			const u = await accounts.createUser(admin, { username: 'alice', password: 'a long password', role: 'operator' });
			expect(u).toMatchObject({ username: 'alice', role: 'operator', disabled: false, must_change_password: false });
			const e = await refusal(accounts.createUser(admin, { username: 'alice', password: 'a long password', role: 'viewer' }));
			expect([e.kind, e.code]).toEqual(['conflict', 'conflict']);
			expect(await audit('user.create')).toMatchObject([
				{ principal: 'root', target: 'user:alice', outcome: 'failure', detail: { reason: 'exists' }, ip: '10.0.0.1', request_id: 'req-api' },
				{ principal: 'root', target: 'user:alice', outcome: 'success', detail: { id: u.id, role: 'operator' } }
			]);
		});

		it('refuses actors below admin, and anonymous ones, changing nothing', async () => {
			const viewer = actorFor({ kind: 'user', id: 99, name: 'vic', role: 'viewer' });
			expect((await refusal(accounts.createUser(viewer, { username: 'x', password: 'a long password', role: 'admin' }))).kind).toBe('forbidden');
			expect((await refusal(accounts.listTokens({ ...viewer, principal: null }))).kind).toBe('forbidden');
			expect((await store.users.list()).map((u) => u.username)).toEqual(['root']);
			expect(await audit('user.create')).toMatchObject([{ principal: 'vic', outcome: 'denied', detail: { reason: 'role', needs: 'admin' } }]);
		});

		it('protects the last admin and refuses deleting yourself', async () => {
			expect((await refusal(accounts.updateUser(admin, adminUser.id, { role: 'viewer' }))).code).toBe('last_admin');
			expect((await refusal(accounts.updateUser(admin, adminUser.id, { disabled: true }))).code).toBe('last_admin');
			expect((await refusal(accounts.deleteUser(admin, adminUser.id))).code).toBe('self');
			expect((await refusal(accounts.updateUser(admin, 424242, { role: 'viewer' }))).kind).toBe('not_found');
			expect((await store.users.byId(adminUser.id))?.role).toBe('admin');
		});

		it('a role change, disable or reset ends the user’s sessions; a reset forces a new password', async () => {
			const { sessionId } = await signedIn('bob', 'bob password 1');
			const bob = (await store.users.credentials('bob'))!;
			await accounts.updateUser(admin, bob.id, { password: 'reset by admin' });
			expect(await auth.session(sessionId)).toBeNull();
			expect((await store.users.byId(bob.id))?.must_change_password).toBe(true);
			expect(await audit('user.update')).toMatchObject([{ target: 'user:bob', outcome: 'success', detail: { password_reset: true } }]);
		});

		it('disabling a user stops their tokens at once in this process', async () => {
			const { actor } = await signedIn('olga', 'olga password', 'admin');
			const { secret } = await accounts.createToken(actor, { name: 'olga-ci', role: 'operator' });
			expect(await auth.token(secret)).toMatchObject({ role: 'operator' });
			await accounts.updateUser(admin, actor.principal!.id, { disabled: true });
			expect(await auth.token(secret)).toBeNull();
		});

		it('deleting a user revokes the tokens they own and audits which', async () => {
			const { actor } = await signedIn('olga', 'olga password', 'admin');
			const { token, secret } = await accounts.createToken(actor, { name: 'olga-ci', role: 'admin' });
			const cli = await accounts.createToken(CLI_ACTOR, { name: 'cli-made', role: 'viewer' });
			expect(await auth.token(secret)).not.toBeNull();
			await accounts.deleteUser(admin, actor.principal!.id);
			expect(await auth.token(secret)).toBeNull();
			expect(await auth.token(cli.secret)).not.toBeNull();
			expect((await store.tokens.list()).find((t) => t.id === token.id)?.revoked_at).toBe(new Date(T0).toISOString());
			expect(await audit('user.delete')).toMatchObject([{ target: 'user:olga', outcome: 'success', detail: { tokens_revoked: [token.id] } }]);
		});
	});

	describe('own password', () => {
		it('ends every other session, rotates the caller’s, and clears a forced change', async () => {
			const { actor, sessionId } = await signedIn('vera', 'first password!');
			const other = await auth.login('vera', 'first password!', { principal: null, ip: '10.0.0.2', requestId: null, userAgent: null });
			if (!other.ok) throw new Error('login failed');
			await store.users.update(actor.principal!.id, { mustChangePassword: true }, new Date(clock).toISOString());
			const fresh = await accounts.changeOwnPassword(actor, { current_password: 'first password!', new_password: 'second password!' });
			expect(await auth.session(sessionId)).toBeNull();
			expect(await auth.session(other.sessionId)).toBeNull();
			expect(fresh.sessionId).not.toBe(sessionId);
			expect(await auth.session(fresh.sessionId)).toMatchObject({ name: 'vera' });
			expect((await auth.session(fresh.sessionId))?.mustChangePassword).toBeUndefined();
			expect((await store.users.credentials('vera'))?.must_change_password).toBe(0);
			expect((await auth.login('vera', 'second password!', { principal: null, ip: '10.0.0.3', requestId: null, userAgent: null })).ok).toBe(true);
			expect(await audit('user.password')).toMatchObject([{ principal: 'vera', target: 'user:vera', outcome: 'success' }]);
		});

		it('refuses a wrong current password, and a token, changing nothing', async () => {
			const { actor, sessionId } = await signedIn('vera', 'first password!');
			const e = await refusal(accounts.changeOwnPassword(actor, { current_password: 'nope', new_password: 'second password!' }));
			expect([e.kind, e.code]).toEqual(['invalid', 'wrong_password']);
			expect(await auth.session(sessionId)).not.toBeNull();
			const token = actorFor({ kind: 'token', id: 1, name: 'token:ci', role: 'admin', ownerId: null });
			expect((await refusal(accounts.changeOwnPassword(token, { current_password: 'x', new_password: 'second password!' }))).code).toBe('not_a_user');
			expect(await audit('user.password')).toMatchObject([{ target: 'user:vera', outcome: 'failure', detail: { reason: 'wrong current password' } }]);
		});

		it('is throttled exactly like sign-in, sharing its budget, with a retry-after', async () => {
			const { actor } = await signedIn('vera', 'first password!');
			const tries = await Promise.all(
				Array.from({ length: 10 }, () => accounts.changeOwnPassword(actor, { current_password: 'guess', new_password: 'second password!' }).catch((e: DomainError) => e))
			);
			expect(tries.filter((e) => e instanceof DomainError && e.code === 'wrong_password')).toHaveLength(3);
			const throttled = tries.filter((e) => e instanceof DomainError && e.kind === 'throttled') as DomainError[];
			expect(throttled).toHaveLength(7);
			expect(throttled[0]!.extra.retryAfterS).toBe(15 * 60);
			// The right password is refused too, and so is signing in as vera from a new browser.
			expect((await refusal(accounts.changeOwnPassword(actor, { current_password: 'first password!', new_password: 'second password!' }))).kind).toBe('throttled');
			expect(await auth.login('vera', 'first password!', { principal: null, ip: '10.0.0.9', requestId: null, userAgent: null })).toMatchObject({ reason: 'throttled' });
			expect((await audit('user.password')).filter((e) => e.outcome === 'denied')).toMatchObject([{ target: 'user:vera', count: 8, detail: { by: 'user' } }]);
		});
	});

	describe('tokens', () => {
		it('are owned by the acting user, or by the acting token’s owner; the CLI’s have none', async () => {
			const { actor } = await signedIn('olga', 'olga password', 'admin');
			const byUser = await accounts.createToken(actor, { name: 'a', role: 'viewer' });
			expect(byUser.token).toMatchObject({ owner_id: actor.principal!.id, created_by: 'olga', expires_at: null });
			const asToken = (await auth.token(byUser.secret))!;
			const byToken = await accounts.createToken(actorFor({ ...asToken, role: 'admin' }), { name: 'b', role: 'viewer' });
			expect(byToken.token).toMatchObject({ owner_id: actor.principal!.id, created_by: 'token:a' });
			const byCli = await accounts.createToken(CLI_ACTOR, { name: 'c', role: 'admin' });
			expect(byCli.token).toMatchObject({ owner_id: null, created_by: 'cli' });
		});

		it('expire after expires_in_days', async () => {
			const { token, secret } = await accounts.createToken(admin, { name: 'short', role: 'viewer', expires_in_days: 30 });
			expect(token.expires_at).toBe(new Date(T0 + 30 * 86_400_000).toISOString());
			expect(await auth.token(secret)).not.toBeNull();
			clock = T0 + 30 * 86_400_000;
			expect(await auth.token(secret)).toBeNull();
			expect(newToken.safeParse({ name: 'x', role: 'viewer', expires_in_days: 0 }).success).toBe(false);
			expect(newToken.safeParse({ name: 'x', role: 'viewer', expires_in_days: 3651 }).success).toBe(false);
		});

		it('revoke once with the token:<id> target; a second revoke is not found', async () => {
			const { token, secret } = await accounts.createToken(admin, { name: 'ci', role: 'viewer' });
			await auth.token(secret);
			expect(await accounts.revokeToken(admin, token.id)).toMatchObject({ id: token.id, revoked_at: new Date(T0).toISOString() });
			expect(await auth.token(secret)).toBeNull();
			expect((await refusal(accounts.revokeToken(admin, token.id))).kind).toBe('not_found');
			expect(await audit('token.revoke')).toMatchObject([
				{ target: `token:${token.id}`, outcome: 'failure' },
				{ target: `token:${token.id}`, outcome: 'success', detail: { name: 'ci' } }
			]);
			expect(await audit('token.create')).toMatchObject([{ target: `token:${token.id}`, detail: { name: 'ci', role: 'viewer', owner_id: adminUser.id } }]);
		});
	});
});
