// The capacity page in Debian's chromium, fed by the built-in scraper as `npm start`
// wires it: raising the sandbox's job arrival rate shows, without a reload and within
// a minute, pending jobs and wait time rising, saturation moving and the HPAs and scale
// sets scaling up. Values are read from the page (chart legends and tables), not from
// the presence of a canvas.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations, signedInPage, signIn } from '../helpers/browser';
import { eventually, startApp, type RunningApp } from '../helpers/app';

let app: RunningApp;
let browser: Browser;
let page: Page;

const control = (path: string, body: unknown) => fetch(`${app.sandboxUrl}/_sandbox/${path}`, { method: 'POST', body: JSON.stringify(body) });

/** A chart legend's latest value for a series of a panel; null while it has none. */
async function chartValue(panel: string, series: string): Promise<number | null> {
	const v = await page.locator(`[data-panel-block="${panel}"] li[data-panel="${panel}"][data-series="${series}"]`).getAttribute('data-value', { timeout: 2000 }).catch(() => null);
	return v === null || v === '' ? null : Number(v);
}

interface Reading {
	pending: { gitlab: number | null; github: number | null };
	waitP95: { gitlab: number | null; github: number | null };
	saturation: { gitlab: number | null; github: number | null };
	/** Sum of current and of desired replicas per autoscaler kind, from the autoscaler table. */
	hpa: { current: number; desired: number; rows: number };
	scaleSet: { current: number; desired: number; rows: number };
	/** The replica chart's latest value per autoscaler. */
	replicaChart: Record<string, number>;
}

async function read(): Promise<Reading> {
	const rows = await page.locator('tr[data-autoscaler]').evaluateAll((trs) =>
		trs.map((tr) => ({ id: tr.getAttribute('data-autoscaler')!, kind: tr.getAttribute('data-kind')!, current: Number(tr.getAttribute('data-current')), desired: Number(tr.getAttribute('data-desired') || 0) }))
	);
	const sum = (kind: string) => {
		const mine = rows.filter((r) => r.kind === kind);
		return { current: mine.reduce((n, r) => n + r.current, 0), desired: mine.reduce((n, r) => n + r.desired, 0), rows: mine.length };
	};
	const chart = await page.locator('li[data-panel="replicas"]').evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-series')!, li.getAttribute('data-value')!] as const));
	return {
		pending: { gitlab: await chartValue('pending', 'gitlab'), github: await chartValue('pending', 'github') },
		waitP95: { gitlab: await chartValue('wait_p95_s', 'gitlab'), github: await chartValue('wait_p95_s', 'github') },
		saturation: { gitlab: await chartValue('saturation', 'gitlab'), github: await chartValue('saturation', 'github') },
		hpa: sum('hpa'),
		scaleSet: sum('scale_set'),
		replicaChart: Object.fromEntries(chart.filter(([, v]) => v !== '').map(([k, v]) => [k, Number(v)]))
	};
}

/** Polls the page (never reloading it) until `ok` holds; returns the last reading or throws with it. */
async function until(ok: (r: Reading) => boolean, ms: number, what: string): Promise<Reading> {
	const end = Date.now() + ms;
	let r = await read();
	while (!ok(r)) {
		if (Date.now() > end) throw new Error(`no ${what} within ${ms} ms; last reading ${JSON.stringify(r)}`);
		await page.waitForTimeout(1000);
		r = await read();
	}
	return r;
}

/** Signs in through the form once the page is hydrated (hydration resets fields typed into before it). */
beforeAll(async () => {
	app = await startApp();
	({ browser, page } = await signedInPage(app, { viewport: { width: 1400, height: 900 } }));
}, 120_000);
afterAll(async () => {
	if (app && /exited|Error/.test(app.output())) console.error(app.output());
	await browser?.close();
	await app?.stop();
});

describe('the capacity page', () => {
	it('names the built-in scraper as the source and shows every panel with its text', async () => {
		await page.goto(`${app.url}/capacity`);
		await expect.poll(() => page.locator('[data-source]').getAttribute('data-source'), { timeout: 30_000 }).toBe('scraper');
		expect(await page.locator('[data-source]').textContent()).toContain('built-in scraper');
		const panels = await page.locator('[data-panel-block]').evaluateAll((els) => els.map((e) => e.getAttribute('data-panel-block')));
		expect(panels).toEqual(['pending', 'running', 'wait_p50_s', 'wait_p95_s', 'saturation', 'duration_p50_s', 'duration_p95_s', 'jobs_per_minute', 'failures']);
		for (const id of panels) {
			const text = await page.locator(`[data-panel-block="${id}"] header`).textContent();
			expect(text).toMatch(/Caveat:/);
		}
		// Both forges side by side, with a drawn chart per panel and forge.
		expect(await page.locator('[data-capacity-table=gitlab] tbody tr').count()).toBe(4);
		expect(await page.locator('[data-capacity-table=github] tbody tr').count()).toBe(4);
		await expect.poll(() => page.locator('[data-panel-block] canvas').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(18);
	});

	it('shows pending jobs, wait time, saturation and the autoscalers moving up when the job arrival rate rises', async () => {
		// Baseline once the scraper has a few scrapes and the recorder a few samples.
		const before = await until(
			(r) => r.pending.gitlab !== null && r.waitP95.gitlab !== null && r.saturation.gitlab !== null && r.pending.github !== null && r.hpa.rows === 3 && r.scaleSet.rows === 3 && Object.keys(r.replicaChart).length === 6,
			60_000,
			'baseline values'
		);
		const url = page.url();
		await control('load', { jobs_per_minute: 3000, github_jobs_per_minute: 300 });
		await control('clock', { speed: 10 });
		const after = await until(
			(r) =>
				r.pending.gitlab! > before.pending.gitlab! &&
				r.pending.github! > before.pending.github! &&
				r.waitP95.gitlab! > before.waitP95.gitlab! &&
				r.saturation.gitlab! > before.saturation.gitlab! &&
				r.hpa.current > before.hpa.current &&
				r.hpa.desired > before.hpa.desired &&
				r.scaleSet.current > before.scaleSet.current &&
				Object.entries(r.replicaChart).some(([id, v]) => id.startsWith('hpa:') && v > before.replicaChart[id]!) &&
				Object.entries(r.replicaChart).some(([id, v]) => id.startsWith('scale_set:') && v > before.replicaChart[id]!),
			60_000,
			'rise in pending jobs, wait time, saturation and replicas'
		);
		expect(page.url()).toBe(url);
		expect(after.pending.gitlab).toBeGreaterThan(0);
		// The table agrees with the chart's series on the forge's pending jobs being up.
		const cell = Number(await page.locator('[data-capacity-table=gitlab] td[data-panel=pending][data-series=gitlab]').getAttribute('data-value'));
		expect(cell).toBeGreaterThan(before.pending.gitlab!);
	}, 150_000);

	it('opens a runner type’s page from the table, with its panels and its HPA', async () => {
		await page.locator('[data-capacity-table=gitlab] a', { hasText: 'docker' }).first().click();
		await page.waitForURL(`${app.url}/capacity/gitlab/docker`);
		expect(await page.locator('h1').textContent()).toContain('docker');
		await expect.poll(() => page.locator('li[data-panel="running"][data-series="gitlab/docker"]').getAttribute('data-value')).toMatch(/^\d/);
		expect(await page.locator('tr[data-autoscaler]').evaluateAll((trs) => trs.map((t) => t.getAttribute('data-autoscaler')))).toEqual(['hpa:sandbox-k8s:gitlab-runners:docker-runner-hpa']);
		expect(await page.locator('a', { hasText: 'Runners of this runner type in the fleet' }).getAttribute('href')).toBe('/fleet?forge=gitlab&tag=docker');
	});

	it('is linked from the fleet’s scale sets', async () => {
		await page.goto(`${app.url}/fleet/scale-sets`);
		await page.locator('a[aria-label="Capacity of gh-nix"]').click();
		await page.waitForURL(`${app.url}/capacity/github/gh-nix`);
		expect(await page.locator('tr[data-autoscaler]').getAttribute('data-kind')).toBe('scale_set');
	});

	it('shows version skew: the count per runner type, the Fleet’s badge and filter, and a runner’s badge, reference and its stack’s Events', async () => {
		const api = async (path: string) => (await page.request.get(`${app.url}${path}`)).json();
		// The count per runner type on Capacity is the API's.
		await page.goto(`${app.url}/capacity`);
		const dockerCount = () => page.locator('table[data-skew] tr[data-group="docker"] td').nth(3).textContent({ timeout: 5000 });
		await expect.poll(async () => Number(await dockerCount()), { timeout: 30_000 }).toBeGreaterThan(0);
		const skew = await api('/api/v1/runners/version-skew');
		const docker = skew.by_runner_type.find((t: { forge: string; group: string }) => t.forge === 'gitlab' && t.group === 'docker');
		expect(Number(await dockerCount())).toBe(docker.outdated);
		expect(await page.locator('[aria-labelledby="skew-heading"]').textContent()).toContain('sandbox-gitlab: 17.5.2');

		// The filter control writes the URL query; every row listed carries the badge naming GitLab's version.
		await page.goto(`${app.url}/fleet?forge=gitlab`);
		await page.locator('select[name="outdated"]').selectOption('true');
		await page.locator('form.filters button[type="submit"]').click();
		await page.waitForURL(/[?&]outdated=true/);
		const listed = await api('/api/v1/runners?forge=gitlab&outdated=true');
		await expect.poll(() => page.locator('p.summary strong').textContent()).toBe(String(listed.total));
		const rows = page.locator('tbody tr[data-runner-id]');
		expect(await rows.count()).toBe(Math.min(listed.total, 50));
		expect(await rows.locator('[data-outdated]').count()).toBe(await rows.count());
		expect(await rows.first().locator('[data-outdated]').textContent()).toContain('17.5.2');
		expect(await page.locator('select[name="outdated"]').inputValue()).toBe('true');
		// Its "Export CSV" carries the same filters: every row of the view, all pages.
		const exportHref = (await page.locator('[data-testid=export-runners]').getAttribute('href'))!;
		expect(exportHref).toMatch(/^\/api\/v1\/runners\/export\?(.*&)?outdated=true/);
		expect(exportHref).toContain('forge=gitlab');
		const csv = await (await page.request.get(`${app.url}${exportHref}`)).text();
		expect(csv.trimEnd().split('\r\n').length - 1).toBe(listed.total);

		// A docker runner behind GitLab: its page names the reference and shows its runner type's Events (the HPA rescaled above).
		const behind = (await api('/api/v1/runners?forge=gitlab&outdated=true&q=docker-runner-&per_page=1')).items[0];
		await page.goto(`${app.url}/fleet/${encodeURIComponent(behind.id)}`);
		expect(await page.locator('[data-version] [data-outdated]').textContent()).toContain('GitLab 17.5.2');
		await expect
			.poll(
				async () => {
					await page.reload();
					return page.locator('table[data-runner-events] tbody td:first-child').allTextContents();
				},
				{ timeout: 60_000, interval: 2000 }
			)
			.toContain('SuccessfulRescale');
		const detail = await api(`/api/v1/runners/${encodeURIComponent(behind.id)}`);
		expect(detail).toMatchObject({ outdated: 'true', reference_version: '17.5.2' });
		expect(detail.events.length).toBeLessThanOrEqual(20);
		expect(detail.events.map((e: { object: string }) => e.object).every((o: string) => /^(HorizontalPodAutoscaler\/docker-runner-hpa|Deployment\/docker-runner|ReplicaSet\/docker-runner-|Pod\/docker-runner-)/.test(o))).toBe(true);
		const seen = detail.events.map((e: { last_seen: string }) => e.last_seen);
		expect(seen).toEqual([...seen].sort().reverse());

		// An ARC runner: its own EphemeralRunner and pod, and its scale set, never a sibling's.
		const arcEvents = async () => {
			const runners = (await api('/api/v1/runners?forge=github&per_page=200')).items.filter((r: { scale_set: string | null }) => r.scale_set);
			for (const r of runners) {
				const d = await api(`/api/v1/runners/${encodeURIComponent(r.id)}`);
				if (d.events.some((e: { object: string }) => e.object === `Pod/${r.name}`)) return { runner: r, events: d.events as { object: string }[] };
			}
			return null;
		};
		const arc = (await eventually(arcEvents, (v) => v !== null, 60_000, 'an ARC runner with its pod’s Events', 2000))!;
		expect(arc.events.every((e) => [`Pod/${arc.runner.name}`, `EphemeralRunner/${arc.runner.name}`].includes(e.object) || e.object.startsWith('AutoscalingRunnerSet/'))).toBe(true);
	}, 180_000);

	it('marks the panels stale with their age when the metrics endpoints fail, keeping the last values', async () => {
		await page.goto(`${app.url}/capacity`);
		const last = await chartValue('running', 'gitlab');
		expect(last).not.toBeNull();
		await control('faults', { target: 'exporters', mode: 'error' });
		try {
			await expect.poll(() => page.locator('[data-source]').getAttribute('data-stale'), { timeout: 60_000, interval: 1000 }).toBe('true');
			expect(await page.locator('[data-source]').textContent()).toMatch(/stale · last values \d+ (s|min) old/);
			// Nothing invented: the running jobs shown are still a measured value.
			expect(await chartValue('running', 'gitlab')).not.toBeNull();
		} finally {
			await control('faults', { target: 'exporters', mode: 'none' });
		}
		await expect.poll(() => page.locator('[data-source]').getAttribute('data-stale'), { timeout: 60_000, interval: 1000 }).toBe('false');
	}, 150_000);

	it('has no serious accessibility violations in light and dark themes', async () => {
		for (const path of ['/capacity', '/capacity/github/gh-docker?window=6h']) {
			await page.goto(`${app.url}${path}`);
			await page.locator('[data-panel-block] canvas').first().waitFor();
			await page.emulateMedia({ colorScheme: 'light' });
			expect(await seriousViolations(page)).toEqual([]);
			await page.emulateMedia({ colorScheme: 'dark' });
			await page.waitForTimeout(300);
			expect(await seriousViolations(page)).toEqual([]);
			await page.emulateMedia({ colorScheme: 'light' });
		}
	}, 60_000);
});

describe('the capacity page without a metrics source', () => {
	it('explains what to configure', async () => {
		const bare = await startApp({ sandbox: false });
		const ctx = await browser.newContext();
		try {
			const p = await ctx.newPage();
			await signIn(p, bare);
			await p.goto(`${bare.url}/capacity`);
			const text = await p.locator('[data-empty-state]').textContent();
			expect(text).toContain('No metrics source is configured');
			expect(text).toContain('metrics.prometheus.url');
			expect(text).toContain('metrics.scrape.targets');
			expect(await p.locator('[data-panel-block]').count()).toBe(0);
			expect(await seriousViolations(p)).toEqual([]);
		} finally {
			await ctx.close();
			await bare.stop();
		}
	}, 60_000);
});
