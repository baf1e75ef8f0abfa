// The operator's first hour, in Debian's chromium against a dashboard and sandbox started
// on the wall clock: every age the demo shows is real (runners contacted seconds ago, jobs
// begun minutes ago, the API agreeing), and a cluster identity that may not watch pods in
// arc-runners is named, with its fix, on Settings → Sources and by "Check sources".
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations, signedInPage } from '../helpers/browser';
import { createToken, startApp, type RunningApp } from '../helpers/app';

let app: RunningApp;
let browser: Browser;
let page: Page;
let token: string;

const DENIED = "cannot watch pods in arc-runners: grant it with the module's Role (rbac.tf: kubernetes_role_v1.arc, one per entry of var.arc_namespaces — list \"arc-runners\" there)";

beforeAll(async () => {
	app = await startApp({
		// Before the dashboard starts: its start-up check must find the missing permission.
		beforeServe: async (sandbox) => {
			const r = await fetch(`${sandbox}/_sandbox/k8s/permissions`, { method: 'POST', body: JSON.stringify({ deny: [{ verb: 'watch', resource: 'pods', namespace: 'arc-runners', group: '' }] }) });
			if (r.status !== 200) throw new Error(`narrowing the sandbox's permissions: ${r.status} ${await r.text()}`);
		}
	});
	token = createToken(app, 'first-hour', 'viewer');
	({ browser, page } = await signedInPage(app));
});
afterAll(async () => {
	await browser?.close();
	await app?.stop();
});

/** Seconds in a text the pages print with formatAge: "42 s ago", "5 min ago", "3 h ago". */
function secondsOf(text: string): number {
	const m = /^(\d+) (s|min|h|d) ago$/.exec(text.trim());
	if (!m) throw new Error(`not an age: "${text}"`);
	return Number(m[1]) * { s: 1, min: 60, h: 3600, d: 86400 }[m[2] as 's' | 'min' | 'h' | 'd'];
}

const api = async <T>(path: string): Promise<T> => (await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<T>;

interface RunningJob {
	id: number;
	started_at: string;
	runner: { id: number } | null;
}

describe('the demo’s ages are real', () => {
	it('Fleet: online GitLab runners were last contacted seconds ago (a few going quiet), as the API says', async () => {
		await page.goto(`${app.url}/fleet?forge=gitlab&status=online&per_page=200`);
		const rows = page.locator('tbody tr[data-runner-id]');
		await expect.poll(() => rows.count(), { timeout: 20_000 }).toBeGreaterThan(50);
		const shown = new Map(await rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-runner-id')!, tr.querySelector('td:last-child')!.textContent!.trim()] as [string, string])));
		const listed = await api<{ items: { id: string; contacted_at: string | null }[] }>('/api/v1/runners?forge=gitlab&status=online&per_page=200');
		const real = new Map(listed.items.map((r) => [r.id, (Date.now() - Date.parse(r.contacted_at!)) / 1000]));
		expect([...shown.keys()].sort()).toEqual([...real.keys()].sort());
		for (const [id, text] of shown) {
			const ago = real.get(id)!;
			// Online is GitLab's rule: contacted within two hours, never in the future.
			expect(ago, id).toBeGreaterThan(-2);
			expect(ago, id).toBeLessThan(2 * 3600);
			// The page's words match the API's timestamp (formatAge rounds to s, min or h).
			expect(Math.abs(secondsOf(text) - ago), `${id}: ${text}`).toBeLessThanOrEqual(ago < 90 ? 30 : ago < 5400 ? 90 : 1800);
		}
		// Connected runners contact every 5 s step; only the few going quiet are older.
		const recent = [...real.values()].filter((s) => s < 60).length;
		expect(recent / real.size).toBeGreaterThan(0.9);
	});

	it('a runner’s page: jobs running since minutes ago, as the forge and the API say', async () => {
		// Which runners run jobs now, from the forge itself (the sandbox's GitLab API).
		const running: RunningJob[] = [];
		for (const project of [101, 102, 103, 104, 105, 106]) {
			const r = await fetch(`${app.sandboxUrl}/gitlab/api/v4/projects/${project}/jobs?scope[]=running&per_page=100`, { headers: { 'PRIVATE-TOKEN': 'sandbox-gitlab-token' } });
			running.push(...((await r.json()) as RunningJob[]));
		}
		// Started minutes ago: the sandbox starts mid-day, not idle.
		const old = running.filter((j) => j.runner && Date.now() - Date.parse(j.started_at) > 3 * 60_000).sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at));
		expect(old.length, 'jobs running for more than 3 minutes').toBeGreaterThan(3);
		const job = old[0]!;
		const id = `gitlab:sandbox-gitlab:${job.runner!.id}`;

		await page.goto(`${app.url}/fleet/${encodeURIComponent(id)}`);
		const row = page.locator('h2:has-text("Recent jobs") + table tbody tr', { hasText: `#${job.id}` });
		await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1);
		const cells = await row.locator('td').allTextContents();
		expect(cells[1]).toBe('running');
		const shown = secondsOf(cells[6]!);
		const real = (Date.now() - Date.parse(job.started_at)) / 1000;
		expect(shown).toBeGreaterThanOrEqual(3 * 60);
		expect(Math.abs(shown - real)).toBeLessThanOrEqual(90);
		const contact = await page.locator('dt:has-text("Last contact") + dd').textContent();
		expect(secondsOf(contact!.replace(/\(.*\)/, ''))).toBeLessThanOrEqual(60);

		const detail = await api<{ contacted_at: string; jobs: { id: number; status: string; started_at: string }[] }>(`/api/v1/runners/${encodeURIComponent(id)}`);
		expect(detail.jobs.find((j) => j.id === job.id)).toMatchObject({ status: 'running', started_at: job.started_at });
		expect((Date.now() - Date.parse(detail.contacted_at)) / 1000).toBeLessThan(60);
		for (const j of detail.jobs.filter((x) => x.status === 'running')) expect(Date.parse(j.started_at)).toBeLessThan(Date.now());
	});
});

describe('a cluster identity that may not watch pods in arc-runners', () => {
	it('is the cluster source’s error on Settings → Sources, in words with the fix', async () => {
		await page.goto(`${app.url}/settings`);
		const cell = page.locator('tr[data-source="sandbox-k8s"] .error-cell');
		await expect
			.poll(
				async () => {
					await page.reload();
					return cell.textContent();
				},
				{ timeout: 30_000 }
			)
			.toContain(DENIED);
		expect(await page.locator('tr[data-source="sandbox-k8s"]').textContent()).toContain('degraded');
		expect(await cell.textContent()).not.toMatch(/watches failing/);
	});

	it('"Check sources" lists every check, the missing one with its fix', async () => {
		await page.click('button:has-text("Check sources")');
		const table = page.locator('table[data-testid="source-check"]');
		await table.waitFor({ timeout: 60_000 });
		const missing = table.locator('tr[data-result="missing"]');
		expect(await missing.count()).toBe(1);
		expect(await missing.getAttribute('data-source')).toBe('sandbox-k8s');
		expect(await missing.getAttribute('data-check')).toBe('watch arc-runners');
		const text = (await missing.textContent())!;
		expect(text).toContain('cannot watch pods in arc-runners');
		expect(text).toContain('Fix: grant it with the module\'s Role (rbac.tf: kubernetes_role_v1.arc');
		expect(await table.locator('tr[data-source="sandbox-gitlab"][data-check="pause and resume"]').getAttribute('data-result')).toBe('ok');
		expect(await page.textContent('[data-testid="source-check-summary"]')).toContain('1 of');
		expect(await seriousViolations(page)).toEqual([]);
	});
});
