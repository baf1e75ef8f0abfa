// The live stream in Debian's chromium: each tab holds exactly one EventSource however
// the operator moves between pages, and an event re-loads only the data it touches. Every
// tab's EventSource is wrapped to count what it opens, closes and receives, and every API
// request a tab makes is recorded with the time it was made. The sandbox's clock stands
// still, so upstream nothing changes but what the test does: the only events are the
// sources' sync cycles and the test's own pause and resume.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_EVENT_TYPES, RESET_EVENT } from '$lib/api/events';
import { REFRESH_MS } from '$lib/ui/capacity/view';
import { launchBrowser, signIn } from '../helpers/browser';
import { startApp, type RunningApp } from '../helpers/app';

/** How often the drift page re-reads drift on its own (its timer in src/routes/drift/+page.svelte). */
const DRIFT_REFRESH_MS = 15_000;
/** Longer than the live connection's coalescing (300 ms, at most 2 s under a steady stream) plus a load. */
const SETTLE_MS = 3_000;
/** The data other pages show: a runners event must not re-load any of it. */
const OTHER_DATA = /^\/api\/v1\/(capacity|autoscalers|drift)\b/;

let app: RunningApp;
let browser: Browser;
let context: BrowserContext;

interface LiveEvent {
	type: string;
	at: number;
	/** For runners.delta: the runners it carries and whether each is paused. */
	runners?: { id: string; paused: boolean }[];
}

interface LiveRecord {
	created: number;
	closed: number;
	/** `error` events: each is a dropped connection EventSource retries. */
	errors: number;
	open: number;
	urls: string[];
	events: LiveEvent[];
}

interface Tab {
	page: Page;
	/** Every request to the app, in the order the browser made them. */
	requests: { at: number; path: string; document: boolean }[];
	live(): Promise<LiveRecord>;
}

/** Installed in every page of the context before its scripts: EventSource, counted. */
function countEventSources(types: string[]) {
	const Native = window.EventSource;
	const streams: EventSource[] = [];
	const rec = { created: 0, closed: 0, errors: 0, urls: [] as string[], events: [] as LiveEvent[] };
	class Counted extends Native {
		constructor(url: string | URL, init?: EventSourceInit) {
			super(url, init);
			rec.created++;
			rec.urls.push(String(url));
			streams.push(this);
			for (const type of types) {
				this.addEventListener(type, (m) => {
					const data = JSON.parse((m as MessageEvent).data) as { upserted?: { id: string; paused: boolean }[] };
					rec.events.push({ type, at: Date.now(), ...(data.upserted ? { runners: data.upserted.map((r) => ({ id: r.id, paused: r.paused })) } : {}) });
				});
			}
			this.addEventListener('error', () => rec.errors++);
		}
		close() {
			if (this.readyState !== Native.CLOSED) rec.closed++;
			super.close();
		}
	}
	window.EventSource = Counted;
	(window as unknown as { __live: () => LiveRecord }).__live = () => ({ ...rec, open: streams.filter((s) => s.readyState === Native.OPEN).length, events: [...rec.events] });
}

async function openTab(): Promise<Tab> {
	const page = await context.newPage();
	const requests: Tab['requests'] = [];
	page.on('request', (r) => {
		const u = new URL(r.url());
		if (u.origin === app.url) requests.push({ at: Date.now(), path: u.pathname + u.search, document: r.resourceType() === 'document' });
	});
	return { page, requests, live: () => page.evaluate(() => (window as unknown as { __live: () => LiveRecord }).__live()) };
}

const streamRequests = (t: Tab) => t.requests.filter((r) => r.path === '/api/v1/events').length;
const between = (t: Tab, from: number, to: number) => t.requests.filter((r) => r.at >= from && r.at <= to);

/** The open event streams the server holds, from its own gauge. */
async function streamsOnServer(): Promise<number> {
	const text = await (await context.request.get(`${app.url}/metrics`)).text();
	const m = /^runner_dashboard_sse_clients (\d+)/m.exec(text);
	if (!m) throw new Error('no runner_dashboard_sse_clients in /metrics');
	return Number(m[1]);
}

/** Waits until the tab has received a runners.delta carrying `id` with `paused`; returns when it arrived. */
async function deltaFor(t: Tab, id: string, paused: boolean, after: number): Promise<number> {
	let at = 0;
	await expect
		.poll(async () => {
			const e = (await t.live()).events.find((e) => e.type === 'runners.delta' && e.at >= after && e.runners?.some((r) => r.id === id && r.paused === paused));
			at = e?.at ?? 0;
			return at;
		}, { timeout: 10_000, interval: 100 })
		.toBeGreaterThan(0);
	return at;
}

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

beforeAll(async () => {
	app = await startApp({ tickMs: 0 });
	browser = await launchBrowser();
	context = await browser.newContext();
	await context.addInitScript(countEventSources, [...LIVE_EVENT_TYPES, RESET_EVENT]);
});
afterAll(async () => {
	if (app && /exited|Error/.test(app.output())) console.error(app.output());
	await browser?.close();
	await app?.stop();
});

describe('the live stream in a browser', () => {
	let a: Tab;
	let b: Tab;

	it('holds exactly one event stream per tab across client-side navigations Fleet → Capacity → Drift → a runner → Fleet', async () => {
		a = await openTab();
		await signIn(a.page, app);
		b = await openTab();
		await b.page.goto(`${app.url}/fleet`);
		for (const t of [a, b]) await expect.poll(async () => (await t.live()).open).toBe(1);
		await expect.poll(streamsOnServer).toBe(2);

		const runnerHref = (await a.page.locator('tbody tr[data-runner-id] a').first().getAttribute('href'))!;
		const start = Date.now();
		await a.page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
		const nav = (label: string) => () => a.page.locator('nav[aria-label=Main]').getByRole('link', { name: label, exact: true }).click();
		const steps: [string, () => Promise<void>][] = [
			['/capacity', nav('Capacity')],
			['/drift', nav('Drift')],
			// A link to a runner as any page might hold one: the router takes it, the document stays.
			[
				decodeURIComponent(runnerHref),
				() =>
					a.page.evaluate((href) => {
						const link = Object.assign(document.createElement('a'), { href, textContent: 'the runner' });
						link.id = 'to-runner';
						document.querySelector('main')!.append(link);
					}, runnerHref).then(() => a.page.click('#to-runner'))
			],
			['/fleet', nav('Fleet')]
		];
		for (const [path, go] of steps) {
			await go();
			await a.page.waitForURL((u) => decodeURIComponent(u.pathname) === path);
			await a.page.locator('main h1').first().waitFor();
			const l = await a.live();
			expect({ path, created: l.created, closed: l.closed, open: l.open, urls: l.urls, requests: streamRequests(a) }).toEqual({ path, created: 1, closed: 0, open: 1, urls: ['/api/v1/events'], requests: 1 });
			expect(await streamsOnServer()).toBe(2);
		}
		expect(a.requests.filter((r) => r.document && r.at >= start)).toEqual([]);
		expect(await a.page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);

		// Longer than the stream's retry (3 s): a stream that kept dropping would have reconnected by now.
		const quietFrom = Date.now();
		await a.page.waitForTimeout(4_000);
		for (const t of [a, b]) {
			const l = await t.live();
			expect({ created: l.created, closed: l.closed, errors: l.errors, open: l.open, requests: streamRequests(t) }).toEqual({ created: 1, closed: 0, errors: 0, open: 1, requests: 1 });
			// The one stream still delivers: every sync cycle says how its source is.
			expect(l.events.filter((e) => e.type === 'sources' && e.at >= quietFrom).length).toBeGreaterThan(0);
		}
		expect(await streamsOnServer()).toBe(2);
	});

	it('lands a navigation that live events meet on the way', async () => {
		// The capacity answer is held back long enough for sync reports to arrive while the page loads.
		await a.page.goto(`${app.url}/fleet`);
		await expect.poll(async () => (await a.live()).open).toBe(1);
		const streams = streamRequests(a);
		await a.page.route('**/api/v1/capacity?*', async (route) => {
			await new Promise((r) => setTimeout(r, 3_000));
			await route.continue();
		});
		try {
			const clicked = Date.now();
			await a.page.locator('nav[aria-label=Main]').getByRole('link', { name: 'Capacity', exact: true }).click();
			await a.page.waitForURL((u) => u.pathname === '/capacity', { timeout: 15_000 });
			const landed = Date.now();
			expect((await a.live()).events.filter((e) => e.at > clicked && e.at < landed).length).toBeGreaterThan(0);
		} finally {
			await a.page.unroute('**/api/v1/capacity?*');
		}
		await a.page.locator('nav[aria-label=Main]').getByRole('link', { name: 'Fleet', exact: true }).click();
		await a.page.waitForURL((u) => u.pathname === '/fleet');
		expect(streamRequests(a)).toBe(streams);
	});

	it('re-loads the header’s sources, and nothing a Fleet view shows, when a source reports its sync', async () => {
		for (const [tab, path] of [['Runners', '/fleet'], ['Scale sets', '/fleet/scale-sets'], ['Pods', '/fleet/pods']] as const) {
			await a.page.getByRole('navigation', { name: 'Fleet views' }).getByRole('link', { name: tab, exact: true }).click();
			await a.page.waitForURL((u) => u.pathname === path);
			await a.page.locator('main table').first().waitFor();
			const from = Date.now() + 500;
			await sleepUntil(from + 3_000);
			const to = Date.now();
			// Only sync reports arrived, since well before the window (the sandbox's clock stands still).
			const events = (await a.live()).events.filter((e) => e.at >= from - SETTLE_MS && e.at <= to);
			expect({ path, events: [...new Set(events.map((e) => e.type))] }).toEqual({ path, events: ['sources'] });
			const paths = between(a, from, to).map((r) => r.path.replace(/\?.*/, ''));
			expect(paths).toContain('/api/v1/sources');
			expect({ path, reloads: paths.filter((p) => p !== '/api/v1/sources') }).toEqual({ path, reloads: [] });
		}
		await a.page.getByRole('navigation', { name: 'Fleet views' }).getByRole('link', { name: 'Runners', exact: true }).click();
		await a.page.waitForURL((u) => u.pathname === '/fleet');
		expect((await a.live()).created).toBe(1);
	});

	let id: string;
	let name: string;

	it('re-loads the fleet after a pause, and neither the capacity nor the drift open in other tabs', async () => {
		await a.page.goto(`${app.url}/fleet?forge=gitlab&paused=false&sort=id`);
		const row = a.page.locator('tbody tr[data-runner-id]').first();
		id = (await row.getAttribute('data-runner-id'))!;
		name = (await row.locator('td a').first().textContent())!.trim();
		await a.page.goto(`${app.url}/fleet?q=${encodeURIComponent(id)}`);
		await a.page.locator(`tr[data-runner-id="${id}"] input[type=checkbox]`).check();

		// Capacity and Drift open in two more tabs; each re-reads on its own timer, which starts after this.
		const capacityFrom = Date.now();
		await b.page.goto(`${app.url}/capacity`);
		await b.page.locator('main h1:has-text("Capacity")').waitFor();
		const c = await openTab();
		const driftFrom = Date.now();
		await c.page.goto(`${app.url}/drift`);
		await c.page.locator('main h1:has-text("Drift")').waitFor();
		for (const t of [a, b, c]) await expect.poll(async () => (await t.live()).open).toBe(1);

		await a.page.click('button:has-text("Pause…")');
		const dialog = a.page.locator('dialog[open]');
		expect(await dialog.textContent()).toContain(name);
		const paused = Date.now();
		await dialog.locator('button:has-text("Pause")').first().click();
		await expect.poll(() => dialog.locator('[data-testid=outcomes]').textContent()).toContain(`${name}: done`);
		await dialog.locator('button:has-text("Close")').click();

		const arrived = { a: await deltaFor(a, id, true, paused), b: await deltaFor(b, id, true, paused), c: await deltaFor(c, id, true, paused) };
		await sleepUntil(Math.max(...Object.values(arrived)) + SETTLE_MS);
		const end = Date.now();
		// The window ends before either page's own timer could fire: any re-load in it came from an event.
		expect(end).toBeLessThan(Math.min(capacityFrom + REFRESH_MS, driftFrom + DRIFT_REFRESH_MS));

		expect(between(a, arrived.a, end).filter((r) => r.path.startsWith('/api/v1/runners?')).length).toBeGreaterThan(0);
		await expect.poll(() => a.page.locator(`tr[data-runner-id="${id}"]`).textContent()).toContain('paused');
		for (const [tab, t] of [['fleet', a], ['capacity', b], ['drift', c]] as const) {
			expect({ tab, reloads: between(t, paused, end).filter((r) => OTHER_DATA.test(r.path) || r.document).map((r) => r.path) }).toEqual({ tab, reloads: [] });
		}
		expect(between(b, paused, end).filter((r) => r.path.startsWith('/api/v1/runners')).map((r) => r.path)).toEqual([]);

		// The pages' own timers do re-read them, later: the requests are there to be seen when they happen.
		await expect.poll(() => b.requests.filter((r) => r.at > end && r.path.startsWith('/api/v1/capacity?')).length, { timeout: REFRESH_MS + 5_000, interval: 250 }).toBeGreaterThan(0);
		expect(b.requests.find((r) => r.at > end && r.path.startsWith('/api/v1/capacity?'))!.at).toBeGreaterThanOrEqual(capacityFrom + REFRESH_MS);
		await expect.poll(() => c.requests.filter((r) => r.at > end && r.path.startsWith('/api/v1/drift')).length, { timeout: DRIFT_REFRESH_MS + 5_000, interval: 250 }).toBeGreaterThan(0);
		expect(c.requests.find((r) => r.at > end && r.path.startsWith('/api/v1/drift'))!.at).toBeGreaterThanOrEqual(driftFrom + DRIFT_REFRESH_MS);
		await c.page.close();
		await expect.poll(streamsOnServer).toBe(2);
	});

	it('shows a resume made in another tab on an open Fleet page, from the runners event alone', async () => {
		// The capacity tab moves to the Fleet page and finds the paused runner, without a new document.
		const moved = Date.now();
		await b.page.locator('nav[aria-label=Main]').getByRole('link', { name: 'Fleet', exact: true }).click();
		await b.page.waitForURL((u) => u.pathname === '/fleet');
		await b.page.fill('input[name=q]', id);
		await b.page.click('form.filters button[type=submit]');
		await b.page.waitForURL((u) => u.searchParams.get('q') === id);
		await expect.poll(() => b.page.locator(`tr[data-runner-id="${id}"]`).textContent()).toContain('paused');

		await a.page.locator(`tr[data-runner-id="${id}"] input[type=checkbox]`).waitFor();
		if (!(await a.page.locator(`tr[data-runner-id="${id}"] input[type=checkbox]`).isChecked())) await a.page.locator(`tr[data-runner-id="${id}"] input[type=checkbox]`).check();
		await a.page.click('button:has-text("Resume…")');
		const resumed = Date.now();
		await a.page.locator('dialog[open] button:has-text("Resume")').first().click();
		await expect.poll(() => a.page.locator('dialog[open] [data-testid=outcomes]').textContent()).toContain(`${name}: done`);

		const arrived = await deltaFor(b, id, false, resumed);
		await expect.poll(() => b.page.locator(`tr[data-runner-id="${id}"]`).textContent(), { timeout: 5_000, interval: 100 }).not.toContain('paused');
		await sleepUntil(arrived + SETTLE_MS);
		const end = Date.now();
		expect(between(b, arrived, end).filter((r) => r.path.startsWith('/api/v1/runners?')).length).toBeGreaterThan(0);
		expect(between(b, resumed, end).filter((r) => OTHER_DATA.test(r.path) || r.document).map((r) => r.path)).toEqual([]);
		// Leaving the Capacity page stopped its timer: nothing re-read capacity since.
		expect(b.requests.filter((r) => r.at > moved && OTHER_DATA.test(r.path)).map((r) => r.path)).toEqual([]);
		const l = await b.live();
		expect({ created: l.created, closed: l.closed, errors: l.errors, open: l.open }).toEqual({ created: 1, closed: 0, errors: 0, open: 1 });
	});
});
