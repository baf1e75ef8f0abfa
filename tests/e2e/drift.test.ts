// The Drift page in Debian's chromium: no drift on a fresh sandbox, then a kubectl patch
// shows as one out-of-band row with the three values and the link to the tfvars line,
// without a reload; filters live in the URL; axe finds nothing serious in either theme.
import { execFileSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations, signedInPage } from '../helpers/browser';
import { startApp, type RunningApp } from '../helpers/app';

let app: RunningApp;
let browser: Browser;
let page: Page;

const patchHpaMax = (n: number) =>
	execFileSync('kubectl', [`--server=${app.sandboxUrl}/k8s`, 'patch', 'hpa', 'docker-runner-hpa', '-n', 'gitlab-runners', '--type', 'merge', '-p', JSON.stringify({ spec: { maxReplicas: n } })], {
		encoding: 'utf8',
		timeout: 30_000
	});

beforeAll(async () => {
	app = await startApp();
	({ browser, page } = await signedInPage(app));
}, 60_000);
afterAll(async () => {
	await browser?.close();
	await app?.stop();
});

describe('the Drift page', () => {
	it('says there is no drift on a fresh sandbox, with when it was checked', async () => {
		await page.goto(`${app.url}/drift`);
		await expect.poll(async () => (await page.locator('[data-testid=no-drift]').textContent()) ?? '', { timeout: 20_000 }).toMatch(/No drift\.[\s\S]*Checked .* ago/);
		expect(await page.locator('.summary').textContent()).toContain('simulated');
		expect(await seriousViolations(page)).toEqual([]);
	});

	it('shows a kubectl patch as an out-of-band row with declared, applied and live, without a reload', async () => {
		await page.goto(`${app.url}/drift`);
		await page.evaluate(() => ((window as unknown as { marker: number }).marker = 5));
		await page.waitForTimeout(500);
		patchHpaMax(11);
		const row = page.locator('tr[data-drift-key]');
		await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
		expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(5);
		expect(await row.locator('[data-side=declared]').textContent()).toBe('8');
		expect(await row.locator('[data-side=applied]').textContent()).toBe('8');
		expect(await row.locator('[data-side=live]').textContent()).toBe('11');
		expect(await row.textContent()).toContain('out-of-band');
		expect(await row.textContent()).toContain('spec.maxReplicas');
		expect(await page.locator('table.drift').textContent()).toContain('HorizontalPodAutoscaler gitlab-runners/docker-runner-hpa');
		const link = row.locator('a[href*="dev.tfvars#L"]');
		expect(await link.textContent()).toMatch(/^tofu\/stacks\/gitlab-runners\/dev\.tfvars:\d+$/);
		expect(await link.getAttribute('href')).toMatch(/\/platform\/gitops\/-\/blob\/[0-9a-f]{40}\/tofu\/stacks\/gitlab-runners\/dev\.tfvars#L\d+$/);
		expect(await seriousViolations(page)).toEqual([]);
		await page.emulateMedia({ colorScheme: 'dark' });
		expect(await seriousViolations(page)).toEqual([]);
		await page.emulateMedia({ colorScheme: 'light' });
	});

	it('keeps filters in the URL and reaches them by keyboard', async () => {
		await page.goto(`${app.url}/drift?class=unapplied`);
		expect(await page.locator('tr[data-drift-key]').count()).toBe(0);
		expect(await page.locator('[data-testid=no-drift]').textContent()).toContain('No drift matches these filters');
		await page.goto(`${app.url}/drift`);
		await page.focus('select[name=class]');
		await page.selectOption('select[name=class]', 'out-of-band');
		await page.keyboard.press('Tab');
		await page.keyboard.press('Tab');
		await page.keyboard.press('Enter');
		await page.waitForURL(/class=out-of-band/);
		expect(await page.locator('tr[data-drift-key]').count()).toBe(1);
		const bad = await page.goto(`${app.url}/drift?class=sideways`);
		expect(bad?.status()).toBe(400);
	});

	it('clears the row when the patch is undone, without a reload', async () => {
		await page.goto(`${app.url}/drift`);
		expect(await page.locator('tr[data-drift-key]').count()).toBe(1);
		await page.waitForTimeout(500);
		patchHpaMax(8);
		await expect.poll(() => page.locator('tr[data-drift-key]').count(), { timeout: 10_000 }).toBe(0);
		expect(await page.locator('[data-testid=no-drift]').textContent()).toContain('No drift.');
		await page.reload();
		const resolved = page.locator('table.resolved tbody tr');
		expect(await resolved.count()).toBe(1);
		expect(await resolved.textContent()).toMatch(/spec\.maxReplicas.*out-of-band.*8 \/ 8 \/ 11/);
		expect(await seriousViolations(page)).toEqual([]);
	});
});
