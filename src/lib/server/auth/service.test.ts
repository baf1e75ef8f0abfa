// Auth against a real SQLite store, with an injected clock.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigFile } from '../config';
import { Store } from '../store';
import { Auth, TOKEN_PREFIX } from './service';
import { hashPassword } from './secrets';

const T0 = Date.parse('2025-03-01T12:00:00Z');
const MIN = 60_000;
const settings = parseConfigFile(
	`
auth:
  session: { idle_timeout_minutes: 30, absolute_timeout_hours: 8 }
  login_throttle: { max_failures_per_ip: 5, max_failures_per_user: 3, window_minutes: 15 }
`,
	'test.yaml'
).auth;

let dir: string;
let store: Store;
let clock: number;
let auth: Auth;
const ctx = (ip: string | null = '10.0.0.1') => ({ ip, userAgent: 'vitest', requestId: 'req-1' });

async function addUser(username: string, password: string, role: 'viewer' | 'operator' | 'admin' = 'operator') {
	return (await store.users.create({ username, passwordHash: await hashPassword(password), role }, new Date(clock).toISOString()))!;
}

async function auditOf(action = 'login') {
	return (await store.audit.list({ page: 1, perPage: 100, action })).items;
}

beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), 'rd-auth-'));
	store = await Store.open({ dataDir: dir });
	clock = T0;
	auth = new Auth(store, 'test-pepper', settings, () => new Date(clock));
});

afterEach(async () => {
	await store.close();
	await rm(dir, { recursive: true, force: true });
});

describe('initial admin', () => {
	it('is created once, with a password that works', async () => {
		const password = await auth.ensureInitialAdmin();
		expect(password).toMatch(/^[\w-]{24}$/);
		expect(await auth.ensureInitialAdmin()).toBeNull();
		expect(await store.users.count()).toBe(1);
		const login = await auth.login('admin', password!, ctx());
		expect(login).toMatchObject({ ok: true, principal: { kind: 'user', name: 'admin', role: 'admin' } });
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
	it('creates a session that session() resolves', async () => {
		const u = await addUser('alice', 'right password');
		const r = await auth.login('alice', 'right password', ctx());
		if (!r.ok) throw new Error('login failed');
		expect(r.sessionId).toMatch(/^[\w-]{43}$/);
		expect(r.expiresAt.getTime()).toBe(T0 + 8 * 60 * MIN);
		expect(r.principal).toEqual({ kind: 'user', id: u.id, name: 'alice', role: 'operator', sessionHash: expect.any(String) });
		expect(await auth.session(r.sessionId)).toEqual(r.principal);
		// Only the hash is stored.
		expect(await store.sessions.get(r.sessionId)).toBeUndefined();
		expect(await store.sessions.get(r.principal.sessionHash!)).toBeDefined();
		expect(await auditOf()).toMatchObject([
			{ principal: 'alice', principal_kind: 'user', target: 'alice', outcome: 'success', ip: '10.0.0.1', request_id: 'req-1' }
		]);
	});

	it('does not resolve an unknown session id or one hashed under another pepper', async () => {
		await addUser('alice', 'pw');
		const r = await auth.login('alice', 'pw', ctx());
		expect(await auth.session('not-a-session')).toBeNull();
		const other = new Auth(store, 'other-pepper', settings, () => new Date(clock));
		expect(await other.session(r.ok ? r.sessionId : '')).toBeNull();
	});

	it('rejects a wrong password and audits the failure', async () => {
		await addUser('alice', 'right');
		expect(await auth.login('alice', 'wrong', ctx('10.0.0.9'))).toEqual({ ok: false, reason: 'invalid' });
		expect(await auditOf()).toMatchObject([
			{ principal: 'alice', principal_kind: 'anonymous', target: 'alice', outcome: 'failure', ip: '10.0.0.9' }
		]);
		expect(await store.conn.db.selectFrom('sessions').selectAll().execute()).toEqual([]);
	});

	it('rejects an unknown user the same way', async () => {
		expect(await auth.login('nobody', 'pw', ctx())).toEqual({ ok: false, reason: 'invalid' });
		expect(await auditOf()).toMatchObject([{ target: 'nobody', outcome: 'failure' }]);
	});

	it('logs out by deleting the session', async () => {
		await addUser('alice', 'pw');
		const r = await auth.login('alice', 'pw', ctx());
		if (!r.ok) throw new Error('login failed');
		await auth.logout(r.principal);
		expect(await auth.session(r.sessionId)).toBeNull();
	});
});

describe('login throttle', () => {
	it('throttles a username after max_failures_per_user, even with the right password', async () => {
		await addUser('alice', 'right');
		for (let i = 0; i < 3; i++) {
			expect(await auth.login('alice', 'wrong', ctx(`10.0.1.${i}`))).toEqual({ ok: false, reason: 'invalid' });
		}
		expect(await auth.login('alice', 'right', ctx('10.0.2.1'))).toEqual({ ok: false, reason: 'throttled' });
		const [latest] = await auditOf();
		expect(latest).toMatchObject({ target: 'alice', outcome: 'denied', detail: { reason: 'throttled' }, ip: '10.0.2.1' });
		// Other users are unaffected.
		await addUser('bob', 'pw');
		expect((await auth.login('bob', 'pw', ctx('10.0.2.1'))).ok).toBe(true);
	});

	it('lets the username in again once the failures leave the window', async () => {
		await addUser('alice', 'right');
		for (let i = 0; i < 3; i++) await auth.login('alice', 'wrong', ctx());
		clock += 14 * MIN;
		expect(await auth.login('alice', 'right', ctx())).toEqual({ ok: false, reason: 'throttled' });
		clock += 1 * MIN + 1;
		expect((await auth.login('alice', 'right', ctx())).ok).toBe(true);
	});

	it('throttles an IP after max_failures_per_ip across usernames', async () => {
		await addUser('alice', 'right');
		for (let i = 0; i < 5; i++) await auth.login(`guess${i}`, 'x', ctx('10.6.6.6'));
		expect(await auth.login('alice', 'right', ctx('10.6.6.6'))).toEqual({ ok: false, reason: 'throttled' });
		expect((await auth.login('alice', 'right', ctx('10.0.0.2'))).ok).toBe(true);
		const denied = (await auditOf()).filter((e) => e.outcome === 'denied');
		expect(denied).toMatchObject([{ target: 'alice', ip: '10.6.6.6' }]);
	});

	it('does not count throttled attempts as further failures', async () => {
		await addUser('alice', 'right');
		for (let i = 0; i < 3; i++) await auth.login('alice', 'wrong', ctx());
		for (let i = 0; i < 5; i++) await auth.login('alice', 'wrong', ctx());
		expect(await store.audit.failedLogins(new Date(T0 - MIN).toISOString(), { username: 'alice' })).toBe(3);
	});
});

describe('session expiry', () => {
	async function signIn() {
		await addUser('alice', 'pw');
		const r = await auth.login('alice', 'pw', ctx());
		if (!r.ok) throw new Error('login failed');
		return r;
	}

	it('keeps an active session alive and ends it after the idle timeout', async () => {
		const { sessionId } = await signIn();
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
		const { sessionId, principal } = await signIn();
		clock += 30_000;
		await auth.session(sessionId);
		expect((await store.sessions.get(principal.sessionHash!))?.last_seen_at).toBe(new Date(T0).toISOString());
		clock += 31_000;
		await auth.session(sessionId);
		expect((await store.sessions.get(principal.sessionHash!))?.last_seen_at).toBe(new Date(T0 + 61_000).toISOString());
	});

	it('ends a session at its absolute expiry however active it is', async () => {
		const { sessionId } = await signIn();
		for (let t = 20; t < 8 * 60; t += 20) {
			clock = T0 + t * MIN;
			expect(await auth.session(sessionId)).not.toBeNull();
		}
		clock = T0 + 8 * 60 * MIN;
		expect(await auth.session(sessionId)).toBeNull();
	});

	it('prunes idle and expired sessions from the store', async () => {
		const { principal } = await signIn();
		clock += 31 * MIN;
		await auth.pruneSessions();
		expect(await store.sessions.get(principal.sessionHash!)).toBeUndefined();
	});
});

describe('disabled users', () => {
	it('cannot log in, and their existing sessions stop working', async () => {
		const u = await addUser('alice', 'pw');
		const r = await auth.login('alice', 'pw', ctx());
		if (!r.ok) throw new Error('login failed');
		await store.users.update(u.id, { disabled: true }, new Date(clock).toISOString());
		expect(await auth.session(r.sessionId)).toBeNull();
		expect(await auth.login('alice', 'pw', ctx())).toEqual({ ok: false, reason: 'invalid' });
		expect((await auditOf())[0]).toMatchObject({ target: 'alice', outcome: 'failure' });
	});

	it('takes a role change into effect on the next request', async () => {
		const u = await addUser('alice', 'pw', 'admin');
		const r = await auth.login('alice', 'pw', ctx());
		if (!r.ok) throw new Error('login failed');
		await store.users.update(u.id, { role: 'viewer' }, new Date(clock).toISOString());
		expect((await auth.session(r.sessionId))?.role).toBe('viewer');
	});
});

describe('API tokens', () => {
	it('resolves a new token to a principal with its role', async () => {
		const { token, secret } = await auth.createToken('ci', 'operator', 'admin');
		expect(secret.startsWith(TOKEN_PREFIX)).toBe(true);
		expect(secret).toMatch(/^rdt_[\w-]{43}$/);
		expect(token).toMatchObject({ name: 'ci', role: 'operator', created_by: 'admin', prefix: secret.slice(0, 10), last_used_at: null, revoked_at: null });
		expect(await auth.token(secret)).toEqual({ kind: 'token', id: token.id, name: 'token:ci', role: 'operator' });
	});

	it('records last use, at most once a minute', async () => {
		const { token, secret } = await auth.createToken('ci', 'viewer', 'admin');
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

	it('reuses a resolution for a few seconds, forgets it on revocation here, and rereads it after that', async () => {
		const { token, secret } = await auth.createToken('ci', 'viewer', 'admin');
		expect(await auth.token(secret)).toMatchObject({ name: 'token:ci' });
		await store.tokens.revoke(token.id, new Date(clock).toISOString());
		// Revoked elsewhere (another process): still the reused resolution, for at most 5 s.
		expect(await auth.token(secret)).toMatchObject({ name: 'token:ci' });
		clock += 5_000;
		expect(await auth.token(secret)).toBeNull();
		const other = await auth.createToken('ci2', 'viewer', 'admin');
		expect(await auth.token(other.secret)).not.toBeNull();
		await store.tokens.revoke(other.token.id, new Date(clock).toISOString());
		auth.forgetTokens();
		expect(await auth.token(other.secret)).toBeNull();
	});

	it('refuses a revoked token', async () => {
		const { token, secret } = await auth.createToken('ci', 'admin', 'admin');
		await store.tokens.revoke(token.id, new Date(clock).toISOString());
		expect(await auth.token(secret)).toBeNull();
	});

	it('refuses a token without the prefix, an unknown token, and one under another pepper', async () => {
		const { secret } = await auth.createToken('ci', 'viewer', 'admin');
		expect(await auth.token(secret.slice(TOKEN_PREFIX.length))).toBeNull();
		expect(await auth.token(`xyz_${secret.slice(TOKEN_PREFIX.length)}`)).toBeNull();
		expect(await auth.token(`${TOKEN_PREFIX}unknown`)).toBeNull();
		expect(await auth.token('')).toBeNull();
		const other = new Auth(store, 'other-pepper', settings, () => new Date(clock));
		expect(await other.token(secret)).toBeNull();
	});

	it('refuses to create a token with an unknown role', async () => {
		await expect(auth.createToken('x', 'root' as never, 'admin')).rejects.toThrow(/unknown role/);
		expect(await store.tokens.list()).toEqual([]);
	});
});
