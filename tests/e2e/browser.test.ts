// A person in Debian's chromium: signs in with the printed admin password, sees the
// sandbox's runners across pages, uses the settings, signs out, and is locked out.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, seriousViolations } from '../helpers/browser';
import { startApp, type RunningApp } from '../helpers/app';

let app: RunningApp;
let browser: Browser;
let page: Page;

beforeAll(async () => {
	app = await startApp();
	browser = await launchBrowser();
	page = await (await browser.newContext()).newPage();
});
afterAll(async () => {
	if (app && /exited|Error/.test(app.output())) console.error(app.output());
	await browser?.close();
	await app?.stop();
});

describe('the dashboard in a browser', () => {
	it('sends an anonymous visitor to the login page', async () => {
		await page.goto(`${app.url}/fleet`);
		expect(new URL(page.url()).pathname).toBe('/login');
		expect(await seriousViolations(page)).toEqual([]);
	});

	it('refuses a wrong password with a message', async () => {
		await page.fill('input[name=username]', 'admin');
		await page.fill('input[name=password]', 'not the password');
		await page.click('button[type=submit]');
		await expect.poll(() => page.textContent('[role=alert]')).toContain('Wrong username or password');
	});

	it('signs in with the admin password and shows the sandbox runners, labelled simulated', async () => {
		await page.fill('input[name=username]', 'admin');
		await page.fill('input[name=password]', app.adminPassword);
		await page.click('button[type=submit]');
		await page.waitForURL(`${app.url}/fleet`);
		const truth = await (await fetch(`${app.sandboxUrl}/_sandbox/state`)).json();
		await page.goto(`${app.url}/fleet?forge=gitlab`);
		await expect.poll(async () => { await page.reload(); return page.textContent('.summary'); }, { timeout: 20_000 }).toMatch(new RegExp(`^\\s*${truth.gitlab.runners.total} of \\d+ runners`));
		expect(await page.locator('tbody tr[data-runner-id]').count()).toBe(50);
		expect(await page.locator('header').textContent()).toContain('simulated');
		expect(await page.locator('tbody tr').first().textContent()).toContain('simulated');
		expect(await seriousViolations(page)).toEqual([]);
	});

	it('pages through every GitLab runner with the pager', async () => {
		await page.goto(`${app.url}/fleet?forge=gitlab`);
		const ids = new Set<string>();
		for (;;) {
			for (const id of await page.locator('tbody tr[data-runner-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-runner-id')!))) ids.add(id);
			const next = page.locator('a[rel=next]');
			if ((await next.count()) === 0) break;
			const target = new URL((await next.getAttribute('href'))!, app.url).href;
			await next.click();
			await page.waitForURL(target);
		}
		const truth = await (await fetch(`${app.sandboxUrl}/_sandbox/state`)).json();
		expect(ids.size).toBe(truth.gitlab.runners.total);
	});

	it('filters by status with the filter kept in the URL', async () => {
		await page.goto(`${app.url}/fleet?status=offline`);
		const rows = await page.locator('tbody tr[data-runner-id]').allTextContents();
		expect(rows.length).toBeGreaterThan(0);
		for (const r of rows) expect(r).toContain('offline');
	});

	it('opens a runner’s detail page', async () => {
		await page.goto(`${app.url}/fleet`);
		await page.locator('tbody tr[data-runner-id] a').first().click();
		await page.waitForURL(/\/fleet\/gitlab%3A|\/fleet\/gitlab:/);
		expect(await page.textContent('dl')).toContain('Tags');
		expect(await seriousViolations(page)).toEqual([]);
	});

	it('pauses a runner from the Fleet page after confirming its name; the sandbox reports it paused', async () => {
		await page.goto(`${app.url}/fleet?forge=gitlab&status=online&paused=false&sort=id`);
		const row = page.locator('tbody tr[data-runner-id]').first();
		const id = (await row.getAttribute('data-runner-id'))!;
		const name = (await row.locator('td a').first().textContent())!.trim();
		await row.locator('input[type=checkbox]').check();
		await page.click('button:has-text("Pause…")');
		const dialog = page.locator('dialog[open]');
		expect(await dialog.locator('h2').textContent()).toBe('Pause 1 runner?');
		expect(await dialog.textContent()).toContain(name);
		await dialog.locator('input').fill('e2e maintenance');
		await dialog.locator('button:has-text("Pause")').first().click();
		await expect.poll(() => dialog.locator('[data-testid=outcomes]').textContent()).toContain(`${name}: done`);
		const upstream = await (await fetch(`${app.sandboxUrl}/gitlab/api/v4/runners/${id.split(':')[2]}`, { headers: { 'private-token': 'sandbox-gitlab-token' } })).json();
		expect(upstream).toMatchObject({ paused: true, maintenance_note: 'e2e maintenance' });
		await dialog.locator('button:has-text("Close")').click();
		await page.goto(`${app.url}/fleet?q=${encodeURIComponent(id)}`);
		expect(await page.locator(`tr[data-runner-id="${id}"]`).textContent()).toContain('paused');
		expect(await seriousViolations(page)).toEqual([]);
	});

	it('shows a pause on the open page without a reload', async () => {
		await page.goto(`${app.url}/fleet?forge=gitlab&paused=false&status=online&sort=-id`);
		const row = page.locator('tbody tr[data-runner-id]').first();
		const id = (await row.getAttribute('data-runner-id'))!;
		await page.goto(`${app.url}/fleet?q=${encodeURIComponent(id)}`);
		await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
		await page.locator(`tr[data-runner-id="${id}"] input[type=checkbox]`).check();
		await page.click('button:has-text("Pause…")');
		await page.locator('dialog[open] button:has-text("Pause")').first().click();
		await page.locator('dialog[open] button:has-text("Close")').click();
		await expect.poll(() => page.locator(`tr[data-runner-id="${id}"]`).textContent(), { timeout: 5000 }).toContain('paused');
		expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
	});

	it('shows a status change made in the sandbox within 5 s, without a reload', async () => {
		await page.goto(`${app.url}/fleet?forge=gitlab&status=online&paused=false&sort=id`);
		const id = (await page.locator('tbody tr[data-runner-id]').nth(3).getAttribute('data-runner-id'))!;
		await page.goto(`${app.url}/fleet?q=${encodeURIComponent(id)}`);
		expect(await page.locator(`tr[data-runner-id="${id}"]`).textContent()).toContain('online');
		await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7));
		// Give the page's event stream a moment to connect before the change.
		await page.waitForTimeout(500);
		const changed = Date.now();
		const res = await fetch(`${app.sandboxUrl}/_sandbox/gitlab/runners/${id.split(':')[2]}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ online: false }) });
		expect(res.ok).toBe(true);
		await expect.poll(() => page.locator(`tr[data-runner-id="${id}"]`).textContent(), { timeout: 5000, interval: 100 }).toContain('offline');
		expect(Date.now() - changed).toBeLessThan(5000);
		expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(7);
	});

	it('drains and undrains a scale set from the Scale sets page, after a confirmation that names the stakes', async () => {
		await page.goto(`${app.url}/fleet/scale-sets`);
		expect(await seriousViolations(page)).toEqual([]);
		const row = page.locator('tr[data-scale-set-id$=":gh-nix"]');
		expect(await row.textContent()).toContain('active');
		await row.locator('button:has-text("Drain…")').click();
		const dialog = page.locator('dialog[open]');
		expect(await dialog.locator('h2').textContent()).toBe('Drain gh-nix?');
		expect(await dialog.locator('[data-testid=waiting-jobs]').textContent()).toMatch(/assigned but not running/);
		await dialog.locator('button:has-text("Drain")').first().click();
		await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('drained');
		const upstream = await (await fetch(`${app.sandboxUrl}/k8s/apis/actions.github.com/v1alpha1/namespaces/arc-runners/autoscalingrunnersets/gh-nix`)).json();
		expect(upstream.spec.maxRunners).toBe(0);
		await row.locator('button:has-text("Undrain…")').click();
		await page.locator('dialog[open] button:has-text("Undrain")').first().click();
		await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('active');
		const restored = await (await fetch(`${app.sandboxUrl}/k8s/apis/actions.github.com/v1alpha1/namespaces/arc-runners/autoscalingrunnersets/gh-nix`)).json();
		expect(restored.spec.maxRunners).toBeGreaterThan(0);
	});

	it('shows pods per runner type', async () => {
		await page.goto(`${app.url}/fleet/pods`);
		const summary = await page.locator('table').first().textContent();
		for (const t of ['docker-runner', 'dind-runner', 'nix-runner']) expect(summary).toContain(t);
		expect(await seriousViolations(page)).toEqual([]);
	});

	it('lets the admin create an API token in Settings, shown once', async () => {
		await page.goto(`${app.url}/settings`);
		expect(await seriousViolations(page)).toEqual([]);
		await page.fill('form[action="?/createToken"] input[name=name]', 'from-the-browser');
		await page.click('form[action="?/createToken"] button[type=submit]');
		await expect.poll(() => page.locator('[data-testid=new-token]').textContent()).toMatch(/^rdt_/);
		const token = (await page.locator('[data-testid=new-token]').textContent())!;
		const me = await fetch(`${app.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
		expect(await me.json()).toMatchObject({ name: 'token:from-the-browser' });
		await page.reload();
		expect(await page.content()).not.toContain(token);
	});

	it('shows a wrong current password on the Settings page, with and without JavaScript, and changes nothing', async () => {
		const tryWrong = async (p: typeof page) => {
			await p.goto(`${app.url}/settings`);
			await p.fill('form[action="?/password"] input[name=current_password]', 'not the password at all');
			await p.fill('form[action="?/password"] input[name=new_password]', 'a brand new password');
			await p.click('form[action="?/password"] button[type=submit]');
			await expect.poll(() => p.locator('[data-testid=password-error]').textContent()).toMatch(/current password is wrong/);
			expect(new URL(p.url()).pathname).toBe('/settings');
		};
		await tryWrong(page);
		const noScript = await page.context().browser()!.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
		try {
			await tryWrong(await noScript.newPage());
		} finally {
			await noScript.close();
		}
		// The password is what it was: signing in with it still works.
		const r = await fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { origin: app.origin, 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: app.adminPassword }) });
		expect(r.status).toBe(204);
	});

	it('has no serious accessibility violations in the dark theme either', async () => {
		await page.emulateMedia({ colorScheme: 'dark' });
		for (const path of ['/fleet', '/settings', '/audit']) {
			await page.goto(`${app.url}${path}`);
			expect(await seriousViolations(page), path).toEqual([]);
		}
		await page.emulateMedia({ colorScheme: 'light' });
	});

	it('shows the audit log to the admin', async () => {
		await page.goto(`${app.url}/audit`);
		expect(await page.textContent('table')).toContain('token.create');
		expect(await seriousViolations(page)).toEqual([]);
	});

	it('signs out, and Fleet is unreachable afterwards', async () => {
		await page.goto(`${app.url}/fleet`);
		await page.click('text=Sign out');
		await page.waitForURL(`${app.url}/login`);
		await page.goto(`${app.url}/fleet`);
		expect(new URL(page.url()).pathname).toBe('/login');
		const cookies = await page.context().cookies();
		expect(cookies.find((c) => c.name === 'rd_session')).toBeUndefined();
	});
});
