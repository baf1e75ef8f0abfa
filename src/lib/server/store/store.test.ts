// The store against both dialects: SQLite in a temp dir and a real PostgreSQL server.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, clearStore, type Backend } from '../../../../tests/helpers/stores';
import type { Kysely } from 'kysely';
import { DriftHistory, scopeKey } from './drift';
import { Store } from './index';
import { migrateTo } from './migrations';

const T = (min: number) => new Date(Date.UTC(2025, 2, 1, 12, 0, 0) + min * 60_000).toISOString();

describe.each(BACKENDS)('Store on %s', (dialect, makeBackend) => {
	let backend: Backend;
	let store: Store;
	let firstMigration: string[];
	let secondMigration: string[];

	beforeAll(async () => {
		backend = await makeBackend();
		store = await Store.open({ ...(await backend.fresh()), migrate: false });
		firstMigration = await store.migrate();
		secondMigration = await store.migrate();
	});

	afterAll(async () => {
		await store?.close();
		await backend?.stop();
	});

	beforeEach(() => clearStore(store));

	const user = async (username: string, role: 'viewer' | 'operator' | 'admin' = 'viewer') =>
		(await store.users.create({ username, passwordHash: `hash-of-${username}`, role }, T(0)))!;

	describe('migrations', () => {
		it('opens the expected dialect', () => {
			expect(store.dialect).toBe(dialect);
		});

		it('applies the migration set once; a second run applies nothing', async () => {
			expect(firstMigration).toEqual(['0001_auth_audit', '0002_drift_history', '0003_sign_in_hardening', '0004_drift_history_masked', '0005_changes', '0006_sso', '0007_replicas', '0008_runner_offline_since']);
			expect(secondMigration).toEqual([]);
			expect(await store.migrate()).toEqual([]);
			await expect(store.ping()).resolves.toBeUndefined();
		});

		it('adds the runner offline table to a database at 0007, and takes it out again', async () => {
			const where = await backend.fresh();
			const old = await Store.open({ ...where, migrate: false });
			try {
				await migrateTo(old.conn.db as Kysely<any>, old.dialect, '0007_replicas');
				expect(await old.migrate()).toEqual(['0008_runner_offline_since']);
				const db = old.conn.db as Kysely<any>;
				await db.insertInto('runner_offline_since').values({ runner_id: 'github:gh:1', since_ms: 1_767_225_600_000 }).execute();
				expect((await db.selectFrom('runner_offline_since').selectAll().execute()).map((r) => [r.runner_id, Number(r.since_ms)])).toEqual([['github:gh:1', 1_767_225_600_000]]);
				await migrateTo(db, old.dialect, '0007_replicas');
				expect((await db.introspection.getTables()).map((t) => t.name)).not.toContain('runner_offline_since');
			} finally {
				await old.close();
			}
		});

		it('opens an already-migrated database without migrating again', async () => {
			const where = await backend.fresh();
			const a = await Store.open(where);
			await a.users.create({ username: 'x', passwordHash: 'h', role: 'viewer' }, T(0));
			await a.close();
			const b = await Store.open({ ...where, migrate: false });
			try {
				expect(await b.migrate()).toEqual([]);
				expect(await b.users.count()).toBe(1);
			} finally {
				await b.close();
			}
		});

		it('masks secrets in drift history rows stored before drift masked them', async () => {
			const where = await backend.fresh();
			const old = await Store.open({ ...where, migrate: false });
			try {
				await migrateTo(old.conn.db as Kysely<any>, old.dialect, '0002_drift_history');
				const toml = (token: string, interval: number) => `check_interval = ${interval}\n[[runners]]\n  token = "${token}"\n`;
				const row = (field: string, applied: unknown, live: unknown) => ({
					item_key: `k|${field}`,
					stack: 'gitlab-runners',
					env: 'dev',
					object: 'ConfigMap gitlab-runners/docker-runner-config',
					field,
					class: 'out-of-band',
					severity: 'warning',
					declared: null,
					applied: JSON.stringify(applied),
					live: JSON.stringify(live),
					first_seen: T(0),
					last_seen: T(0),
					resolved_at: null
				});
				await (old.conn.db as Kysely<any>)
					.insertInto('drift_history')
					.values([
						row('data["config.toml"]', toml('glrt-SECRET-IN-STATE', 3), toml('glrt-SECRET-LIVE', 4)),
						row('spec.template.spec.containers[name=runner].env[name=RUNNER_TOKEN].value', 'plain-a', 'plain-b'),
						row('spec.maxReplicas', 8, 11)
					])
					.execute();
				expect(await old.migrate()).toEqual(['0003_sign_in_hardening', '0004_drift_history_masked', '0005_changes', '0006_sso', '0007_replicas', '0008_runner_offline_since']);
				const rows = await (old.conn.db as Kysely<any>).selectFrom('drift_history').select(['field', 'declared', 'applied', 'live']).orderBy('id').execute();
				expect(rows).toEqual([
					{ field: 'data["config.toml"]', declared: null, applied: JSON.stringify(toml('(sensitive #1)', 3)), live: JSON.stringify(toml('(sensitive #2)', 4)) },
					{ field: 'spec.template.spec.containers[name=runner].env[name=RUNNER_TOKEN].value', declared: null, applied: '"(sensitive)"', live: '"(sensitive)"' },
					{ field: 'spec.maxReplicas', declared: null, applied: '8', live: '11' }
				]);
			} finally {
				await old.close();
			}
		});

		// Multi-replica installs use PostgreSQL. (Two SQLite stores in one process racing on a
		// fresh file do collide; separate processes serialise on SQLite's busy timeout.)
		if (dialect === 'postgres') it('lets two replicas start on a fresh database at once', async () => {
			const where = await backend.fresh();
			const [a, b] = await Promise.all([Store.open(where), Store.open(where)]);
			try {
				expect(await a.migrate()).toEqual([]);
				await a.users.create({ username: 'x', passwordHash: 'h', role: 'viewer' }, T(0));
				expect(await b.users.count()).toBe(1);
			} finally {
				await Promise.all([a.close(), b.close()]);
			}
		});
	});

	describe('users', () => {
		it('creates a user and refuses a duplicate username', async () => {
			const u = await store.users.create({ username: 'alice', passwordHash: 'h1', role: 'operator' }, T(0));
			expect(u).toEqual({
				id: expect.any(Number),
				username: 'alice',
				role: 'operator',
				disabled: false,
				must_change_password: false,
				created_at: T(0),
				updated_at: T(0),
				provider: null,
				subject: null,
				last_sign_in_at: null
			});
			expect(await store.users.create({ username: 'alice', passwordHash: 'h2', role: 'admin' }, T(1))).toBeUndefined();
			expect(await store.users.count()).toBe(1);
			expect((await store.users.credentials('alice'))?.password_hash).toBe('h1');
			expect(await store.users.credentials('nobody')).toBeUndefined();
		});

		it('reads users by id and lists them by name without password hashes', async () => {
			const b = await user('bob');
			await user('alice');
			expect(await store.users.byId(b.id)).toEqual(b);
			expect(await store.users.byId(b.id + 1000)).toBeUndefined();
			const list = await store.users.list();
			expect(list.map((u) => u.username)).toEqual(['alice', 'bob']);
			expect(list.every((u) => !('password_hash' in u))).toBe(true);
		});

		it('updates role, disabled, password and the forced password change', async () => {
			const u = await user('carol');
			const updated = await store.users.update(u.id, { role: 'admin', disabled: true, passwordHash: 'new', mustChangePassword: true }, T(5));
			expect(updated).toEqual({ ...u, role: 'admin', disabled: true, must_change_password: true, updated_at: T(5) });
			expect((await store.users.update(u.id, { mustChangePassword: false }, T(5)))?.must_change_password).toBe(false);
			expect((await store.users.credentials('carol'))?.password_hash).toBe('new');
			expect((await store.users.update(u.id, { disabled: false }, T(6)))?.disabled).toBe(false);
			expect(await store.users.update(u.id + 1000, { role: 'viewer' }, T(6))).toBeUndefined();
		});

		it('deletes a user once', async () => {
			const u = await user('dave');
			expect(await store.users.delete(u.id)).toBe(true);
			expect(await store.users.delete(u.id)).toBe(false);
			expect(await store.users.count()).toBe(0);
		});

		it('counts only enabled admins', async () => {
			const a1 = await user('a1', 'admin');
			await user('a2', 'admin');
			await user('op', 'operator');
			expect(await store.users.countAdmins()).toBe(2);
			await store.users.update(a1.id, { disabled: true }, T(1));
			expect(await store.users.countAdmins()).toBe(1);
		});
	});

	describe('sessions', () => {
		const session = (idHash: string, userId: number, expiresAt = T(600), now = T(0)) =>
			store.sessions.create({ idHash, userId, expiresAt, ip: '10.0.0.1', userAgent: 'vitest' }, now);

		it('creates a session and reads it joined with its user', async () => {
			const u = await user('erin', 'operator');
			await session('h1', u.id);
			expect(await store.sessions.get('h1')).toEqual({
				id_hash: 'h1',
				user_id: u.id,
				username: 'erin',
				role: 'operator',
				disabled: 0,
				must_change_password: 0,
				created_at: T(0),
				last_seen_at: T(0),
				expires_at: T(600),
				provider: null,
				provider_token: null,
				id_token: null,
				role_checked_at: null,
				user_subject: null
			});
			expect(await store.sessions.get('nope')).toBeUndefined();
		});

		it('shows the user’s current role and disabled flag', async () => {
			const u = await user('erin', 'operator');
			await session('h1', u.id);
			await store.users.update(u.id, { role: 'viewer', disabled: true }, T(1));
			expect(await store.sessions.get('h1')).toMatchObject({ role: 'viewer', disabled: 1 });
		});

		it('truncates a long user agent', async () => {
			const u = await user('erin');
			await store.sessions.create({ idHash: 'h1', userId: u.id, expiresAt: T(60), ip: null, userAgent: 'x'.repeat(1000) }, T(0));
			const row = await store.conn.db.selectFrom('sessions').select(['user_agent', 'ip']).executeTakeFirstOrThrow();
			expect(row).toEqual({ user_agent: 'x'.repeat(300), ip: null });
		});

		it('touches last_seen_at', async () => {
			const u = await user('erin');
			await session('h1', u.id);
			await store.sessions.touch('h1', T(10));
			expect((await store.sessions.get('h1'))?.last_seen_at).toBe(T(10));
		});

		it('prunes sessions past their absolute expiry or idle too long', async () => {
			const u = await user('erin');
			await session('expired', u.id, T(30));
			await session('idle', u.id, T(600));
			await session('active', u.id, T(600));
			await session('expires-now', u.id, T(60));
			await store.sessions.touch('active', T(50));
			// now = T(60); idle cutoff = T(40): last seen before it goes.
			await store.sessions.prune(T(60), T(40));
			const left = await store.conn.db.selectFrom('sessions').select('id_hash').orderBy('id_hash').execute();
			expect(left.map((r) => r.id_hash)).toEqual(['active']);
		});

		it('deletes one session and all of a user’s sessions', async () => {
			const a = await user('a');
			const b = await user('b');
			await session('a1', a.id);
			await session('a2', a.id);
			await session('b1', b.id);
			await store.sessions.delete('a1');
			expect(await store.sessions.get('a1')).toBeUndefined();
			await store.sessions.deleteForUser(a.id);
			expect(await store.sessions.get('a2')).toBeUndefined();
			expect(await store.sessions.get('b1')).toBeDefined();
		});

		it('deletes sessions with their user (cascade)', async () => {
			const a = await user('a');
			const b = await user('b');
			await session('a1', a.id);
			await session('b1', b.id);
			await store.users.delete(a.id);
			const left = await store.conn.db.selectFrom('sessions').select('id_hash').execute();
			expect(left.map((r) => r.id_hash)).toEqual(['b1']);
		});

		it('refuses a session for a user that does not exist', async () => {
			await expect(session('orphan', 999_999)).rejects.toThrow();
		});
	});

	describe('tokens', () => {
		const token = (name: string, tokenHash: string, extra: { ownerId?: number | null; expiresAt?: string | null } = {}) =>
			store.tokens.create({ name, role: 'operator', tokenHash, prefix: `rdt_${name.slice(0, 6)}`, createdBy: 'admin', ownerId: null, expiresAt: null, ...extra }, T(0));
		const ownerless = { owner_exists: false, owner_disabled: false, owner_role: null };

		it('creates a token and never returns its hash', async () => {
			const t = await token('ci', 'hash-ci');
			expect(t).toEqual({
				id: expect.any(Number),
				name: 'ci',
				role: 'operator',
				prefix: 'rdt_ci',
				created_by: 'admin',
				owner_id: null,
				created_at: T(0),
				expires_at: null,
				last_used_at: null,
				revoked_at: null
			});
			expect(await store.tokens.resolve({ hash: 'hash-ci' })).toEqual({ ...t, ...ownerless });
			expect(await store.tokens.resolve({ id: t.id })).toEqual({ ...t, ...ownerless });
			expect(await store.tokens.resolve({ hash: 'other' })).toBeUndefined();
			expect(await store.tokens.resolve({ id: t.id + 1000 })).toBeUndefined();
		});

		it('resolves a token with its owner’s state, and a deleted owner as gone', async () => {
			const owner = await user('olga', 'operator');
			const t = await token('owned', 'h-owned', { ownerId: owner.id, expiresAt: T(60) });
			expect(t).toMatchObject({ owner_id: owner.id, expires_at: T(60) });
			expect(await store.tokens.resolve({ hash: 'h-owned' })).toMatchObject({ owner_exists: true, owner_disabled: false, owner_role: 'operator' });
			await store.users.update(owner.id, { disabled: true, role: 'viewer' }, T(1));
			expect(await store.tokens.resolve({ hash: 'h-owned' })).toMatchObject({ owner_exists: true, owner_disabled: true, owner_role: 'viewer' });
			await store.users.delete(owner.id);
			expect(await store.tokens.resolve({ hash: 'h-owned' })).toMatchObject({ owner_id: owner.id, owner_exists: false, owner_role: null });
		});

		it('revokes every active token of an owner, and only those', async () => {
			const [a, b] = [await user('ann'), await user('ben')];
			const a1 = await token('a1', 'ha1', { ownerId: a.id });
			await token('a2', 'ha2', { ownerId: a.id });
			await store.tokens.revoke(a1.id, T(1));
			await token('b1', 'hb1', { ownerId: b.id });
			await token('cli', 'hcli');
			expect((await store.tokens.revokeOwnedBy(a.id, T(2))).map((t) => t.name)).toEqual(['a2']);
			expect((await store.tokens.list()).filter((t) => !t.revoked_at).map((t) => t.name).sort()).toEqual(['b1', 'cli']);
		});

		it('refuses a duplicate token hash', async () => {
			await token('a', 'same');
			await expect(token('b', 'same')).rejects.toThrow();
		});

		it('lists tokens newest first', async () => {
			await token('first', 'h1');
			await token('second', 'h2');
			expect((await store.tokens.list()).map((t) => t.name)).toEqual(['second', 'first']);
		});

		it('records last use', async () => {
			const t = await token('ci', 'h');
			await store.tokens.touch(t.id, T(3));
			expect((await store.tokens.resolve({ hash: 'h' }))?.last_used_at).toBe(T(3));
		});

		it('revokes once; revoking again is a no-op', async () => {
			const t = await token('ci', 'h');
			expect(await store.tokens.revoke(t.id, T(5))).toEqual({ ...t, revoked_at: T(5) });
			expect(await store.tokens.revoke(t.id, T(6))).toBeUndefined();
			expect((await store.tokens.resolve({ hash: 'h' }))?.revoked_at).toBe(T(5));
			expect(await store.tokens.revoke(t.id + 1000, T(6))).toBeUndefined();
		});
	});

	describe('login attempts', () => {
		// A 15-minute window: at T(m) a window that started at or before T(m - 15) has ended.
		const reserve = (key: string, m: number, limit: number) => store.loginAttempts.reserve(key, T(m), T(m - 15), limit);

		it('reserves up to the limit within the window that the first attempt started, then changes nothing', async () => {
			const got = [];
			for (let i = 0; i < 5; i++) got.push(await reserve('user:alice', i, 3));
			expect(got).toEqual([{ attempts: 1, windowStart: T(0) }, { attempts: 2, windowStart: T(0) }, { attempts: 3, windowStart: T(0) }, null, null]);
			expect(await store.loginAttempts.get('user:alice')).toEqual({ attempts: 3, windowStart: T(0) });
			expect(await reserve('user:bob', 4, 3)).toEqual({ attempts: 1, windowStart: T(4) });
			// Refused until the window has ended, then a new window starts.
			expect(await reserve('user:alice', 14.9, 3)).toBeNull();
			expect(await reserve('user:alice', 15, 3)).toEqual({ attempts: 1, windowStart: T(15) });
		});

		it('never grants more than the limit to concurrent callers', async () => {
			const got = await Promise.all(Array.from({ length: 40 }, () => reserve('address:10.0.0.1', 0, 7)));
			expect(got.filter((r) => r !== null).map((r) => r!.attempts).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
			expect(await store.loginAttempts.get('address:10.0.0.1')).toEqual({ attempts: 7, windowStart: T(0) });
		});

		it('gives a reservation back within its window only, never below zero', async () => {
			await reserve('k', 0, 2);
			await reserve('k', 1, 2);
			await store.loginAttempts.release('k', T(0));
			expect(await reserve('k', 2, 2)).toEqual({ attempts: 2, windowStart: T(0) });
			for (let i = 0; i < 4; i++) await store.loginAttempts.release('k', T(0));
			expect(await store.loginAttempts.get('k')).toEqual({ attempts: 0, windowStart: T(0) });
			await reserve('k', 20, 2);
			await store.loginAttempts.release('k', T(0));
			expect(await store.loginAttempts.get('k')).toEqual({ attempts: 1, windowStart: T(20) });
			await store.loginAttempts.release('never-reserved', T(0));
			expect(await store.loginAttempts.get('never-reserved')).toBeUndefined();
		});

		it('prunes counters whose window started before a time', async () => {
			await reserve('old', 0, 5);
			await reserve('new', 15, 5);
			expect(await store.loginAttempts.prune(T(15))).toBe(1);
			expect(await store.loginAttempts.get('old')).toBeUndefined();
			expect(await store.loginAttempts.get('new')).toEqual({ attempts: 1, windowStart: T(15) });
		});
	});

	describe('audit', () => {
		it('records entries and lists them newest first with detail', async () => {
			await store.audit.record(
				{ principal: 'alice', principal_kind: 'user', action: 'runner.pause', target: 'gitlab:a:1', outcome: 'success', detail: { note: 'maint', n: 2 }, ip: '10.0.0.1', request_id: 'r1' },
				T(1)
			);
			await store.audit.record({ principal: 'token:ci', principal_kind: 'token', action: 'runner.resume', outcome: 'failure' }, T(2));
			const { items, total } = await store.audit.list({ page: 1, perPage: 10 });
			expect(total).toBe(2);
			expect(items).toEqual([
				{ id: expect.any(Number), at: T(2), principal: 'token:ci', principal_kind: 'token', action: 'runner.resume', target: null, outcome: 'failure', detail: null, ip: null, request_id: null, count: 1 },
				{ id: expect.any(Number), at: T(1), principal: 'alice', principal_kind: 'user', action: 'runner.pause', target: 'gitlab:a:1', outcome: 'success', detail: { note: 'maint', n: 2 }, ip: '10.0.0.1', request_id: 'r1', count: 1 }
			]);
			expect(items[0]!.id).toBeGreaterThan(items[1]!.id);
		});

		it('pages and filters', async () => {
			for (let i = 0; i < 7; i++) {
				await store.audit.record({ principal: i % 2 ? 'alice' : 'bob', principal_kind: 'user', action: i < 5 ? 'runner.pause' : 'user.create', outcome: i === 3 ? 'denied' : 'success', target: `t${i}` }, T(i));
			}
			const page1 = await store.audit.list({ page: 1, perPage: 3 });
			const page3 = await store.audit.list({ page: 3, perPage: 3 });
			expect(page1.total).toBe(7);
			expect(page1.items.map((e) => e.target)).toEqual(['t6', 't5', 't4']);
			expect(page3.items.map((e) => e.target)).toEqual(['t0']);
			expect((await store.audit.list({ page: 4, perPage: 3 })).items).toEqual([]);

			const pauses = await store.audit.list({ page: 1, perPage: 10, action: 'runner.pause' });
			expect(pauses.total).toBe(5);
			expect(pauses.items.map((e) => e.target)).toEqual(['t4', 't3', 't2', 't1', 't0']);
			const denied = await store.audit.list({ page: 1, perPage: 10, outcome: 'denied' });
			expect(denied.items.map((e) => e.target)).toEqual(['t3']);
			const alicePauses = await store.audit.list({ page: 1, perPage: 1, principal: 'alice', action: 'runner.pause' });
			expect(alicePauses.total).toBe(2);
			expect(alicePauses.items.map((e) => e.target)).toEqual(['t3']);
		});

		it('coalesces repeated events into one row with a count, also when they race', async () => {
			const denied = (ip: string) => ({ principal: 'anonymous', principal_kind: 'anonymous', action: 'login', target: 'user:alice', outcome: 'denied' as const, detail: { reason: 'throttled' }, ip });
			await store.audit.recordRepeated(denied('10.0.0.1'), 'login:user:alice:w0', T(1));
			await Promise.all(Array.from({ length: 30 }, (_, i) => store.audit.recordRepeated(denied(`10.0.0.${i + 2}`), 'login:user:alice:w0', T(2))));
			await store.audit.recordRepeated(denied('10.0.0.99'), 'login:user:alice:w1', T(16));
			await store.audit.record(denied('10.0.0.1'), T(17));
			const { items, total } = await store.audit.list({ page: 1, perPage: 10 });
			expect(total).toBe(3);
			expect(items.map((e) => [e.ip, e.at, e.count])).toEqual([
				['10.0.0.1', T(17), 1],
				['10.0.0.99', T(16), 1],
				// The first attempt's time and address; the count says how many followed.
				['10.0.0.1', T(1), 31]
			]);
			expect(items[2]).not.toHaveProperty('coalesce_key');
		});

		it('prunes records older than the retention', async () => {
			await store.audit.record({ principal: 'a', principal_kind: 'user', action: 'x', outcome: 'success' }, T(0));
			await store.audit.recordRepeated({ principal: 'a', principal_kind: 'user', action: 'y', outcome: 'denied' }, 'k', T(1));
			await store.audit.record({ principal: 'a', principal_kind: 'user', action: 'z', outcome: 'success' }, T(10));
			expect(await store.audit.prune(T(5))).toBe(2);
			expect((await store.audit.list({ page: 1, perPage: 10 })).items.map((e) => e.action)).toEqual(['z']);
		});
	});

	describe('settings', () => {
		it('keeps the first value written', async () => {
			expect(await store.settings.get('pepper')).toBeUndefined();
			expect(await store.settings.getOrInit('pepper', () => 'first')).toBe('first');
			expect(await store.settings.getOrInit('pepper', () => 'second')).toBe('first');
			expect(await store.settings.get('pepper')).toBe('first');
		});

		it('gives concurrent initialisers the same value', async () => {
			const values = await Promise.all(Array.from({ length: 5 }, (_, i) => store.settings.getOrInit('k', () => `v${i}`)));
			expect(new Set(values).size).toBe(1);
		});
	});

	describe('drift history', () => {
		const item = (field: string, live: unknown, cls: 'out-of-band' | 'unapplied' = 'out-of-band') => ({
			key: `gitlab-runners/dev/HorizontalPodAutoscaler gitlab-runners/docker-runner-hpa/${field}`,
			stack: 'gitlab-runners',
			env: 'dev',
			object: 'HorizontalPodAutoscaler gitlab-runners/docker-runner-hpa',
			ref: { kind: 'HorizontalPodAutoscaler', namespace: 'gitlab-runners', name: 'docker-runner-hpa' },
			field,
			variable: null,
			declared: 8,
			applied: 8,
			live,
			class: cls,
			severity: 'warning' as const,
			location: null,
			diff: ''
		});
		const dev = new Set([scopeKey('gitlab-runners', 'dev')]);
		let history: DriftHistory;
		beforeEach(async () => {
			await (store.conn.db as any).deleteFrom('drift_history').execute();
			history = new DriftHistory(store.conn.db);
		});

		it('keeps first_seen while an item stays open and resolves it when it clears', async () => {
			expect(await history.record([item('spec.maxReplicas', 11)], dev, T(0))).toEqual(new Map([[item('spec.maxReplicas', 11).key, T(0)]]));
			const again = await history.record([item('spec.maxReplicas', 12, 'unapplied')], dev, T(5));
			expect([...again.values()]).toEqual([T(0)]);
			expect(await history.openFirstSeen()).toEqual(again);
			await history.record([], dev, T(9));
			const { items, total } = await history.list({ page: 1, perPage: 10 });
			expect(total).toBe(1);
			expect(items[0]).toMatchObject({
				stack: 'gitlab-runners',
				env: 'dev',
				field: 'spec.maxReplicas',
				class: 'unapplied',
				values: { declared: 8, applied: 8, live: 12 },
				first_seen: T(0),
				last_seen: T(5),
				resolved_at: T(9)
			});
			expect((await history.openFirstSeen()).size).toBe(0);
			// It drifts again: a new occurrence with its own age.
			await history.record([item('spec.maxReplicas', 11)], dev, T(20));
			expect((await history.list({ page: 1, perPage: 10, open: true })).items.map((i) => i.first_seen)).toEqual([T(20)]);
			expect((await history.list({ page: 1, perPage: 10, open: false })).total).toBe(1);
		});

		it('leaves items of a scope that was not checked open', async () => {
			await history.record([item('spec.maxReplicas', 11)], dev, T(0));
			await history.record([], new Set([scopeKey('arc-runners', 'dev')]), T(1));
			expect((await history.list({ page: 1, perPage: 10, open: true })).total).toBe(1);
			expect((await history.list({ page: 1, perPage: 10, stack: 'arc-runners' })).total).toBe(0);
			expect((await history.list({ page: 1, perPage: 10, class: 'out-of-band', env: 'dev' })).total).toBe(1);
		});

		it('prunes resolved items that cleared before a time, never open ones', async () => {
			await history.record([item('spec.maxReplicas', 11)], dev, T(0));
			await history.record([], dev, T(5)); // resolved at T(5)
			await history.record([item('spec.minReplicas', 3)], dev, T(10)); // resolved at T(15)
			await history.record([], dev, T(15));
			await history.record([item('spec.maxReplicas', 12)], dev, T(20)); // open
			expect(await history.pruneResolved(T(10))).toBe(1);
			const left = await history.list({ page: 1, perPage: 10 });
			expect(left.items.map((i) => [i.field, i.resolved_at])).toEqual(expect.arrayContaining([['spec.minReplicas', T(15)], ['spec.maxReplicas', null]]));
			expect(left.total).toBe(2);
			expect(await history.pruneResolved(T(100))).toBe(1);
			expect((await history.list({ page: 1, perPage: 10, open: true })).total).toBe(1);
		});

		it('stores a config.toml with a runner token masked, its other lines as they were', async () => {
			const toml = (token: string, interval: number) => `concurrent = 4\ncheck_interval = ${interval}\n[[runners]]\n  token = "${token}"\n`;
			await history.record([{ ...item('data["config.toml"]', toml('glrt-SECRET-LIVE', 4)), declared: null, applied: toml('glrt-SECRET-IN-STATE', 3) }], dev, T(0));
			const raw = await (store.conn.db as any).selectFrom('drift_history').selectAll().execute();
			expect(JSON.stringify(raw)).not.toMatch(/glrt-|SECRET/);
			expect((await history.list({ page: 1, perPage: 1 })).items[0]!.values).toEqual({ declared: null, applied: toml('(sensitive #1)', 3), live: toml('(sensitive #2)', 4) });
		});

		it('stores null, objects and strings and reads them back unchanged', async () => {
			await history.record([{ ...item('spec.template', { a: [1, '2'] }), declared: null, applied: 'x"y' }], dev, T(0));
			expect((await history.list({ page: 1, perPage: 1 })).items[0]!.values).toEqual({ declared: null, applied: 'x"y', live: { a: [1, '2'] } });
		});
	});

	it('says where an unusable store is, without its password', async () => {
		if (dialect === 'postgres') {
			const err = await Store.open({ databaseUrl: 'postgres://u:s3cr3t-pw@127.0.0.1:1/nowhere', dataDir: '/tmp' }).catch((e: Error) => e);
			expect(err).toBeInstanceOf(Error);
			expect((err as Error).message).toMatch(/^store at postgresql:\/\/127\.0\.0\.1:1\/nowhere is not usable/);
			expect((err as Error).message).not.toContain('s3cr3t-pw');
			expect(store.conn.location).not.toContain(new URL((await backend.fresh()).databaseUrl!).password);
		} else {
			expect(store.conn.location).toMatch(/runner-dashboard\.sqlite$/);
		}
	});
});
