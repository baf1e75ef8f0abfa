// The walking skeleton: the sandbox's GitLab runners, read through gitbeaker with
// every page fetched, served by the runners API with server-side paging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, eventually, startApp, type RunningApp } from './helpers/app';

let app: RunningApp;
let token: string;
const get = async (path: string) => (await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } })).json();


beforeAll(async () => {
	app = await startApp();
	token = createToken(app, 'fleet', 'viewer');
});
afterAll(() => app?.stop());

describe('GitLab runners from the sandbox', () => {
	it('are all synced: the count equals the sandbox’s own count (more than one GitLab page)', async () => {
		const truth = await (await fetch(`${app.sandboxUrl}/_sandbox/state`)).json();
		expect(truth.gitlab.runners.total).toBeGreaterThanOrEqual(150);
		const page = await eventually(() => get('/api/v1/runners?forge=gitlab&per_page=1'), (p) => p.total === truth.gitlab.runners.total, 20_000, 'the first full sync');
		expect(page.total).toBe(truth.gitlab.runners.total);
		expect(page.items[0]).toMatchObject({ forge: 'gitlab', source: 'sandbox-gitlab', simulated: true, scale_set: null });
	});

	it('carry tags and version from the details call (list items have none)', async () => {
		const page = await get('/api/v1/runners?forge=gitlab&per_page=200');
		const tagged = page.items.filter((r: { tags: string[] }) => r.tags.length > 0);
		expect(tagged.length).toBe(page.items.length);
		// A runner that never contacted GitLab has no version yet (GitLab calls it stale once
		// registered over a week ago); every other one reports it.
		const contacted = page.items.filter((r: { contacted_at: string | null }) => r.contacted_at !== null);
		expect(contacted.length).toBeGreaterThan(100);
		expect(contacted.filter((r: { version: string | null }) => !r.version)).toEqual([]);
	});

	it('page through the API without overlap and match the sandbox by status', async () => {
		const truth = await (await fetch(`${app.sandboxUrl}/_sandbox/state`)).json();
		const seen = new Set<string>();
		const first = await get('/api/v1/runners?forge=gitlab&per_page=50&sort=id');
		for (let p = 1; p <= Math.ceil(first.total / 50); p++) {
			for (const r of (await get(`/api/v1/runners?forge=gitlab&per_page=50&sort=id&page=${p}`)).items) seen.add(r.id);
		}
		expect(seen.size).toBe(first.total);
		const paused = await get('/api/v1/runners?forge=gitlab&paused=true&per_page=1');
		expect(paused.total).toBe(truth.gitlab.runners.paused);
	});

	it('reject bad query parameters with 400', async () => {
		for (const q of ['per_page=500', 'sort=password', 'page=0', 'color=red']) {
			const r = await fetch(`${app.url}/api/v1/runners?${q}`, { headers: { authorization: `Bearer ${token}` } });
			expect(r.status, q).toBe(400);
			expect((await r.json()).error.code).toBe('invalid_query');
		}
	});

	it('report the sandbox source as simulated and ok in /api/v1/sources; /readyz says only ready', async () => {
		const sources = await get('/api/v1/sources');
		expect(sources.items.find((s: { name: string }) => s.name === 'sandbox-gitlab')).toEqual(
			expect.objectContaining({ name: 'sandbox-gitlab', kind: 'gitlab', status: 'ok', simulated: true, last_error: null })
		);
		// Readiness tells a probe only ready or not: which sources exist is for signed-in callers.
		const ready = await fetch(`${app.url}/readyz`);
		expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
		// Secrets never leave the server.
		expect(JSON.stringify(sources)).not.toContain('sandbox-gitlab-token');
	});
});

describe('the background readers', () => {
	const metric = (text: string, name: string, labels: string) =>
		Number(text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((p) => l.includes(p)))?.split(' ').pop() ?? NaN);

	it('read the forges and the built-in scraper on threads of their own, whose heaps and requests /metrics reports', async () => {
		const text = await eventually(
			async () => (await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text(),
			(t) => metric(t, 'runner_dashboard_reader_heap_bytes', 'thread="metrics-scraper",kind="used"') > 0,
			20_000,
			'a scrape on the scraper thread'
		);
		for (const thread of ['forge-reader', 'metrics-scraper']) {
			const used = metric(text, 'runner_dashboard_reader_heap_bytes', `thread="${thread}",kind="used"`);
			const total = metric(text, 'runner_dashboard_reader_heap_bytes', `thread="${thread}",kind="total"`);
			expect(used, thread).toBeGreaterThan(1e6);
			expect(total, thread).toBeGreaterThanOrEqual(used);
		}
		// The requests the readers made reach the API thread's counter: GitLab's list pages and details.
		expect(metric(text, 'runner_dashboard_upstream_requests_total', 'source="sandbox-gitlab",outcome="ok"')).toBeGreaterThan(150);
		expect(metric(text, 'runner_dashboard_upstream_requests_total', 'source="builtin-scraper",outcome="ok"')).toBeGreaterThan(0);
	});
});
