import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from './index.js';
import { FIXED_EPOCH } from './sim/clock.js';
import { control, controlOk, gitlab, gitlabJson, start, state, walk } from './testing.js';

// Exact timestamps below: the clock starts at the fixed epoch, not the wall clock.
let sb: Sandbox;
beforeEach(async () => {
	sb = await start({ epoch: FIXED_EPOCH });
});
afterEach(async () => {
	await sb.close();
});

describe('GET /_sandbox/state', () => {
	it('reports the ground truth of the default fleet', async () => {
		const s = await state(sb);
		expect(s).toMatchObject({ now: '2026-01-01T00:00:00.000Z', epoch: '2026-01-01T00:00:00.000Z', seed: 1, speed: 1, jobs_per_minute: 30 });
		expect(s.gitlab.runners.total).toBe(160);
		expect(s.gitlab.runners.by_type).toEqual({ instance_type: 40, group_type: 60, project_type: 60 });
		const byStatus = s.gitlab.runners.by_status;
		expect(Object.keys(byStatus).sort()).toEqual(['never_contacted', 'offline', 'online', 'stale']);
		expect(Object.values(byStatus).reduce((a: number, b) => a + (b as number), 0)).toBe(160);
		// Pending at start: only the backlog of jobs asking for tags no runner has.
		const waiting = (await (await fetch(`${sb.url}/_sandbox/jobs`)).json()).gitlab;
		expect(s.gitlab.jobs.pending).toBeGreaterThanOrEqual(2);
		expect(s.gitlab.jobs.pending).toBe(waiting.reduce((n: number, w: any) => n + w.waiting, 0));
		expect(waiting.every((w: any) => w.runners.matching === 0)).toBe(true);
		// A mid-day start: jobs already running on about half the connected runners, none finished since the start.
		expect(s.gitlab.jobs.running).toBeGreaterThan(20);
		expect(s.gitlab.jobs.success + s.gitlab.jobs.failed + s.gitlab.jobs.canceled).toBe(0);
		expect(s.faults).toEqual({ gitlab: 'none', github: 'none', k8s: 'none', exporters: 'none' });
	});
});

describe('GET /_sandbox/requests', () => {
	it('counts the forge API requests answered, by method and route pattern', async () => {
		expect(await (await fetch(`${sb.url}/_sandbox/requests`)).json()).toEqual({ gitlab: {}, github: {} });
		expect(await walk(sb, '/runners/all?per_page=100')).toHaveLength(160);
		const first = (await gitlabJson<{ id: number }[]>(sb, '/runners/all?per_page=5'))[0]!;
		await gitlabJson(sb, `/runners/${first.id}`);
		await gitlabJson(sb, `/runners/${first.id}`);
		expect((await gitlab(sb, '/nope')).status).toBe(404); // unrouted: not counted
		const counts = await (await fetch(`${sb.url}/_sandbox/requests`)).json();
		expect(counts.gitlab).toEqual({ 'GET /runners/:id': 2, 'GET /runners/all': 3 }); // 160 runners = 2 pages of 100, then 1
		expect(counts.github).toEqual({});
		const gh = await fetch(`${sb.url}/github/api/v3/orgs/sandbox-org/actions/runners`, { headers: { authorization: 'Bearer sandbox-github-token' } });
		expect(gh.status).toBe(200);
		expect((await (await fetch(`${sb.url}/_sandbox/requests`)).json()).github).toEqual({ 'GET /orgs/:org/actions/runners': 1 });
	});
});

describe('load and clock', () => {
	it('makes jobs arrive, run and finish as simulated time passes', async () => {
		await controlOk(sb, '/load', { jobs_per_minute: 120 });
		const s1 = await controlOk(sb, '/clock', { advance_s: 600 });
		expect(s1.now).toBe('2026-01-01T00:10:00.000Z');
		expect(s1.gitlab.jobs.running).toBeGreaterThan(0);
		expect(s1.gitlab.jobs.success).toBeGreaterThan(0);

		// Far more work than the fleet can run: a queue builds up.
		await controlOk(sb, '/load', { jobs_per_minute: 20000 });
		const s2 = await controlOk(sb, '/clock', { advance_s: 120 });
		expect(s2.gitlab.jobs.pending).toBeGreaterThan(1000);
		expect(s2.gitlab.jobs.running).toBeGreaterThan(s1.gitlab.jobs.running);

		// Load off: the queue drains as runners free up.
		await controlOk(sb, '/load', { jobs_per_minute: 0 });
		const s3 = await controlOk(sb, '/clock', { advance_s: 1800 });
		expect(s3.gitlab.jobs.pending).toBeLessThan(s2.gitlab.jobs.pending);
		expect(s3.jobs_per_minute).toBe(0);
	});

	it('runs the background ticker at the configured speed', async () => {
		const live = await start({ tickMs: 20, epoch: FIXED_EPOCH });
		try {
			await controlOk(live, '/clock', { speed: 1000 });
			await new Promise((r) => setTimeout(r, 300));
			const s = await state(live);
			const elapsed = Date.parse(s.now) - Date.parse('2026-01-01T00:00:00Z');
			expect(s.speed).toBe(1000);
			expect(elapsed).toBeGreaterThan(100_000);
			expect(elapsed).toBeLessThan(5_000_000);
		} finally {
			await live.close();
		}
	});

	it('gives identical runner lists and job history for the same seed and the same clock moves', async () => {
		const other = await start({ epoch: FIXED_EPOCH });
		const third = await start({ seed: 2, epoch: FIXED_EPOCH });
		try {
			for (const s of [sb, other]) {
				await controlOk(s, '/load', { jobs_per_minute: 300 });
				await controlOk(s, '/clock', { advance_s: 900 });
			}
			// Same content apart from each sandbox's own address in web_url fields.
			const read = async (s: Sandbox, path: string) => JSON.stringify(await gitlabJson(s, path)).replaceAll(s.url, '');
			for (const path of ['/runners/all?per_page=100&page=2', '/runners/1001', '/runners/1001/jobs?per_page=100', '/runners/1001/managers']) {
				expect(await read(other, path)).toBe(await read(sb, path));
			}
			expect(JSON.parse(await read(sb, '/runners/1001/jobs?per_page=100')).length).toBeGreaterThan(0);
			expect((await state(other)).gitlab).toEqual((await state(sb)).gitlab);
			expect(await gitlabJson(third, '/runners/all?per_page=100')).not.toEqual(await gitlabJson(sb, '/runners/all?per_page=100'));
		} finally {
			await other.close();
			await third.close();
		}
	});
});

describe('fleet size', () => {
	it('grows and shrinks the GitLab fleet', async () => {
		const grown = await controlOk(sb, '/fleet', { gitlab_runners: 200 });
		expect(grown.gitlab.runners.total).toBe(200);
		expect((await gitlab(sb, '/runners/all')).headers.get('x-total')).toBe('200');
		expect((await gitlab(sb, '/runners/1200')).status).toBe(200);
		await controlOk(sb, '/fleet', { gitlab_runners: 150 });
		expect((await gitlab(sb, '/runners/all')).headers.get('x-total')).toBe('150');
		expect((await gitlab(sb, '/runners/1151')).status).toBe(404);
	});
});

describe('out-of-band runner changes', () => {
	it('takes a runner offline and back, pauses it and retags it', async () => {
		const [r] = await gitlabJson<any[]>(sb, '/runners/all?status=online&paused=false&per_page=1');
		await controlOk(sb, `/gitlab/runners/${r.id}`, { online: false });
		expect(await gitlabJson(sb, `/runners/${r.id}`)).toMatchObject({ status: 'offline', online: false });
		// Stays offline as time passes, until told otherwise.
		await controlOk(sb, '/clock', { advance_s: 3600 });
		expect((await gitlabJson(sb, `/runners/${r.id}`)).status).toBe('offline');
		await controlOk(sb, `/gitlab/runners/${r.id}`, { online: true, paused: true, tag_list: ['gpu', 'linux'] });
		expect(await gitlabJson(sb, `/runners/${r.id}`)).toMatchObject({ status: 'online', paused: true, tag_list: ['gpu', 'linux'] });
	});

	it('brings a never-contacted runner online with a first manager', async () => {
		const [r] = await gitlabJson<any[]>(sb, '/runners/all?status=never_contacted&per_page=1');
		expect(await gitlabJson(sb, `/runners/${r.id}/managers`)).toEqual([]);
		await controlOk(sb, `/gitlab/runners/${r.id}`, { online: true });
		expect((await gitlabJson(sb, `/runners/${r.id}`)).status).toBe('online');
		expect(await gitlabJson(sb, `/runners/${r.id}/managers`)).toHaveLength(1);
	});

	it('answers 404 for an unknown runner', async () => {
		const res = await control(sb, '/gitlab/runners/5', { online: true });
		expect(res.status).toBe(404);
		expect(((await res.json()) as any).error).toContain('not found');
	});
});

describe('input validation', () => {
	const cases: [string, unknown, RegExp][] = [
		['/load', { jobs_per_minute: -1 }, /jobs_per_minute must be at least 0/],
		['/load', { jobs_per_minute: 100001 }, /jobs_per_minute must be at most 100000/],
		['/load', { jobs_per_minute: 'lots' }, /jobs_per_minute must be a number/],
		['/load', {}, /jobs_per_minute is required/],
		['/load', { jobs_per_minute: 5, extra: 1 }, /extra/],
		['/load', 'not json', /not valid JSON/],
		['/load', [1, 2], /JSON object/],
		['/clock', { speed: 0 }, /speed must be greater than 0/],
		['/clock', { speed: 1001 }, /speed must be at most 1000/],
		['/clock', { advance_s: -5 }, /advance_s must be at least 0/],
		['/clock', {}, /speed and\/or advance_s/],
		['/faults', { target: 'jenkins', mode: 'error' }, /target must be one of gitlab, github, k8s, exporters/],
		['/faults', { target: 'gitlab', mode: 'explode' }, /mode must be one of/],
		['/faults', { target: 'gitlab', mode: 'rate_limit', retry_after_s: 1.5 }, /whole number/],
		['/fleet', { gitlab_runners: 2.5 }, /gitlab_runners must be a whole number/],
		['/fleet', { gitlab_runners: -1 }, /gitlab_runners must be at least 0/],
		['/gitlab/runners/1001', { online: 'yes' }, /online must be true or false/],
		['/gitlab/runners/1001', {}, /at least one of online, paused, tag_list/]
	];
	for (const [path, body, message] of cases) {
		it(`rejects ${path} ${JSON.stringify(body)}`, async () => {
			const res = await control(sb, path, body);
			expect(res.status).toBe(400);
			expect(res.headers.get('content-type')).toBe('application/json');
			expect(((await res.json()) as any).error).toMatch(message);
		});
	}

	it('leaves the world unchanged after a rejected request', async () => {
		await control(sb, '/load', { jobs_per_minute: -1 });
		expect((await state(sb)).jobs_per_minute).toBe(30);
	});

	it('answers 404 for unknown paths and 405 for wrong methods', async () => {
		expect((await control(sb, '/nope', {})).status).toBe(404);
		expect((await fetch(`${sb.url}/nowhere`)).status).toBe(404);
		expect((await fetch(`${sb.url}/_sandbox/load`)).status).toBe(405);
	});
});
