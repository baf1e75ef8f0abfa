// Upstream failures of every kind: the dashboard keeps serving the last good data
// marked stale, reports the source down, never crashes, and recovers by itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, eventually, startApp, type RunningApp } from './helpers/app';

let app: RunningApp;
let token: string;
let total: number;

const get = async (path: string) => (await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } })).json();
const source = async () => (await get('/api/v1/sources')).items.find((s: { name: string }) => s.name === 'sandbox-gitlab');
const fault = (mode: string, extra: Record<string, unknown> = {}) =>
	fetch(`${app.sandboxUrl}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target: 'gitlab', mode, ...extra }) });

const waitFor = (check: () => Promise<boolean>, ms: number, what: string) => eventually(check, Boolean, ms, what);

beforeAll(async () => {
	app = await startApp();
	token = createToken(app, 'faults', 'viewer');
	await waitFor(async () => (await source()).status === 'ok', 20_000, 'first sync');
	total = (await get('/api/v1/runners?forge=gitlab&per_page=1')).total;
	expect(total).toBeGreaterThanOrEqual(150);
});
afterAll(async () => {
	await fault('none').catch(() => {});
	await app?.stop();
});

describe.each([
	['error', {}, /500/],
	['rate_limit', { retry_after_s: 3 }, /rate limit: retry after 3 s/],
	['refuse', {}, /unreachable/],
	['timeout', {}, /did not answer within/]
])('GitLab fault %s', (mode, extra, message) => {
	it('keeps the last data marked stale, reports the source down, then recovers', async () => {
		expect((await fault(mode, extra)).ok).toBe(true);
		await waitFor(async () => (await source()).status === 'down', 30_000, `source down (${mode})`);
		const s = await source();
		expect(s.last_error).toMatch(message);
		expect(s.last_success).not.toBeNull();
		const page = await get('/api/v1/runners?forge=gitlab&per_page=5');
		expect(page.total).toBe(total);
		expect(page.items.every((r: { stale: boolean }) => r.stale)).toBe(true);
		// A source down does not make the dashboard unready: it serves what it has, marked stale.
		expect(await (await fetch(`${app.url}/readyz`)).json()).toEqual({ status: 'ready' });

		await fault('none');
		await waitFor(async () => (await source()).status === 'ok', 70_000, `recovery after ${mode}`);
		const after = await get('/api/v1/runners?forge=gitlab&per_page=5');
		expect(after.items.every((r: { stale: boolean }) => !r.stale)).toBe(true);
		expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
	});
});

describe('the process', () => {
	it('never logged an unhandled rejection or crashed', () => {
		expect(app.output()).not.toMatch(/unhandled rejection|uncaught/i);
	});

	it('counted the failures by outcome in /metrics', async () => {
		const text = await (await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
		for (const outcome of ['ok', 'http', 'rate_limited', 'network', 'timeout']) {
			expect(text, outcome).toMatch(new RegExp(`runner_dashboard_upstream_requests_total\\{source="sandbox-gitlab",outcome="${outcome}"\\} [1-9]`));
		}
	});
});

describe.each([
	['github', 'sandbox-github', 'error', /500/],
	['github', 'sandbox-github', 'rate_limit', /rate limit/],
	['github', 'sandbox-github', 'refuse', /unreachable|request failed/],
	['github', 'sandbox-github', 'timeout', /did not answer within/],
	['k8s', 'sandbox-k8s', 'error', /watches failing|not answering/],
	['k8s', 'sandbox-k8s', 'refuse', /watches failing|not answering/],
	['k8s', 'sandbox-k8s', 'timeout', /not answering: GET \/version: no answer/]
])('%s fault %s', (target, name, mode, message) => {
	it('reports the source down with its error, keeps serving, then recovers', async () => {
		const status = async () => (await get('/api/v1/sources')).items.find((s: { name: string }) => s.name === name);
		await eventually(status, (s) => s.status === 'ok', 30_000, `${name} ok before the fault`);
		const before = target === 'github' ? (await get('/api/v1/runners?forge=github&per_page=1')).total : (await get('/api/v1/scale-sets')).total;
		expect(before).toBeGreaterThan(0);
		const res = await fetch(`${app.sandboxUrl}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target, mode }) });
		expect(res.ok).toBe(true);
		const down = await eventually(status, (s) => s.status === 'down', 40_000, `${name} down (${mode})`);
		expect(down.last_error).toMatch(message);
		const during = target === 'github' ? await get('/api/v1/runners?forge=github&per_page=1') : await get('/api/v1/scale-sets');
		expect(during.total).toBe(before);
		expect(during.items.every((i: { stale: boolean }) => i.stale)).toBe(true);
		await fetch(`${app.sandboxUrl}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target, mode: 'none' }) });
		await eventually(status, (s) => s.status === 'ok', 90_000, `${name} recovery after ${mode}`);
		expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
	});
});

describe('after every fault', () => {
	it('the process logged no unhandled rejection', () => {
		expect(app.output()).not.toMatch(/unhandled rejection|uncaught/i);
	});
});
