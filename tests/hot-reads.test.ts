// The runners list is answered by the hot-read lane before SvelteKit (docs/performance.md).
// The lane must be invisible: the same request through the lane and through the SvelteKit
// route gets the same status, body and headers, for every way of asking.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, eventually, freePort, login, root, spawnSync, waitForUrl, type RunningApp } from './helpers/app';

let sandbox: ChildProcess;
let doors: ChildProcess;
let lane = '';
let kit = '';
let dataDir = '';
const tokens: Record<string, string> = {};
let cookie = '';

function cli(args: string[], env: Record<string, string>) {
	const r = spawnSync(process.execPath, [cliPath, ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
	return r.stdout.trim();
}

beforeAll(async () => {
	dataDir = mkdtempSync(join(tmpdir(), 'rd-doors-'));
	const sandboxPort = await freePort();
	// A fleet that holds still (its clock moves only on request), so both doors read the same runners.
	sandbox = spawn(process.execPath, [cliPath, 'sandbox', '--port', String(sandboxPort), '--tick-ms', '0'], { cwd: root, stdio: 'ignore' });
	const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
	await waitForUrl(`${sandboxUrl}/_sandbox/state`);
	const env = { RUNNER_DASHBOARD_DATA_DIR: dataDir, RUNNER_DASHBOARD_SANDBOX_URL: sandboxUrl, LOG_LEVEL: 'warn' };
	doors = spawn(process.execPath, ['tests/helpers/two-doors.mjs', root], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
	const line = await new Promise<string>((resolve, reject) => {
		let out = '';
		doors.stdout!.on('data', (d) => {
			out += d;
			const m = /doors (\d+) (\d+)/.exec(out);
			if (m) resolve(m[0]);
		});
		doors.once('exit', (code) => reject(new Error(`two-doors exited ${code}: ${out}`)));
	});
	const [, a, b] = line.split(' ');
	lane = `http://127.0.0.1:${a}`;
	kit = `http://127.0.0.1:${b}`;
	await waitForUrl(`${kit}/healthz`);
	for (const role of ['viewer', 'operator'] as const) tokens[role] = cli(['token', 'create', '--name', `doors-${role}`, '--role', role], env);
	const password = readFileSync(join(dataDir, 'initial-admin-password'), 'utf8').trim();
	cookie = await login({ url: kit, origin: kit } as RunningApp, 'admin', password);
	// Both doors see the whole fleet before anything is compared.
	await eventually(
		() => fetch(`${kit}/api/v1/runners?per_page=1`, { headers: { authorization: `Bearer ${tokens.viewer}` } }).then((r) => r.json()),
		(b) => b.total > 100,
		60_000,
		'the first sync'
	);
}, 120_000);

afterAll(() => {
	doors?.kill('SIGTERM');
	sandbox?.kill('SIGTERM');
	if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

type Answer = { status: number; headers: Record<string, string>; body: unknown };

// Headers that differ by nature between two answers (or by transport, not by content).
const TRANSPORT = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

async function ask(base: string, path: string, headers: Record<string, string>): Promise<Answer> {
	const r = await fetch(`${base}${path}`, { headers: { 'x-request-id': 'same-request', ...headers } });
	const text = await r.text();
	const h: Record<string, string> = {};
	r.headers.forEach((v, k) => {
		if (!TRANSPORT.has(k)) h[k] = v;
	});
	// Data ages are whole seconds read at answer time: a second may tick between the two doors.
	const body = JSON.parse(text, (k, v) => (k === 'data_age_s' && typeof v === 'number' ? 'age' : v));
	if (r.headers.get('content-length') !== null) expect(Number(r.headers.get('content-length'))).toBe(Buffer.byteLength(text));
	return { status: r.status, headers: h, body };
}

async function bothDoors(path: string, headers: Record<string, string> = {}) {
	const [a, b] = [await ask(lane, path, headers), await ask(kit, path, headers)];
	expect(a, `${path} ${JSON.stringify(headers)}`).toEqual(b);
	return a;
}

describe('GET /api/v1/runners through the hot-read lane and through SvelteKit', () => {
	it('refuses the same requests with the same answers', async () => {
		expect((await bothDoors('/api/v1/runners')).status).toBe(401);
		expect((await bothDoors('/api/v1/runners', { authorization: 'Bearer rdt_unknown' })).body).toEqual({
			error: { code: 'invalid_token', message: 'the API token is unknown or revoked' }
		});
		expect((await bothDoors('/api/v1/runners', { authorization: 'Basic YWRtaW46eA==' })).status).toBe(401);
		expect((await bothDoors('/api/v1/runners', { authorization: 'Bearer' })).status).toBe(401);
		expect((await bothDoors('/api/v1/runners', { cookie: 'rd_session=not-a-session' })).status).toBe(401);
	});

	it('rejects bad queries with the same 400', async () => {
		const auth = { authorization: `Bearer ${tokens.viewer}` };
		for (const q of ['sort=bogus', 'limit=5', 'per_page=1000', 'page=0', 'offline_days=-1', 'q=' + 'x'.repeat(201)]) {
			const a = await bothDoors(`/api/v1/runners?${q}`, auth);
			expect(a.status, q).toBe(400);
			expect((a.body as { error: { code: string } }).error.code, q).toBe('invalid_query');
		}
	});

	it('answers queries, by token and by session cookie, with the same runners, headers and request id', async () => {
		const queries = ['', '?per_page=50&forge=gitlab&status=online&sort=-contacted_at', '?q=docker&sort=name', '?per_page=7&page=3&sort=-version', '?offline_days=0', '?page=99999', '?source=sandbox-github&forge=github'];
		for (const q of queries) {
			const ways: Record<string, string>[] = [{ authorization: `Bearer ${tokens.viewer}` }, { authorization: `Bearer ${tokens.operator}` }, { cookie: `theme=dark; ${cookie}; other=1` }];
			for (const headers of ways) {
				const a = await bothDoors(`/api/v1/runners${q}`, headers);
				expect(a.status, q).toBe(200);
				expect(a.headers['x-request-id']).toBe('same-request');
				expect(a.headers['cache-control']).toBe('no-store');
				expect(a.headers['x-content-type-options']).toBe('nosniff');
				expect(Array.isArray((a.body as { items: unknown[] }).items)).toBe(true);
			}
		}
		const first = (await bothDoors('/api/v1/runners?per_page=5', { authorization: `Bearer ${tokens.viewer}` })).body as { items: { id: string }[]; total: number };
		expect(first.items).toHaveLength(5);
		expect(first.total).toBeGreaterThan(100);
	});

	it('replaces a request id that is not a sane token, on both doors', async () => {
		for (const door of [lane, kit]) {
			const r = await fetch(`${door}/api/v1/runners`, { headers: { 'x-request-id': 'bad id with spaces' } });
			expect(r.headers.get('x-request-id'), door).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
		}
	});

	it('was really answered by the lane on the first door, and only for GET /api/v1/runners', async () => {
		const before = Number(await (await fetch(`${lane}/_doors/lane-answers`)).text());
		await fetch(`${lane}/api/v1/runners`);
		await fetch(`${lane}/api/v1/runners?per_page=2`);
		await fetch(`${lane}/api/v1/runners/gitlab:sandbox-gitlab:1`);
		await fetch(`${lane}/api/v1/runners`, { method: 'HEAD' });
		await fetch(`${lane}/api/v1/scale-sets`);
		const after = Number(await (await fetch(`${lane}/_doors/lane-answers`)).text());
		expect(after - before).toBe(2);
	});
});
