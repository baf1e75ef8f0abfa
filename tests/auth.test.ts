// Sessions, tokens, throttling, user management and audit through the running server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, login, startApp, type RunningApp } from './helpers/app';

let app: RunningApp;
let admin: string;

const api = (path: string, init: RequestInit & { token?: string; cookie?: string } = {}) =>
	fetch(`${app.url}${path}`, {
		...init,
		headers: {
			origin: app.origin,
			'content-type': 'application/json',
			...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
			...(init.cookie ? { cookie: init.cookie } : {}),
			...(init.headers as Record<string, string>)
		}
	});

async function attemptLogin(username: string, password: string, ip?: string) {
	return fetch(`${app.url}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: app.origin, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', ...(ip ? { 'x-forwarded-for': ip } : {}) },
		body: new URLSearchParams({ username, password })
	});
}

beforeAll(async () => {
	app = await startApp({ sandbox: false, initialPassword: true });
	admin = createToken(app, 'auth-admin', 'admin');
});
afterAll(() => app?.stop());

describe('first start', () => {
	it('saves the initial admin password with mode 0600, logs where, and never prints it to a non-terminal stdout', async () => {
		const { statSync } = await import('node:fs');
		expect(statSync(`${app.dataDir}/initial-admin-password`).mode & 0o777).toBe(0o600);
		expect(app.adminPassword.length).toBeGreaterThanOrEqual(20);
		expect(app.output()).not.toContain(app.adminPassword);
		expect(app.output()).toContain(`"file":"${app.dataDir}/initial-admin-password"`);
		expect(app.output()).toMatch(/must be changed at first sign-in/);
	});

	it('holds the first admin to choosing a password before anything else, through the API and the pages', async () => {
		const first = await attemptLogin('admin', app.adminPassword);
		expect(first.status).toBe(303);
		const cookie = first.headers.getSetCookie().find((c) => c.startsWith('rd_session='))!.split(';')[0]!;
		expect(await (await api('/api/v1/me', { cookie })).json()).toEqual({ kind: 'user', name: 'admin', role: 'admin', must_change_password: true });
		const users = await api('/api/v1/users', { cookie });
		expect(users.status).toBe(403);
		expect((await users.json()).error.code).toBe('password_change_required');
		const created = await api('/api/v1/users', { method: 'POST', cookie, body: JSON.stringify({ username: 'sneaky', password: 'a long password', role: 'admin' }) });
		expect(created.status).toBe(403);
		const page = await fetch(`${app.url}/fleet`, { redirect: 'manual', headers: { cookie, accept: 'text/html' } });
		expect([page.status, page.headers.get('location')]).toEqual([303, '/settings?password=required']);
		const settings = await fetch(`${app.url}/settings?password=required`, { headers: { cookie, accept: 'text/html' } });
		expect(settings.status).toBe(200);
		expect(await settings.text()).toContain('data-testid="password-required"');

		const own = `${app.adminPassword}-own`;
		const changed = await api('/api/v1/me/password', { method: 'POST', cookie, body: JSON.stringify({ current_password: app.adminPassword, new_password: own }) });
		expect(changed.status).toBe(204);
		const rotated = changed.headers.getSetCookie().find((c) => c.startsWith('rd_session='))!.split(';')[0]!;
		expect(rotated).not.toBe(cookie);
		expect((await api('/api/v1/me', { cookie })).status).toBe(401);
		expect(await (await api('/api/v1/me', { cookie: rotated })).json()).toMatchObject({ must_change_password: false });
		expect((await api('/api/v1/users', { cookie: rotated })).status).toBe(200);
		expect((await api('/api/v1/users', { token: admin })).status).toBe(200);
		app.adminPassword = own;
	});
});

describe('sessions', () => {
	it('sign in sets an HttpOnly, SameSite=Lax session cookie; sign out deletes the session', async () => {
		const r = await attemptLogin('admin', app.adminPassword);
		expect(r.status).toBe(303);
		expect(r.headers.get('location')).toBe('/fleet');
		const set = r.headers.getSetCookie().find((c) => c.startsWith('rd_session='))!;
		expect(set).toMatch(/HttpOnly/i);
		expect(set).toMatch(/SameSite=Lax/i);
		expect(set).toMatch(/Path=\//);
		expect(set).not.toMatch(/Secure/i); // plain http on loopback
		const cookie = set.split(';')[0]!;
		const me = await api('/api/v1/me', { cookie });
		expect(await me.json()).toEqual({ kind: 'user', name: 'admin', role: 'admin', must_change_password: false });

		const out = await fetch(`${app.url}/logout`, { method: 'POST', redirect: 'manual', headers: { origin: app.origin, cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
		expect(out.status).toBe(303);
		expect(out.headers.getSetCookie().join()).toMatch(/rd_session=;/);
		// The old cookie no longer works: the session is gone server-side.
		expect((await api('/api/v1/me', { cookie })).status).toBe(401);
		const audit = await (await api('/api/v1/audit?action=logout', { token: admin })).json();
		expect(audit.items[0]).toMatchObject({ principal: 'admin', action: 'logout', outcome: 'success' });
	});

	it('a forged or random session id is not a session', async () => {
		expect((await api('/api/v1/me', { cookie: 'rd_session=eyJ1c2VyIjoiYWRtaW4iLCJyb2xlIjoiYWRtaW4ifQ' })).status).toBe(401);
	});
});

describe('login throttling', () => {
	it('answers 429 after repeated failures for one user, and audits failures and denials', async () => {
		await api('/api/v1/users', { method: 'POST', token: admin, body: JSON.stringify({ username: 'victim', password: 'correct horse battery', role: 'viewer' }) });
		const statuses: number[] = [];
		for (let i = 0; i < 6; i++) statuses.push((await attemptLogin('victim', `wrong-${i}`)).status);
		expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
		expect(statuses[5]).toBe(429);
		// Even the right password is refused while throttled.
		expect((await attemptLogin('victim', 'correct horse battery')).status).toBe(429);
		const failures = await (await api('/api/v1/audit?action=login&outcome=failure', { token: admin })).json();
		expect(failures.items.filter((a: { target: string }) => a.target === 'user:victim')).toHaveLength(5);
		const denied = await (await api('/api/v1/audit?action=login&outcome=denied', { token: admin })).json();
		expect(denied.items[0]).toMatchObject({ target: 'user:victim', count: 2, detail: { reason: 'throttled', by: 'user' } });
	});

});

describe('API tokens', () => {
	it('a token created by the CLI while the server runs works at once, records last use, and stops working when revoked', async () => {
		const secret = createToken(app, 'ci-reader', 'viewer');
		expect(secret).toMatch(/^rdt_[\w-]{40,}$/);
		expect(await (await api('/api/v1/me', { token: secret })).json()).toEqual({ kind: 'token', name: 'token:ci-reader', role: 'viewer', must_change_password: false });
		const list = await (await api('/api/v1/tokens', { token: admin })).json();
		const t = list.items.find((i: { name: string }) => i.name === 'ci-reader');
		expect(t.last_used_at).not.toBeNull();
		expect(JSON.stringify(list)).not.toContain(secret);
		const revoke = await api(`/api/v1/tokens/${t.id}`, { method: 'DELETE', token: admin });
		expect(revoke.status).toBe(200);
		expect((await api('/api/v1/me', { token: secret })).status).toBe(401);
		expect((await api(`/api/v1/tokens/${t.id}`, { method: 'DELETE', token: admin })).status).toBe(404);
	});

	it('tokens are stored hashed: the secret is nowhere in the database file', async () => {
		const secret = createToken(app, 'hashed-check', 'viewer');
		const { readFileSync, readdirSync } = await import('node:fs');
		const dbFiles = readdirSync(app.dataDir).filter((f) => f.startsWith('runner-dashboard.sqlite'));
		expect(dbFiles.length).toBeGreaterThan(0);
		for (const f of dbFiles) expect(readFileSync(`${app.dataDir}/${f}`).includes(secret)).toBe(false);
	});

	it('are audited alike whether made and revoked with the CLI or the API: only who, when and from where differ', async () => {
		const cli = app.cli(['token', 'create', '--name', 'parity-cli', '--role', 'operator', '--expires-in', '30d']);
		expect(cli.status).toBe(0);
		const viaApi = await api('/api/v1/tokens', { method: 'POST', token: admin, body: JSON.stringify({ name: 'parity-api', role: 'operator', expires_in_days: 30 }) });
		expect(viaApi.status).toBe(201);
		const apiId: number = (await viaApi.json()).id;
		const cliId: number = (await (await api('/api/v1/tokens', { token: admin })).json()).items.find((t: { name: string }) => t.name === 'parity-cli').id;
		expect(app.cli(['token', 'revoke', '--id', String(cliId)]).status).toBe(0);
		expect((await api(`/api/v1/tokens/${apiId}`, { method: 'DELETE', token: admin })).status).toBe(200);

		type Entry = { id: number; at: string; principal: string; principal_kind: string; ip: string | null; request_id: string | null; target: string | null; action: string; detail: Record<string, unknown> | null };
		const entries: Record<string, Entry[]> = {};
		for (const action of ['token.create', 'token.revoke']) entries[action] = (await (await api(`/api/v1/audit?per_page=200&action=${action}`, { token: admin })).json()).items;
		const of = (action: string, id: number) => entries[action]!.filter((e) => e.target === `token:${id}`);
		for (const action of ['token.create', 'token.revoke']) {
			const [byCli, byApi] = [of(action, cliId), of(action, apiId)];
			expect(byCli, `${action} by the CLI`).toHaveLength(1);
			expect(byApi, `${action} through the API`).toHaveLength(1);
			// Who, when and where: the CLI has no address or request; the API names both.
			expect(byCli[0]).toMatchObject({ principal: 'cli', principal_kind: 'cli', ip: null, request_id: null });
			expect(byApi[0]).toMatchObject({ principal: 'token:auth-admin', principal_kind: 'token', ip: '127.0.0.1', request_id: expect.any(String) });
			const what = ({ id: _id, at: _at, principal: _p, principal_kind: _k, ip: _ip, request_id: _r, target, detail, ...rest }: Entry) => ({
				...rest,
				target: target?.replace(/\d+$/, '<id>'),
				detail: Object.fromEntries(Object.entries(detail ?? {}).map(([k, v]) => [k, k === 'name' || k === 'expires_at' ? typeof v : v]))
			});
			expect(what(byCli[0]!), action).toEqual(what(byApi[0]!));
		}
		expect(of('token.create', cliId)[0]!.detail).toEqual({ name: 'parity-cli', role: 'operator', owner_id: null, expires_at: expect.stringMatching(/^\d{4}-/) });
		expect(of('token.revoke', apiId)[0]!.detail).toEqual({ name: 'parity-api' });
	});

	it('the CLI refuses a bad role with a clear message and exit code 2', () => {
		const r = app.cli(['token', 'create', '--name', 'x', '--role', 'root']);
		expect(r.status).toBe(2);
		expect(r.stderr).toMatch(/--role must be one of viewer, operator, admin/);
	});
});

describe('users', () => {
	it('admins create users and change roles; a role change ends that user’s sessions; the last admin is protected', async () => {
		const created = await api('/api/v1/users', { method: 'POST', token: admin, body: JSON.stringify({ username: 'olivia', password: 'operator password', role: 'operator' }) });
		expect(created.status).toBe(201);
		const user = await created.json();
		expect(user).toMatchObject({ username: 'olivia', role: 'operator', disabled: false });
		expect(user).not.toHaveProperty('password');
		expect(user).not.toHaveProperty('password_hash');
		expect(JSON.stringify(user)).not.toMatch(/scrypt|operator password/);
		expect(user.must_change_password).toBe(false);
		const dup = await api('/api/v1/users', { method: 'POST', token: admin, body: JSON.stringify({ username: 'olivia', password: 'operator password', role: 'operator' }) });
		expect(dup.status).toBe(409);

		const cookie = await login(app, 'olivia', 'operator password');
		expect((await api('/api/v1/me', { cookie })).status).toBe(200);
		const patched = await api(`/api/v1/users/${user.id}`, { method: 'PATCH', token: admin, body: JSON.stringify({ role: 'viewer' }) });
		expect(await patched.json()).toMatchObject({ role: 'viewer' });
		expect((await api('/api/v1/me', { cookie })).status).toBe(401);

		const users = await (await api('/api/v1/users', { token: admin })).json();
		const adminUser = users.items.find((u: { username: string }) => u.username === 'admin');
		const demote = await api(`/api/v1/users/${adminUser.id}`, { method: 'PATCH', token: admin, body: JSON.stringify({ role: 'viewer' }) });
		expect(demote.status).toBe(409);
		expect((await demote.json()).error.code).toBe('last_admin');
	});

	it('a user changes their own password with the current one', async () => {
		await api('/api/v1/users', { method: 'POST', token: admin, body: JSON.stringify({ username: 'vera', password: 'first password!', role: 'viewer' }) });
		const cookie = await login(app, 'vera', 'first password!');
		const wrong = await api('/api/v1/me/password', { method: 'POST', cookie, body: JSON.stringify({ current_password: 'nope', new_password: 'second password!' }) });
		expect(wrong.status).toBe(400);
		const elsewhere = await login(app, 'vera', 'first password!');
		const ok = await api('/api/v1/me/password', { method: 'POST', cookie, body: JSON.stringify({ current_password: 'first password!', new_password: 'second password!' }) });
		expect(ok.status).toBe(204);
		// Every session ends; the caller continues under a new session id.
		const rotated = ok.headers.getSetCookie().find((c) => c.startsWith('rd_session='))!.split(';')[0]!;
		expect(rotated).not.toBe(cookie);
		expect((await api('/api/v1/me', { cookie })).status).toBe(401);
		expect((await api('/api/v1/me', { cookie: elsewhere })).status).toBe(401);
		expect((await api('/api/v1/me', { cookie: rotated })).status).toBe(200);
		await expect(login(app, 'vera', 'first password!')).rejects.toThrow(/login failed/);
		expect(await login(app, 'vera', 'second password!')).toMatch(/^rd_session=/);
	});
});

describe('audit', () => {
	it('records every mutation with principal, action, target, outcome and time, newest first, paged', async () => {
		const page1 = await (await api('/api/v1/audit?per_page=5', { token: admin })).json();
		expect(page1.items).toHaveLength(5);
		expect(page1.total).toBeGreaterThan(20);
		expect(page1.per_page).toBe(5);
		for (const a of page1.items) {
			expect(a).toEqual(expect.objectContaining({ principal: expect.any(String), action: expect.any(String), outcome: expect.stringMatching(/^(success|failure|denied)$/), at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }));
		}
		const page2 = await (await api('/api/v1/audit?per_page=5&page=2', { token: admin })).json();
		expect(page2.items[0].id).toBeLessThan(page1.items[4].id);
		const actions = new Set((await (await api('/api/v1/audit?per_page=200', { token: admin })).json()).items.map((a: { action: string }) => a.action));
		for (const a of ['login', 'logout', 'token.create', 'token.revoke', 'user.create', 'user.update', 'user.password']) expect(actions, a).toContain(a);
		expect((await api('/api/v1/audit?per_page=500', { token: admin })).status).toBe(400);
	});
});

// Behind a proxy (ADDRESS_HEADER), so that each request can come from its own address.
describe('sign-in throttle under 40 parallel requests', () => {
	let proxied: RunningApp;
	let token: string;

	beforeAll(async () => {
		proxied = await startApp({ sandbox: false, env: { ADDRESS_HEADER: 'X-Forwarded-For' } });
		token = createToken(proxied, 'throttle-admin', 'admin');
	});
	afterAll(() => proxied?.stop());

	const signIn = (username: string, password: string, ip: string | null, cookie?: string) =>
		fetch(`${proxied.url}/login`, {
			method: 'POST',
			redirect: 'manual',
			headers: {
				origin: proxied.origin,
				accept: 'text/html',
				'content-type': 'application/x-www-form-urlencoded',
				...(ip ? { 'x-forwarded-for': ip } : {}),
				...(cookie ? { cookie } : {})
			},
			body: new URLSearchParams({ username, password })
		});
	const audit = async (query: string) => (await (await fetch(`${proxied.url}/api/v1/audit?per_page=200&${query}`, { headers: { authorization: `Bearer ${token}` } })).json()).items;

	function expectThrottled(responses: Response[]) {
		for (const r of responses) {
			expect(r.status).toBe(429);
			const retryAfter = Number(r.headers.get('retry-after'));
			expect(Number.isInteger(retryAfter)).toBe(true);
			// The rest of the 15-minute window (less the seconds this test has taken), plus jitter.
			expect(retryAfter).toBeGreaterThan(10 * 60);
			expect(retryAfter).toBeLessThanOrEqual(3600);
		}
	}

	it('for one user: at most the limit are evaluated, the rest 429 with Retry-After; a browser that signed in before still gets in', async () => {
		const created = await fetch(`${proxied.url}/api/v1/users`, {
			method: 'POST',
			headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
			body: JSON.stringify({ username: 'dora', password: 'dora’s password', role: 'viewer' })
		});
		expect(created.status).toBe(201);
		const first = await signIn('dora', 'dora’s password', '198.51.100.1');
		expect(first.status).toBe(303);
		const device = first.headers.getSetCookie().find((c) => c.startsWith('rd_device='));
		expect(device).toMatch(/HttpOnly/i);
		expect(device).toMatch(/SameSite=Strict/i);

		const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => signIn('dora', `guess-${i}`, `203.0.113.${i + 1}`)));
		const evaluated = responses.filter((r) => r.status === 401);
		expect(evaluated).toHaveLength(5);
		expectThrottled(responses.filter((r) => r.status !== 401));
		// Each evaluated attempt is one failure row; the refusals are one row with a count.
		expect((await audit('action=login&outcome=failure')).filter((e: { target: string }) => e.target === 'user:dora')).toHaveLength(5);
		expect((await audit('action=login&outcome=denied')).filter((e: { target: string }) => e.target === 'user:dora')).toMatchObject([{ count: 35, detail: { by: 'user' } }]);

		// The right password from a new client is refused during the lock…
		expectThrottled([await signIn('dora', 'dora’s password', '198.51.100.2')]);
		// …but not from the browser that signed in before.
		const known = await signIn('dora', 'dora’s password', '198.51.100.1', device!.split(';')[0]);
		expect(known.status).toBe(303);
		expect(known.headers.getSetCookie().some((c) => c.startsWith('rd_session='))).toBe(true);
	});

	it('for one address across users: at most its limit are evaluated, the rest 429 with Retry-After', async () => {
		const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => signIn(`nobody-${i}`, 'x', '192.0.2.50')));
		expect(responses.filter((r) => r.status === 401)).toHaveLength(20);
		expectThrottled(responses.filter((r) => r.status !== 401));
		expect((await audit('action=login&outcome=denied')).filter((e: { ip: string }) => e.ip === '192.0.2.50')).toMatchObject([{ target: null, count: 20, detail: { by: 'address' } }]);
	});

	it('a request without the configured header is the unknown peer, never unthrottled', async () => {
		expect((await signIn('nobody-x', 'x', null)).status).toBe(401);
		expect((await audit('action=login&outcome=failure'))[0]).toMatchObject({ target: 'user:nobody-x', ip: 'unknown-peer' });
	});
});

// Last: it locks the test client's address out of signing in.
describe('login throttling by address', () => {
	it('answers 429 after repeated failures from one address across usernames', async () => {
		// Wrong passwords from this address so far (sign-ins and current-password checks share the budget).
		const failures = async (action: string) =>
			(await (await api(`/api/v1/audit?action=${action}&outcome=failure&per_page=200`, { token: admin })).json()).items.filter((e: { ip: string }) => e.ip === '127.0.0.1').length;
		const spent = (await failures('login')) + (await failures('user.password'));
		expect(spent).toBeGreaterThan(0);
		const statuses: number[] = [];
		for (let i = 0; i < 21; i++) statuses.push((await attemptLogin(`nobody-${i}`, 'x')).status);
		expect(statuses.filter((s) => s === 401)).toHaveLength(20 - spent);
		expect(statuses.slice(20 - spent)).toEqual(Array(21 - 20 + spent).fill(429));
	});
});
