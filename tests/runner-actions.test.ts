// Pause and resume through the API against the sandbox's GitLab: upstream state,
// audit records and per-runner outcomes, including upstream failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, eventually, startApp, type RunningApp } from './helpers/app';

let app: RunningApp;
let operator: string;
let admin: string;

const post = (path: string, body?: unknown) =>
	fetch(`${app.url}${path}`, {
		method: 'POST',
		headers: { authorization: `Bearer ${operator}`, ...(body ? { 'content-type': 'application/json' } : {}) },
		body: body ? JSON.stringify(body) : undefined
	});
const upstream = async (id: number) =>
	(await fetch(`${app.sandboxUrl}/gitlab/api/v4/runners/${id}`, { headers: { 'private-token': 'sandbox-gitlab-token' } })).json();
const auditFor = async (target: string) =>
	(await (await fetch(`${app.url}/api/v1/audit?per_page=200`, { headers: { authorization: `Bearer ${admin}` } })).json()).items.filter((a: { target: string }) => a.target === target);
const faults = (mode: string) => fetch(`${app.sandboxUrl}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target: 'gitlab', mode }) });

let ids: string[];

beforeAll(async () => {
	app = await startApp();
	operator = createToken(app, 'ops', 'operator');
	admin = createToken(app, 'audit-reader', 'admin');
	const page = await eventually(
		async () => (await fetch(`${app.url}/api/v1/runners?forge=gitlab&paused=false&status=online&per_page=10&sort=id`, { headers: { authorization: `Bearer ${operator}` } })).json(),
		(p) => p.total > 0,
		20_000,
		'the first sync'
	);
	ids = page.items.map((r: { id: string }) => r.id);
	expect(ids.length).toBe(10);
});
afterAll(async () => {
	await faults('none').catch(() => {});
	await app?.stop();
});

const upstreamId = (id: string) => Number(id.split(':')[2]);

describe('pause and resume', () => {
	it('pausing a runner pauses it upstream, with the note, returns the new state and audits success', async () => {
		const res = await post(`/api/v1/runners/${ids[0]}/pause`, { note: 'kernel upgrade' });
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ id: ids[0], paused: true });
		expect(await upstream(upstreamId(ids[0]!))).toMatchObject({ paused: true, maintenance_note: 'kernel upgrade' });
		const detail = await (await fetch(`${app.url}/api/v1/runners/${ids[0]}`, { headers: { authorization: `Bearer ${operator}` } })).json();
		expect(detail.paused).toBe(true);
		expect((await auditFor(ids[0]!))[0]).toMatchObject({ principal: 'token:ops', action: 'runner.pause', outcome: 'success', detail: { note: 'kernel upgrade' } });
	});

	it('resuming it resumes it upstream', async () => {
		const res = await post(`/api/v1/runners/${ids[0]}/resume`);
		expect(res.status).toBe(200);
		expect((await upstream(upstreamId(ids[0]!))).paused).toBe(false);
		expect((await auditFor(ids[0]!))[0]).toMatchObject({ action: 'runner.resume', outcome: 'success' });
	});

	it('bulk pause reports each runner’s outcome, and unknown or malformed ids fail alone', async () => {
		const res = await post('/api/v1/runners/bulk', { action: 'pause', ids: [ids[1], ids[2], 'gitlab:sandbox-gitlab:999999', 'not-an-id'] });
		expect(res.status).toBe(200);
		const body = await res.json();
		expect(body).toMatchObject({ action: 'pause', succeeded: 2, failed: 2 });
		expect(body.items.map((i: { result: string }) => i.result)).toEqual(['done', 'done', 'not_found', 'invalid_id']);
		for (const id of [ids[1]!, ids[2]!]) expect((await upstream(upstreamId(id))).paused).toBe(true);
		const resumed = await (await post('/api/v1/runners/bulk', { action: 'resume', ids: [ids[1], ids[2]] })).json();
		expect(resumed.succeeded).toBe(2);
	});

	it('an upstream 500 is reported as a failure, audited as failed, and changes nothing', async () => {
		expect((await faults('error')).ok).toBe(true);
		const res = await post(`/api/v1/runners/${ids[3]}/pause`);
		expect(res.status).toBe(502);
		expect((await res.json()).error.code).toBe('upstream_error');
		const bulk = await (await post('/api/v1/runners/bulk', { action: 'pause', ids: [ids[4], ids[5]] })).json();
		expect(bulk).toMatchObject({ succeeded: 0, failed: 2 });
		expect(bulk.items[0]).toMatchObject({ ok: false, result: 'upstream_error', message: expect.stringContaining('500') });
		expect((await auditFor(ids[3]!))[0]).toMatchObject({ action: 'runner.pause', outcome: 'failure', detail: { error: expect.stringContaining('500') } });
		await faults('none');
		for (const id of [ids[3]!, ids[4]!, ids[5]!]) expect((await upstream(upstreamId(id))).paused).toBe(false);
		const detail = await (await fetch(`${app.url}/api/v1/runners/${ids[3]}`, { headers: { authorization: `Bearer ${operator}` } })).json();
		expect(detail.paused).toBe(false);
	});

	it('refuses more than 500 ids, an unknown action and an empty list, changing nothing', async () => {
		const many = Array.from({ length: 501 }, (_, i) => `gitlab:sandbox-gitlab:${i + 1}`);
		for (const body of [{ action: 'pause', ids: many }, { action: 'delete', ids: [ids[6]] }, { action: 'pause', ids: [] }]) {
			const res = await post('/api/v1/runners/bulk', body);
			expect(res.status).toBe(400);
			expect((await res.json()).error.code).toBe('invalid_request');
		}
		expect((await upstream(upstreamId(ids[6]!))).paused).toBe(false);
	});
});
