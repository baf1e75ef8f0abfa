// Auth against real stores of both dialects, with an injected clock and a counted
// password check (every call is a real scrypt verification).
import { beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, storeFor } from '../../../../tests/helpers/stores';
import { parseConfigFile } from '../config';
import type { Actor } from '../services/actor';
import type { Store } from '../store';
import { issueDevice } from './device';
import { Auth, TOKEN_PREFIX } from './service';
import { hashPassword, verifyPassword } from './secrets';
import { MAX_RETRY_AFTER_S } from './throttle';

const T0 = Date.parse('2025-03-01T12:00:00Z'); // the start of a 15-minute window
const MIN = 60_000;
const PEPPER = 'test-pepper';

const settings = parseConfigFile(
	`
auth:
  session: { idle_timeout_minutes: 30, absolute_timeout_hours: 8 }
  login_throttle: { max_failures_per_ip: 5, max_failures_per_user: 3, max_failures_per_device: 2, window_minutes: 15, device_days: 30 }
`,
	'test.yaml'
).auth;

const client = (ip: string | null = '10.0.0.1', requestId = 'req-1'): Actor => ({ principal: null, ip, userAgent: 'vitest', requestId });

describe.each(BACKENDS)('Auth on %s', (_dialect, makeBackend) => {
	const current = storeFor(makeBackend);
	let store: Store;
	let clock: number;
	let auth: Auth;
	/** Password verifications (scrypt) that actually ran. */
	let verified: number;

	const makeAuth = (pepper = PEPPER) =>
		new Auth({
			store,
			pepper,
			settings,
			now: () => new Date(clock),
			verifyPassword: (password, stored) => {
				verified++;
				return verifyPassword(password, stored);
			},
			random: () => 0.5
		});

	async function addUser(username: string, password: string, role: 'viewer' | 'operator' | 'admin' = 'operator') {
		return (await store.users.create({ username, passwordHash: await hashPassword(password), role }, new Date(clock).toISOString()))!;
	}

	async function auditOf(action = 'login') {
		return (await store.audit.list({ page: 1, perPage: 100, action })).items;
	}

	async function signIn(username: string, password: string, ip = '10.0.0.1', device?: string) {
		const r = await auth.login(username, password, client(ip), device);
		if (!r.ok) throw new Error(`login failed: ${r.reason}`);
		return r;
	}

	beforeEach(() => {
		store = current();
		clock = T0;
		verified = 0;
		auth = makeAuth();
	});

	describe('initial admin', () => {
		it('is created once, with a password that works and must be changed', async () => {
			const password = await auth.ensureInitialAdmin();
			expect(password).toMatch(/^[\w-]{24}$/);
			expect(await auth.ensureInitialAdmin()).toBeNull();
			expect(await store.users.count()).toBe(1);
			const login = await auth.login('admin', password!, client());
			expect(login).toMatchObject({ ok: true, principal: { kind: 'user', name: 'admin', role: 'admin', mustChangePassword: true } });
			if (!login.ok) return;
			expect(await auth.session(login.sessionId)).toMatchObject({ mustChangePassword: true });
		});

		it('is not created when any user exists', async () => {
			await addUser('alice', 'pw');
			expect(await auth.ensureInitialAdmin()).toBeNull();
			expect(await store.users.credentials('admin')).toBeUndefined();
		});
	});

	describe('pepper', () => {
		it('uses SESSION_SECRET when given, else one generated value kept in the store', async () => {
			expect(await Auth.pepper(store, 's'.repeat(32))).toBe('s'.repeat(32));
			const generated = await Auth.pepper(store, undefined);
			expect(generated).toMatch(/^[\w-]{43}$/);
			expect(await Auth.pepper(store, undefined)).toBe(generated);
		});
	});

	describe('login and sessions', () => {
		it('creates a session that session() resolves, and a device cookie', async () => {
			const u = await addUser('alice', 'right password');
			const r = await signIn('alice', 'right password');
			expect(r.sessionId).toMatch(/^[\w-]{43}$/);
			expect(r.expiresAt.getTime()).toBe(T0 + 8 * 60 * MIN);
			expect(r.principal).toEqual({ kind: 'user', id: u.id, name: 'alice', role: 'operator', sessionHash: expect.any(String) });
			expect(r.device).toMatch(/^d1\./);
			expect(await auth.session(r.sessionId)).toEqual(r.principal);
			// Only the hash is stored.
			expect(await store.sessions.get(r.sessionId)).toBeUndefined();
			expect(await store.sessions.get(r.principal.sessionHash!)).toBeDefined();
			expect(await auditOf()).toMatchObject([
				{ principal: 'alice', principal_kind: 'user', target: 'user:alice', outcome: 'success', ip: '10.0.0.1', request_id: 'req-1', count: 1 }
			]);
		});

		it('does not resolve an unknown session id or one hashed under another pepper', async () => {
			await addUser('alice', 'pw');
			const r = await signIn('alice', 'pw');
			expect(await auth.session('not-a-session')).toBeNull();
			expect(await makeAuth('other-pepper').session(r.sessionId)).toBeNull();
		});

		it('rejects a wrong password and audits the failure', async () => {
			await addUser('alice', 'right');
			expect(await auth.login('alice', 'wrong', client('10.0.0.9'))).toEqual({ ok: false, reason: 'invalid' });
			expect(await auditOf()).toMatchObject([{ principal: 'anonymous', principal_kind: 'anonymous', target: 'user:alice', outcome: 'failure', ip: '10.0.0.9' }]);
			expect(await store.conn.db.selectFrom('sessions').selectAll().execute()).toEqual([]);
		});

		it('rejects an unknown user the same way, after the same password check', async () => {
			expect(await auth.login('nobody', 'pw', client())).toEqual({ ok: false, reason: 'invalid' });
			expect(verified).toBe(1);
			expect(await auditOf()).toMatchObject([{ target: 'user:nobody', outcome: 'failure' }]);
		});

		it('logs out by deleting the session', async () => {
			await addUser('alice', 'pw');
			const r = await signIn('alice', 'pw');
			await auth.logout(r.principal);
			expect(await auth.session(r.sessionId)).toBeNull();
		});

		it('rotates: every session of the user ends and a new one starts', async () => {
			const u = await addUser('alice', 'pw');
			const [a, b] = [await signIn('alice', 'pw'), await signIn('alice', 'pw', '10.0.0.2')];
			const bob = await addUser('bob', 'pw');
			const other = await signIn('bob', 'pw');
			const fresh = await auth.rotateSessions(u.id, client('10.0.0.3'));
			expect(await auth.session(a.sessionId)).toBeNull();
			expect(await auth.session(b.sessionId)).toBeNull();
			expect(fresh.sessionId).not.toBe(a.sessionId);
			expect(await auth.session(fresh.sessionId)).toEqual(fresh.principal);
			expect(fresh.principal).toMatchObject({ id: u.id, name: 'alice' });
			expect(await auth.session(other.sessionId)).toMatchObject({ id: bob.id });
		});
	});

	describe('sign-in throttle', () => {
		it('evaluates at most the per-user limit of 40 parallel wrong sign-ins; the rest are throttled with a retry-after', async () => {
			await addUser('alice', 'right');
			clock = T0 + 5 * MIN;
			const results = await Promise.all(Array.from({ length: 40 }, (_, i) => auth.login('alice', `guess-${i}`, client(`10.1.${i}.1`))));
			expect(verified).toBe(3);
			expect(results.filter((r) => !r.ok && r.reason === 'invalid')).toHaveLength(3);
			const throttled = results.filter((r) => !r.ok && r.reason === 'throttled') as { retryAfterS: number }[];
			expect(throttled).toHaveLength(37);
			// The window started with the first of them: fifteen minutes plus jitter (random() = 0.5 → 45 s).
			for (const r of throttled) expect(r.retryAfterS).toBe(15 * 60 + 45);
			const audit = await auditOf();
			expect(audit.filter((e) => e.outcome === 'failure')).toHaveLength(3);
			// The refusals are one row with a count, not 37 rows.
			expect(audit.filter((e) => e.outcome === 'denied')).toMatchObject([
				{ target: 'user:alice', count: 37, detail: { reason: 'throttled', by: 'user', window_start: new Date(T0 + 5 * MIN).toISOString(), window_minutes: 15 } }
			]);
		});

		it('evaluates at most the per-address limit of 40 parallel wrong sign-ins across users from one address', async () => {
			await addUser('alice', 'right');
			const results = await Promise.all(Array.from({ length: 40 }, (_, i) => auth.login(`user-${i}`, 'x', client('10.6.6.6'))));
			expect(verified).toBe(5);
			expect(results.filter((r) => !r.ok && r.reason === 'invalid')).toHaveLength(5);
			expect(results.filter((r) => !r.ok && r.reason === 'throttled')).toHaveLength(35);
			const denied = (await auditOf()).filter((e) => e.outcome === 'denied');
			expect(denied).toMatchObject([{ target: null, ip: '10.6.6.6', count: 35, detail: { by: 'address' } }]);
			// The right password from that address is refused too; from another address it works.
			expect(await auth.login('alice', 'right', client('10.6.6.6'))).toMatchObject({ ok: false, reason: 'throttled' });
			expect((await auth.login('alice', 'right', client('10.0.0.2'))).ok).toBe(true);
		});

		it('refuses the right password during the lock, without checking it, until the window ends', async () => {
			await addUser('alice', 'right');
			for (let i = 0; i < 3; i++) expect(await auth.login('alice', 'wrong', client(`10.0.1.${i}`))).toEqual({ ok: false, reason: 'invalid' });
			verified = 0;
			clock = T0 + 14 * MIN;
			expect(await auth.login('alice', 'right', client('10.0.2.1'))).toEqual({ ok: false, reason: 'throttled', retryAfterS: 60 + 3 });
			expect(verified).toBe(0);
			// Knocking during the lock does not extend it.
			for (let i = 0; i < 10; i++) await auth.login('alice', 'wrong', client('10.0.2.2'));
			clock = T0 + 15 * MIN;
			expect((await auth.login('alice', 'right', client('10.0.2.1'))).ok).toBe(true);
			// Other users were never affected.
			await addUser('bob', 'pw');
			clock = T0;
			expect((await auth.login('bob', 'pw', client('10.0.2.1'))).ok).toBe(true);
		});

		it('gives a successful attempt back: only failures use the budget', async () => {
			await addUser('alice', 'right');
			await auth.login('alice', 'wrong', client());
			await auth.login('alice', 'wrong', client());
			await signIn('alice', 'right');
			expect(await auth.login('alice', 'wrong', client())).toEqual({ ok: false, reason: 'invalid' });
			expect(await auth.login('alice', 'right', client())).toMatchObject({ ok: false, reason: 'throttled' });
		});

		it('keys a client without a known address as the unknown peer, which shares one budget', async () => {
			for (let i = 0; i < 5; i++) expect(await auth.login(`u${i}`, 'x', client(i % 2 ? null : 'unknown-peer'))).toEqual({ ok: false, reason: 'invalid' });
			expect(await auth.login('u9', 'x', client(null))).toMatchObject({ ok: false, reason: 'throttled' });
			expect((await auditOf()).find((e) => e.outcome === 'denied')).toMatchObject({ detail: { by: 'address' } });
		});

		it('clamps the retry-after to an hour for long windows', async () => {
			const long = new Auth({
				store,
				pepper: PEPPER,
				settings: { ...settings, login_throttle: { ...settings.login_throttle, window_minutes: 24 * 60 } },
				now: () => new Date(clock)
			});
			await long.login('x', 'a', client('10.0.0.5'));
			await long.login('x', 'a', client('10.0.0.5'));
			await long.login('x', 'a', client('10.0.0.5'));
			const r = await long.login('x', 'a', client('10.0.0.5'));
			expect(r).toEqual({ ok: false, reason: 'throttled', retryAfterS: MAX_RETRY_AFTER_S });
		});

		describe('a browser that signed in before', () => {
			async function lockOut() {
				// Someone fails for alice, then for others, from the address the browser also uses.
				for (let i = 0; i < 3; i++) await auth.login('alice', 'guess', client('10.6.6.6'));
				for (let i = 0; i < 2; i++) await auth.login(`other-${i}`, 'guess', client('10.6.6.6'));
				expect(await auth.login('alice', 'right', client('10.0.0.7'))).toMatchObject({ reason: 'throttled' });
				expect(await auth.login('someone', 'right', client('10.6.6.6'))).toMatchObject({ reason: 'throttled' });
			}

			it('still signs in during a user and address lock, and gets a rotated cookie', async () => {
				await addUser('alice', 'right');
				const first = await signIn('alice', 'right', '10.6.6.6');
				await lockOut();
				const again = await auth.login('alice', 'right', client('10.6.6.6'), first.device!);
				expect(again).toMatchObject({ ok: true, principal: { name: 'alice' } });
				if (!again.ok) return;
				expect(again.device).toMatch(/^d1\./);
				expect(again.device).not.toBe(first.device);
				expect((await auditOf())[0]).toMatchObject({ outcome: 'success', detail: { known_device: true } });
				// A fresh client with the right password is still refused.
				expect(await auth.login('alice', 'right', client('10.6.6.6'))).toMatchObject({ ok: false, reason: 'throttled' });
			});

			it('has its own small budget for wrong passwords', async () => {
				await addUser('alice', 'right');
				const { device } = await signIn('alice', 'right');
				verified = 0;
				const results = await Promise.all(Array.from({ length: 10 }, () => auth.login('alice', 'wrong', client(), device!)));
				expect(verified).toBe(2);
				expect(results.filter((r) => !r.ok && r.reason === 'throttled')).toHaveLength(8);
				expect(await auth.login('alice', 'right', client(), device!)).toMatchObject({ reason: 'throttled' });
				expect((await auditOf()).find((e) => e.outcome === 'denied')).toMatchObject({ count: 9, detail: { by: 'device' } });
			});

			it('vouches only for its own user, under this pepper, for its lifetime', async () => {
				const alice = await addUser('alice', 'right');
				await addUser('bob', 'right');
				const bobs = (await signIn('bob', 'right')).device!;
				const forged = issueDevice({ id: alice.id, username: 'alice' }, 'another-pepper', new Date(clock));
				const tampered = bobs.replace(/\.(\d+)\./, `.${alice.id}.`);
				const old = issueDevice({ id: alice.id, username: 'alice' }, PEPPER, new Date(clock - 30 * 24 * 60 * MIN));
				await lockOut();
				for (const cookie of [bobs, forged, tampered, old, 'garbage']) {
					expect(await auth.login('alice', 'right', client('10.6.6.6'), cookie)).toMatchObject({ ok: false, reason: 'throttled' });
				}
			});

			it('does not outlive the account it was issued for', async () => {
				const carol = await addUser('carol', 'right');
				const { device } = await signIn('carol', 'right', '10.0.0.8');
				await store.users.delete(carol.id);
				await addUser('carol', 'right');
				for (let i = 0; i < 3; i++) await auth.login('carol', 'wrong', client(`10.0.3.${i}`));
				expect(await auth.login('carol', 'right', client('10.0.0.8'), device!)).toMatchObject({ ok: false, reason: 'throttled' });
			});
		});
	});

	describe('session expiry', () => {
		it('keeps an active session alive and ends it after the idle timeout', async () => {
			await addUser('alice', 'pw');
			const { sessionId } = await signIn('alice', 'pw');
			clock += 29 * MIN;
			expect(await auth.session(sessionId)).not.toBeNull();
			clock += 29 * MIN; // 58 min after login, 29 after last activity
			expect(await auth.session(sessionId)).not.toBeNull();
			clock += 30 * MIN;
			expect(await auth.session(sessionId)).toBeNull();
			// Expired sessions are deleted, not just refused.
			clock -= 30 * MIN;
			expect(await auth.session(sessionId)).toBeNull();
		});

		it('records activity at most once a minute', async () => {
			await addUser('alice', 'pw');
			const { sessionId, principal } = await signIn('alice', 'pw');
			clock += 30_000;
			await auth.session(sessionId);
			expect((await store.sessions.get(principal.sessionHash!))?.last_seen_at).toBe(new Date(T0).toISOString());
			clock += 31_000;
			await auth.session(sessionId);
			expect((await store.sessions.get(principal.sessionHash!))?.last_seen_at).toBe(new Date(T0 + 61_000).toISOString());
		});

		it('ends a session at its absolute expiry however active it is', async () => {
			await addUser('alice', 'pw');
			const { sessionId } = await signIn('alice', 'pw');
			for (let t = 20; t < 8 * 60; t += 20) {
				clock = T0 + t * MIN;
				expect(await auth.session(sessionId)).not.toBeNull();
			}
			clock = T0 + 8 * 60 * MIN;
			expect(await auth.session(sessionId)).toBeNull();
		});

		it('prunes idle and expired sessions and ended throttle windows from the store', async () => {
			await addUser('alice', 'pw');
			const { principal } = await signIn('alice', 'pw');
			await auth.login('alice', 'wrong', client());
			clock += 31 * MIN;
			await auth.prune();
			expect(await store.sessions.get(principal.sessionHash!)).toBeUndefined();
			expect(await store.conn.db.selectFrom('login_attempts').selectAll().execute()).toEqual([]);
		});
	});

	describe('disabled users', () => {
		it('cannot log in, and their existing sessions stop working', async () => {
			const u = await addUser('alice', 'pw');
			const r = await signIn('alice', 'pw');
			await store.users.update(u.id, { disabled: true }, new Date(clock).toISOString());
			expect(await auth.session(r.sessionId)).toBeNull();
			expect(await auth.login('alice', 'pw', client())).toEqual({ ok: false, reason: 'invalid' });
			expect((await auditOf())[0]).toMatchObject({ target: 'user:alice', outcome: 'failure' });
		});

		it('takes a role change into effect on the next request', async () => {
			const u = await addUser('alice', 'pw', 'admin');
			const r = await signIn('alice', 'pw');
			await store.users.update(u.id, { role: 'viewer' }, new Date(clock).toISOString());
			expect((await auth.session(r.sessionId))?.role).toBe('viewer');
		});
	});

	describe('stillValid', () => {
		it('holds for a live session and fails after logout, idling out, a role change or a disable', async () => {
			const u = await addUser('alice', 'pw', 'admin');
			const at = () => new Date(clock).toISOString();
			const live = await signIn('alice', 'pw');
			expect(await auth.stillValid(live.principal)).toBe(true);
			const out = await signIn('alice', 'pw');
			await auth.logout(out.principal);
			expect(await auth.stillValid(out.principal)).toBe(false);
			expect(await auth.stillValid(live.principal)).toBe(true);
			clock += 31 * MIN;
			expect(await auth.stillValid(live.principal)).toBe(false);
			const demoted = await signIn('alice', 'pw');
			await store.users.update(u.id, { role: 'operator' }, at());
			expect(await auth.stillValid(demoted.principal)).toBe(false);
			const disabled = await signIn('alice', 'pw');
			await store.users.update(u.id, { disabled: true }, at());
			expect(await auth.stillValid(disabled.principal)).toBe(false);
		});

		it('holds for a live token and fails once it is revoked or its owner disabled; the CLI always holds', async () => {
			const owner = await addUser('olga', 'pw', 'admin');
			const { token, secret } = await auth.createToken({ name: 'ci', role: 'viewer', createdBy: 'olga', ownerId: owner.id, expiresAt: null });
			const p = (await auth.token(secret))!;
			expect(await auth.stillValid(p)).toBe(true);
			await store.users.update(owner.id, { disabled: true }, new Date(clock).toISOString());
			expect(await auth.stillValid(p)).toBe(false);
			await store.users.update(owner.id, { disabled: false }, new Date(clock).toISOString());
			expect(await auth.stillValid(p)).toBe(true);
			await store.tokens.revoke(token.id, new Date(clock).toISOString());
			expect(await auth.stillValid(p)).toBe(false);
			expect(await auth.stillValid({ kind: 'cli', id: 0, name: 'cli', role: 'admin' })).toBe(true);
			expect(await auth.stillValid({ kind: 'user', id: owner.id, name: 'olga', role: 'admin' })).toBe(false);
		});
	});

	describe('API tokens', () => {
		const create = (extra: Partial<Parameters<Auth['createToken']>[0]> = {}) =>
			auth.createToken({ name: 'ci', role: 'operator', createdBy: 'admin', ownerId: null, expiresAt: null, ...extra });

		it('resolves a new token to a principal with its role', async () => {
			const { token, secret } = await create();
			expect(secret.startsWith(TOKEN_PREFIX)).toBe(true);
			expect(secret).toMatch(/^rdt_[\w-]{43}$/);
			expect(token).toMatchObject({ name: 'ci', role: 'operator', created_by: 'admin', owner_id: null, expires_at: null, prefix: secret.slice(0, 10), last_used_at: null, revoked_at: null });
			expect(await auth.token(secret)).toEqual({ kind: 'token', id: token.id, name: 'token:ci', role: 'operator', ownerId: null });
		});

		it('records last use, at most once a minute', async () => {
			const { token, secret } = await create({ role: 'viewer' });
			const lastUsed = async () => (await store.tokens.list()).find((t) => t.id === token.id)!.last_used_at;
			await auth.token(secret);
			expect(await lastUsed()).toBe(new Date(T0).toISOString());
			clock += 30_000;
			await auth.token(secret);
			expect(await lastUsed()).toBe(new Date(T0).toISOString());
			clock += 31_000;
			await auth.token(secret);
			expect(await lastUsed()).toBe(new Date(T0 + 61_000).toISOString());
		});

		it('reuses a resolution for a few seconds, keyed by its hash, forgets it on request, and rereads it after that', async () => {
			const { token, secret } = await create({ role: 'viewer' });
			expect(await auth.token(secret)).toMatchObject({ name: 'token:ci' });
			const keys = [...(auth as unknown as { tokens: Map<string, unknown> }).tokens.keys()];
			expect(keys).toHaveLength(1);
			expect(keys[0]).not.toContain(secret.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + 20));
			await store.tokens.revoke(token.id, new Date(clock).toISOString());
			// Revoked elsewhere (another process): still the reused resolution, for at most 5 s.
			expect(await auth.token(secret)).toMatchObject({ name: 'token:ci' });
			clock += 5_000;
			expect(await auth.token(secret)).toBeNull();
			const other = await create({ name: 'ci2', role: 'viewer' });
			expect(await auth.token(other.secret)).not.toBeNull();
			await store.tokens.revoke(other.token.id, new Date(clock).toISOString());
			auth.forgetTokens();
			expect(await auth.token(other.secret)).toBeNull();
		});

		it('stops at its expiry, also when reused', async () => {
			const { secret } = await create({ expiresAt: new Date(T0 + 3_000) });
			expect(await auth.token(secret)).not.toBeNull();
			clock += 2_999;
			expect(await auth.token(secret)).not.toBeNull();
			clock += 1;
			expect(await auth.token(secret)).toBeNull();
		});

		it('follows its owner: disabled stops it, demoted lowers it, deleted ends it', async () => {
			const owner = await addUser('olga', 'pw', 'admin');
			const { secret } = await create({ role: 'admin', ownerId: owner.id });
			expect(await auth.token(secret)).toMatchObject({ role: 'admin', ownerId: owner.id });
			const at = () => new Date(clock).toISOString();
			await store.users.update(owner.id, { role: 'operator' }, at());
			auth.forgetTokens();
			expect(await auth.token(secret)).toMatchObject({ role: 'operator' });
			await store.users.update(owner.id, { disabled: true }, at());
			auth.forgetTokens();
			expect(await auth.token(secret)).toBeNull();
			await store.users.update(owner.id, { disabled: false }, at());
			expect(await auth.token(secret)).not.toBeNull();
			await store.users.delete(owner.id);
			auth.forgetTokens();
			expect(await auth.token(secret)).toBeNull();
		});

		it('refuses a revoked token', async () => {
			const { token, secret } = await create({ role: 'admin' });
			await store.tokens.revoke(token.id, new Date(clock).toISOString());
			expect(await auth.token(secret)).toBeNull();
		});

		it('refuses a token without the prefix, an unknown token, and one under another pepper', async () => {
			const { secret } = await create({ role: 'viewer' });
			expect(await auth.token(secret.slice(TOKEN_PREFIX.length))).toBeNull();
			expect(await auth.token(`xyz_${secret.slice(TOKEN_PREFIX.length)}`)).toBeNull();
			expect(await auth.token(`${TOKEN_PREFIX}unknown`)).toBeNull();
			expect(await auth.token('')).toBeNull();
			expect(await makeAuth('other-pepper').token(secret)).toBeNull();
		});

		it('refuses to create a token with an unknown role', async () => {
			await expect(create({ role: 'root' as never })).rejects.toThrow(/unknown role/);
			expect(await store.tokens.list()).toEqual([]);
		});
	});
});
