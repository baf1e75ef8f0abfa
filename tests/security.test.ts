// Deny by default, walked over the real route tree against the built server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, login, startApp, type RunningApp } from './helpers/app';
import { INTENT, roleTableViolations, routeTree, type RouteEntry } from './helpers/routes';

const PUBLIC = new Set(['/healthz', '/readyz', '/login']);
const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

let app: RunningApp;
let viewer: string;
let admin: string;
let routes: RouteEntry[];
let mutations: RouteEntry[];

async function snapshot() {
	const h = { authorization: `Bearer ${admin}` };
	const [users, tokens] = await Promise.all([
		fetch(`${app.url}/api/v1/users`, { headers: h }).then((r) => r.json()),
		fetch(`${app.url}/api/v1/tokens`, { headers: h }).then((r) => r.json())
	]);
	return JSON.stringify({ users: users.items, tokens: tokens.items.map((t: { id: number; revoked_at: string | null }) => [t.id, t.revoked_at]) });
}

beforeAll(async () => {
	routes = await routeTree();
	mutations = routes.filter((r) => r.method !== 'GET');
	app = await startApp();
	viewer = createToken(app, 'walk-viewer', 'viewer');
	admin = createToken(app, 'walk-admin', 'admin');
});
afterAll(() => app?.stop());

describe('the route tree', () => {
	it('is found and includes the API, pages and form actions, each with the role it needs', () => {
		expect(routes.length).toBeGreaterThan(20);
		// Deny by default: nothing exists without a declared role, and no role is lower than intended.
		expect(roleTableViolations(routes)).toEqual([]);
		expect(routes.filter((r) => r.access === 'public').map(key).sort()).toEqual(INTENT.public);
		expect(mutations.filter((r) => r.access === 'viewer').map(key).sort()).toEqual(INTENT.viewerMutations);
	});

	it('would fail for a route without a row, or a row that grants less than intended', () => {
		const row = (method: string, path: string) => routes.find((r) => r.method === method && r.path === path)!;
		const tokens = row('POST', '/api/v1/tokens');
		const pause = row('POST', '/api/v1/runners/1/pause');
		expect([tokens.access, pause.access]).toEqual(['admin', 'operator']);
		const mutated = (r: RouteEntry, access: RouteEntry['access']) => routes.map((x) => (x === r ? { ...x, access } : x));
		expect(roleTableViolations(mutated(tokens, 'operator'))).toEqual(['POST /api/v1/tokens: operator, but admin only']);
		expect(roleTableViolations(mutated(pause, 'viewer'))).toEqual(['POST /api/v1/runners/1/pause: a viewer may change this']);
		expect(roleTableViolations(mutated(pause, 'public'))).toEqual(['POST /api/v1/runners/1/pause: public, but not a stated anonymous door']);
		expect(roleTableViolations([...routes, { id: '/new', path: '/new', kind: 'page', method: 'GET', access: undefined }])).toEqual(['GET /new: no row in the role table']);
		expect(roleTableViolations(mutated(row('GET', '/api/v1/audit'), 'viewer'))).toEqual(['GET /api/v1/audit: viewer, but admin only']);
		expect(routes.some((r) => r.id === '/api/v1/runners' && r.method === 'GET')).toBe(true);
		expect(routes.some((r) => r.kind === 'page' && r.id === '/fleet')).toBe(true);
		expect(routes.some((r) => r.kind === 'action' && r.id === '/settings')).toBe(true);
	});
});

describe('unauthenticated requests', () => {
	it('get 401 on every /api/v1 route and method', async () => {
		const api = routes.filter((r) => r.id.startsWith('/api/') && r.access !== 'public');
		expect(api.length).toBeGreaterThan(15);
		for (const r of api) {
			const res = await fetch(`${app.url}${r.path}`, { method: r.method, headers: { origin: app.origin, 'content-type': 'application/json' }, body: r.method === 'GET' ? undefined : '{}' });
			expect(res.status, `${r.method} ${r.path}`).toBe(401);
			expect((await res.json()).error.code, `${r.method} ${r.path}`).toMatch(/unauthenticated/);
		}
	});

	it('are sent to the login page from every non-public page, and refused on every non-public action', async () => {
		const others = routes.filter((r) => !r.id.startsWith('/api/') && r.kind !== 'endpoint' && r.access !== 'public');
		expect(others.length).toBeGreaterThan(8);
		for (const r of others) {
			const res = await fetch(`${app.url}${r.path}`, { method: r.method, redirect: 'manual', headers: { origin: app.origin, accept: 'text/html' } });
			if (r.method === 'GET') {
				expect(res.status, `${r.method} ${r.path}`).toBe(303);
				expect(res.headers.get('location'), r.path).toMatch(/^\/login\?next=/);
			} else {
				expect(res.status, `${r.method} ${r.path}`).toBe(401);
			}
		}
	});

	it('reach only the probes and the login page', async () => {
		for (const p of ['/healthz', '/readyz', '/login']) expect((await fetch(`${app.url}${p}`, { redirect: 'manual' })).status, p).toBe(200);
		// Non-browser clients get 401 rather than a redirect to a login page.
		expect((await fetch(`${app.url}/metrics`, { redirect: 'manual' })).status).toBe(401);
		expect((await fetch(`${app.url}/fleet`, { redirect: 'manual' })).status).toBe(401);
		expect((await fetch(`${app.url}/api/v1/no-such-route`)).status).toBe(401);
	});

	it('get 401 with an unknown or malformed bearer token', async () => {
		for (const h of ['Bearer rdt_nope', 'Bearer', 'Basic YWRtaW46eA==']) {
			const res = await fetch(`${app.url}/api/v1/runners`, { headers: { authorization: h } });
			expect(res.status, h).toBe(401);
		}
	});
});

describe('roles', () => {
	it('a viewer token gets 403 on every mutation except its own session and password, and nothing changes', async () => {
		const before = await snapshot();
		const checked: string[] = [];
		for (const r of mutations.filter((m) => m.access !== 'viewer' && m.access !== 'public')) {
			const res = await fetch(`${app.url}${r.path}`, {
				method: r.method,
				headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' },
				body: JSON.stringify({ username: 'mallory', password: 'x'.repeat(20), role: 'admin', name: 'x', action: 'pause', ids: [] })
			});
			expect(res.status, `${r.method} ${r.path}`).toBe(403);
			expect((await res.json()).error.code).toBe('forbidden');
			checked.push(`${r.method} ${r.path}`);
		}
		expect(checked.length).toBeGreaterThan(8);
		expect(await snapshot()).toBe(before);
	});

	it('an operator gets 403 on every admin mutation (tokens, users), and nothing changes', async () => {
		const operator = createToken(app, 'walk-operator', 'operator');
		const before = await snapshot();
		const adminOnly = mutations.filter((m) => m.access === 'admin');
		expect(adminOnly.length).toBeGreaterThan(5);
		for (const r of adminOnly) {
			const res = await fetch(`${app.url}${r.path}`, {
				method: r.method,
				headers: { authorization: `Bearer ${operator}`, origin: app.origin, 'content-type': 'application/json' },
				body: JSON.stringify({ username: 'mallory', password: 'x'.repeat(20), role: 'admin', name: 'x' })
			});
			// Form actions answer SvelteKit's way; the API in its error shape. Both refuse.
			expect(res.status, key(r)).toBe(403);
		}
		expect(await snapshot()).toBe(before);
	});

	it('a viewer session is held to the same roles as a viewer token, reads included', async () => {
		await fetch(`${app.url}/api/v1/users`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ username: 'walker', password: 'walker password!', role: 'viewer' }) });
		const cookie = await login(app, 'walker', 'walker password!');
		const before = await snapshot();
		for (const r of routes.filter((x) => x.access === 'admin' || x.access === 'operator')) {
			const res = await fetch(`${app.url}${r.path}`, {
				method: r.method,
				redirect: 'manual',
				headers: { cookie, origin: app.origin, 'content-type': 'application/json', accept: 'application/json' },
				body: r.method === 'GET' ? undefined : JSON.stringify({ name: 'x', role: 'admin', action: 'pause', ids: [] })
			});
			expect(res.status, key(r)).toBe(403);
		}
		expect(await snapshot()).toBe(before);
	});

	it('no GET changes anything: after every GET as admin, the store and the forges saw no writes', async () => {
		const forgeWrites = async () => {
			const counts = await (await fetch(`${app.sandboxUrl}/_sandbox/requests`)).json();
			return Object.entries({ ...counts.gitlab, ...counts.github }).filter(([k]) => !k.startsWith('GET ')).map(([k, v]) => `${k} ${v}`).sort();
		};
		const cookie = await login(app, 'admin', app.adminPassword);
		const before = [await snapshot(), await forgeWrites()];
		const auditBefore = (await (await fetch(`${app.url}/api/v1/audit?per_page=1`, { headers: { authorization: `Bearer ${admin}` } })).json()).total;
		const gets = routes.filter((r) => r.method === 'GET' && r.path !== '/api/v1/events');
		expect(gets.length).toBeGreaterThan(20);
		for (const r of gets) await (await fetch(`${app.url}${r.path}`, { redirect: 'manual', headers: { cookie, accept: 'text/html' } })).arrayBuffer();
		expect([await snapshot(), await forgeWrites()]).toEqual(before);
		// Reads leave no audit records either (only sign-in above did).
		expect((await (await fetch(`${app.url}/api/v1/audit?per_page=1`, { headers: { authorization: `Bearer ${admin}` } })).json()).total).toBe(auditBefore);
	});

	it('a viewer can read but not administer', async () => {
		const h = { authorization: `Bearer ${viewer}` };
		expect((await fetch(`${app.url}/api/v1/runners`, { headers: h })).status).toBe(200);
		expect((await fetch(`${app.url}/api/v1/sources`, { headers: h })).status).toBe(200);
		for (const p of ['/api/v1/audit', '/api/v1/users', '/api/v1/tokens']) expect((await fetch(`${app.url}${p}`, { headers: h })).status, p).toBe(403);
	});

	it('denied mutations are audited as denied', async () => {
		const res = await fetch(`${app.url}/api/v1/audit?outcome=denied&per_page=200`, { headers: { authorization: `Bearer ${admin}` } });
		const body = await res.json();
		expect(body.total).toBeGreaterThan(8);
		const who = new Set(body.items.map((i: { principal: string }) => i.principal));
		for (const p of ['token:walk-viewer', 'token:walk-operator', 'walker']) expect(who, p).toContain(p);
	});
});

describe('cross-origin mutations', () => {
	it('get 403 on every mutation route, with a token or a session, and change nothing', async () => {
		const session = await login(app, 'admin', app.adminPassword);
		const before = await snapshot();
		for (const r of mutations) {
			for (const auth of [{ authorization: `Bearer ${admin}` }, { cookie: session }] as Record<string, string>[]) {
				const res = await fetch(`${app.url}${r.path}`, {
					method: r.method,
					headers: { ...auth, origin: 'https://evil.example', 'content-type': 'application/json' },
					body: JSON.stringify({ username: 'mallory', password: 'x'.repeat(20), role: 'admin', name: 'evil' })
				});
				expect(res.status, `${r.method} ${r.path} ${Object.keys(auth)[0]}`).toBe(403);
			}
		}
		// `Origin: null` (sandboxed frames, some redirects) is no origin at all.
		const nullOrigin = await fetch(`${app.url}/api/v1/tokens`, { method: 'POST', headers: { cookie: session, origin: 'null', 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', role: 'viewer' }) });
		expect(nullOrigin.status).toBe(403);
		// A session-authenticated mutation without any Origin is refused too (browsers always send one).
		const noOrigin = await fetch(`${app.url}/api/v1/tokens`, { method: 'POST', headers: { cookie: session, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', role: 'viewer' }) });
		expect(noOrigin.status).toBe(403);
		expect(await snapshot()).toBe(before);
	});
});

describe('request bodies', () => {
	it('over 1 MiB get 413, malformed JSON 400, wrong shape 400 — all in the error shape, nothing stored', async () => {
		const before = await snapshot();
		const h = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
		const big = JSON.stringify({ username: 'big', password: 'p'.repeat(2 * 1024 * 1024), role: 'viewer' });
		const r413 = await fetch(`${app.url}/api/v1/users`, { method: 'POST', headers: h, body: big });
		expect(r413.status).toBe(413);
		expect(await r413.json()).toEqual({ error: { code: 'payload_too_large', message: expect.stringContaining('1048576') } });

		const r400 = await fetch(`${app.url}/api/v1/users`, { method: 'POST', headers: h, body: '{"username": "x",' });
		expect(r400.status).toBe(400);
		expect((await r400.json()).error).toEqual({ code: 'malformed_json', message: expect.stringContaining('not valid JSON') });

		const bad = await fetch(`${app.url}/api/v1/users`, { method: 'POST', headers: h, body: JSON.stringify({ username: 'ok', password: 'short', role: 'root' }) });
		expect(bad.status).toBe(400);
		expect((await bad.json()).error.code).toBe('invalid_request');

		const unknown = await fetch(`${app.url}/api/v1/users`, { method: 'POST', headers: h, body: JSON.stringify({ username: 'ok', password: 'long-enough-pass', role: 'viewer', admin: true }) });
		expect(unknown.status).toBe(400);
		expect((await unknown.json()).error.message).toMatch(/unknown field.*admin/);

		const notJson = await fetch(`${app.url}/api/v1/users`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/plain' }, body: 'hello' });
		expect(notJson.status).toBe(415);
		expect(await snapshot()).toBe(before);
	});

	it('unknown API paths and methods answer in the error shape', async () => {
		const h = { authorization: `Bearer ${admin}` };
		const nf = await fetch(`${app.url}/api/v1/nope`, { headers: h });
		expect(nf.status).toBe(404);
		expect((await nf.json()).error.code).toBe('not_found');
		const na = await fetch(`${app.url}/api/v1/runners`, { method: 'DELETE', headers: { ...h, origin: app.origin } });
		expect(na.status).toBe(405);
		expect((await na.json()).error.code).toBe('method_not_allowed');
	});
});
