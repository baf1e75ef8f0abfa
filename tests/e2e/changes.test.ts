// The change flow in Debian's chromium against the built dashboard and its sandbox:
// "raise max" on the docker runner's HPA opens the stack's form prefilled; proposing
// opens a merge request whose diff is one line of dev.tfvars; the change page follows
// it live (no reload) through the plan, a merge made through the sandbox's GitLab API,
// the apply and drift to verified. On the Drift page an out-of-band item offers to adopt
// the live value or restore git's, saying what each does; an adopted item shows its
// change in progress. axe finds nothing serious on the new pages.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations, signedInPage } from '../helpers/browser';
import { startApp, type RunningApp } from '../helpers/app';

let app: RunningApp;
let browser: Browser;
let page: Page;

const sandbox = (path: string, body: unknown, method = 'POST') =>
	fetch(`${app.sandboxUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() }));
const state = () => page.locator('.summary [data-state]').getAttribute('data-state');

beforeAll(async () => {
	app = await startApp();
	({ browser, page } = await signedInPage(app));
}, 60_000);
afterAll(async () => {
	await browser?.close();
	await app?.stop();
});

describe('raising a runner type’s maximum through git', () => {
	it('goes from the autoscaler row to a merge request, and follows it live to verified', async () => {
		const raise = page.locator('tr[data-autoscaler="hpa:sandbox-k8s:gitlab-runners:docker-runner-hpa"] [data-testid=raise-max]');
		await expect
			.poll(
				async () => {
					await page.goto(`${app.url}/capacity`);
					return raise.count();
				},
				{ timeout: 30_000 }
			)
			.toBe(1);
		await raise.click();
		await page.waitForURL(/\/stacks\/gitlab-runners\/dev\?set=docker_hpa_max_replicas&value=12$/);
		const field = page.locator('#var-docker_hpa_max_replicas');
		expect(await field.inputValue()).toBe('12');
		await field.fill('10');
		expect(await page.locator('[data-testid=planned]').textContent()).toMatch(/docker_hpa_max_replicas\s*8 → 10/);
		expect(await page.locator('tr[data-variable=docker_hpa_max_replicas]').textContent()).toMatch(/8/);
		expect(await seriousViolations(page)).toEqual([]);
		await page.getByRole('button', { name: 'Open merge request' }).click();
		await page.waitForURL(/\/changes\/\d+$/);
		const id = Number(page.url().split('/').pop());
		const diff = (await page.locator('[data-testid=diff]').textContent()) ?? '';
		expect(diff.split('\n').filter((l) => /^[-+](?![-+]{2} )/.test(l))).toEqual([expect.stringMatching(/^-docker_hpa_max_replicas\s*=\s*8$/), expect.stringMatching(/^\+docker_hpa_max_replicas\s*=\s*10$/)]);
		const link = page.locator('.summary a[href*="/merge_requests/"]');
		expect(await link.textContent()).toMatch(/^merge request !\d+$/);
		const iid = Number((await link.textContent())!.split('!')[1]);
		expect(await seriousViolations(page)).toEqual([]);

		// From here on the page is never reloaded: each step arrives over the live stream.
		await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7));
		await sandbox('/_sandbox/clock', { advance_s: 40 });
		await expect.poll(state, { timeout: 30_000 }).toBe('pipeline_passed');
		const merged = await fetch(`${app.sandboxUrl}/gitlab/api/v4/projects/42/merge_requests/${iid}/merge`, { method: 'PUT', headers: { 'PRIVATE-TOKEN': 'sandbox-gitlab-token' } });
		expect(merged.status).toBe(200);
		await expect.poll(state, { timeout: 30_000 }).toBe('merged');
		await sandbox('/_sandbox/clock', { advance_s: 80 });
		await expect.poll(state, { timeout: 60_000 }).toBe('verified');
		expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(7);
		expect(await page.locator('ol.steps li.done').count()).toBe(5);

		await page.goto(`${app.url}/changes`);
		const row = page.locator(`tr[data-change-id="${id}"]`);
		expect(await row.getAttribute('data-state')).toBe('verified');
		expect(await row.textContent()).toMatch(/docker_hpa_max_replicas 8 → 10/);
		expect(await seriousViolations(page)).toEqual([]);
	}, 150_000);
});

describe('the Drift page', () => {
	it('offers to adopt the live value or restore git’s, naming what each does, and shows the change in progress', async () => {
		const patched = await fetch(`${app.sandboxUrl}/k8s/apis/autoscaling/v2/namespaces/gitlab-runners/horizontalpodautoscalers/nix-runner-hpa`, {
			method: 'PATCH',
			headers: { 'content-type': 'application/merge-patch+json' },
			body: JSON.stringify({ spec: { maxReplicas: 17 } })
		});
		expect(patched.status).toBe(200);
		await page.goto(`${app.url}/drift`);
		const row = page.locator('tr[data-drift-key*="nix-runner-hpa|spec.maxReplicas"]');
		await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1);

		await row.getByRole('button', { name: 'Restore git…' }).click();
		expect(await page.locator('dialog[open] [data-testid=restore-says]').textContent()).toMatch(/Re-runs the apply pipeline of gitlab-runners\/dev .* back to \d+ \(live: 17\)/s);
		await page.locator('dialog[open]').getByRole('button', { name: 'Cancel' }).click();

		await row.getByRole('button', { name: 'Adopt live…' }).click();
		expect(await page.locator('dialog[open] [data-testid=adopt-says]').textContent()).toMatch(/Opens a merge request setting nix_hpa_max_replicas = 17 in tofu\/stacks\/gitlab-runners\/dev\.tfvars/);
		expect(await seriousViolations(page)).toEqual([]);
		await page.locator('dialog[open]').getByRole('button', { name: 'Open merge request' }).click();
		await page.waitForURL(/\/changes\/\d+$/);
		expect(await page.locator('h1').textContent()).toMatch(/adopt live value: nix_hpa_max_replicas \d+ → 17/);

		await page.goto(`${app.url}/drift`);
		await expect.poll(async () => (await row.locator('[data-testid=change-in-progress]').textContent()) ?? '', { timeout: 10_000 }).toMatch(/^change !\d+ in progress$/);
	}, 60_000);
});
