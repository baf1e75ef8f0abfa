// Single sign-on in Debian's chromium against the sandbox: its GitLab as an OpenID Connect
// provider and its GitHub's OAuth app, wired by the sandbox URL alone (as `npm start`
// does), with platform/sre → admin and platform → operator. Roles are re-checked every
// 5 s here, so taking a user out of a group shows within seconds.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, seriousViolations } from '../helpers/browser';
import { startApp, type RunningApp } from '../helpers/app';

let app: RunningApp;
let browser: Browser;

const configDir = mkdtempSync(join(tmpdir(), 'rd-sso-'));
const configPath = join(configDir, 'config.yaml');
writeFileSync(configPath, 'auth:\n  role_refresh_seconds: 5\n');

beforeAll(async () => {
	app = await startApp({ env: { RUNNER_DASHBOARD_CONFIG: configPath } });
	browser = await launchBrowser();
});
afterAll(async () => {
	if (app && /exited|Error/.test(app.output())) console.error(app.output());
	await browser?.close();
	await app?.stop();
});

/** A fresh browser (no cookies) through the login page's button and the provider's sign-in form. */
async function signInWith(button: string, login: string): Promise<Page> {
	const page = await (await browser.newContext()).newPage();
	await page.goto(`${app.url}/fleet`);
	expect(new URL(page.url()).pathname).toBe('/login');
	await page.click(`text=${button}`);
	await page.waitForSelector('input[name=login]');
	expect(page.url().startsWith(app.sandboxUrl)).toBe(true);
	await page.fill('input[name=login]', login);
	await page.fill('input[name=password]', 'sandbox');
	await page.click('button[type=submit]');
	await page.waitForURL((u) => u.origin === app.url && (u.pathname === '/fleet' || u.pathname === '/login'));
	return page;
}

/** The page's own call to the API, with its cookies and Origin. */
async function call(page: Page, method: string, path: string, body?: unknown): Promise<number> {
	return page.evaluate(
		async ([m, p, b]) => (await fetch(p as string, { method: m as string, headers: { 'content-type': 'application/json' }, body: b === undefined ? undefined : JSON.stringify(b) })).status,
		[method, path, body] as const
	);
}

const auditOf = async (action: string) => {
	const cookie = await adminCookie();
	return (await (await fetch(`${app.url}/api/v1/audit?action=${encodeURIComponent(action)}&per_page=50`, { headers: { cookie } })).json()).items as Array<{ principal: string; outcome: string; detail: Record<string, unknown> | null }>;
};

let admin: string | undefined;
async function adminCookie(): Promise<string> {
	if (admin) return admin;
	const r = await fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { origin: app.origin, 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: app.adminPassword }) });
	admin = r.headers.getSetCookie().find((c) => c.startsWith('rd_session='))!.split(';')[0]!;
	return admin;
}

describe('signing in with the sandbox GitLab (OpenID Connect)', () => {
	it('offers one button per provider and says how the sandbox maps groups to roles', async () => {
		const page = await (await browser.newContext()).newPage();
		await page.goto(`${app.url}/login`);
		expect(await page.locator('.providers a').allTextContents()).toEqual(['Sign in with GitLab', 'Sign in with GitHub']);
		expect(await page.textContent('main')).toContain('alice (group platform/sre → admin), bob (platform → operator)');
		expect(await page.locator('input[name=password]').count()).toBe(1);
		expect(await seriousViolations(page)).toEqual([]);
		await page.context().close();
	});

	it('signs alice in as admin: back on the Fleet page, her user linked by provider and subject', async () => {
		const page = await signInWith('Sign in with GitLab', 'alice');
		expect(new URL(page.url()).pathname).toBe('/fleet');
		expect(await page.textContent('header .user')).toMatch(/alice\s*admin/);
		expect(await call(page, 'GET', '/api/v1/users')).toBe(200);
		await page.goto(`${app.url}/settings`);
		const row = page.locator('section[aria-labelledby=users-h] tbody tr', { hasText: 'sandbox-gitlab' });
		expect(await row.textContent()).toContain('alice');
		expect(await row.textContent()).toContain('(201)');
		const login = (await auditOf('login')).find((a) => a.principal === 'alice' && a.outcome === 'success');
		expect(login?.detail).toMatchObject({ provider: 'sandbox-gitlab', subject: '201', role: 'admin', rule: 'group platform/sre' });
		await page.context().close();
	});

	it('signs bob in as operator: he can pause a runner but not open the users', async () => {
		const page = await signInWith('Sign in with GitLab', 'bob');
		expect(new URL(page.url()).pathname).toBe('/fleet');
		expect(await page.textContent('header .user')).toMatch(/bob\s*operator/);
		const runners = await page.evaluate(async () => (await (await fetch('/api/v1/runners?forge=gitlab&per_page=1')).json()).items as Array<{ id: string }>);
		expect(await call(page, 'POST', `/api/v1/runners/${encodeURIComponent(runners[0]!.id)}/pause`, {})).toBe(200);
		expect(await call(page, 'GET', '/api/v1/users')).toBe(403);
		await page.goto(`${app.url}/settings`);
		expect(await page.locator('#users-h').count()).toBe(0);
		await page.context().close();
	});

	it('refuses carol, in no group: the login page names the identity it saw, and no session is made', async () => {
		const page = await signInWith('Sign in with GitLab', 'carol');
		expect(new URL(page.url()).pathname).toBe('/login');
		const refusal = await page.textContent('.refused');
		expect(refusal).toContain('GitLab signed you in as carol (carol@sandbox.invalid), in no groups');
		expect(refusal).toContain('No role rule of this dashboard matched');
		expect((await page.context().cookies()).map((c) => c.name)).not.toContain('rd_session');
		expect(await call(page, 'GET', '/api/v1/me')).toBe(401);
		const denied = (await auditOf('login')).find((a) => a.outcome === 'denied' && a.detail?.subject === '203');
		expect(denied?.detail).toMatchObject({ provider: 'sandbox-gitlab', username: 'carol', reason: 'no role rule matched' });
		expect(await seriousViolations(page)).toEqual([]);
		await page.context().close();
	});

	it('takes bob\'s operator role away by the next re-check once he leaves the group, and audits it', async () => {
		const page = await signInWith('Sign in with GitLab', 'bob');
		expect(await call(page, 'GET', '/api/v1/me')).toBe(200);
		const r = await fetch(`${app.sandboxUrl}/_sandbox/identity/users/bob/groups`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ groups: [] }) });
		expect(r.status).toBe(200);
		await expect.poll(() => call(page, 'GET', '/api/v1/me'), { timeout: 30_000, interval: 1000 }).toBe(401);
		const recheck = (await auditOf('login.recheck')).find((a) => a.principal === 'bob');
		expect(recheck).toMatchObject({ outcome: 'denied', detail: { provider: 'sandbox-gitlab', subject: '202', from: 'operator', to: null, reason: 'no role rule matched' } });
		// Signing in again is refused too: the rules see the same identity.
		const again = await signInWith('Sign in with GitLab', 'bob');
		expect(await again.textContent('.refused')).toContain('signed you in as bob');
		await fetch(`${app.sandboxUrl}/_sandbox/identity/users/bob/groups`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ groups: ['platform'] }) });
		await page.context().close();
		await again.context().close();
	});

	it('signs out of the dashboard and links to the provider\'s end-session endpoint', async () => {
		const page = await signInWith('Sign in with GitLab', 'alice');
		await page.click('header button:has-text("Sign out")');
		await page.waitForURL((u) => u.pathname === '/login');
		const link = page.locator('a', { hasText: 'sign out of GitLab too' });
		const href = new URL((await link.getAttribute('href'))!);
		expect(href.origin + href.pathname).toBe(`${app.sandboxUrl}/gitlab/oauth/end_session`);
		expect(href.searchParams.get('post_logout_redirect_uri')).toBe(`${app.url}/login`);
		expect(await call(page, 'GET', '/api/v1/me')).toBe(401);
		await page.context().close();
	});
});

describe('signing in with the sandbox GitHub (OAuth app, orgs and teams)', () => {
	it('maps alice by her team platform/sre to admin and bob by his org platform to operator', async () => {
		const alice = await signInWith('Sign in with GitHub', 'alice');
		expect(new URL(alice.url()).pathname).toBe('/fleet');
		expect(await alice.textContent('header .user')).toMatch(/alice@sandbox-github\s*admin/);
		const bob = await signInWith('Sign in with GitHub', 'bob');
		expect(await bob.textContent('header .user')).toMatch(/bob@sandbox-github\s*operator/);
		const login = (await auditOf('login')).find((a) => a.outcome === 'success' && a.detail?.provider === 'sandbox-github' && a.detail?.username === 'alice');
		expect(login?.detail).toMatchObject({ subject: '9201', groups: ['platform', 'platform/sre'], role: 'admin', rule: 'group platform/sre' });
		await alice.context().close();
		await bob.context().close();
	});

	it('refuses carol through GitHub too', async () => {
		const page = await signInWith('Sign in with GitHub', 'carol');
		expect(await page.textContent('.refused')).toContain('GitHub signed you in as carol');
		await page.context().close();
	});
});

describe('passkeys, with a CDP virtual authenticator', () => {
	// A passkey's relying party is a domain: the dashboard as http://localhost (an IP address is not an RP ID).
	const local = () => app.url.replace('127.0.0.1', 'localhost');

	/** A browser with a platform authenticator that verifies its user (resident keys, always present). */
	async function withAuthenticator() {
		const context = await browser.newContext();
		const page = await context.newPage();
		const cdp = await context.newCDPSession(page);
		await cdp.send('WebAuthn.enable');
		const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
			options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true }
		});
		return { page, cdp, authenticatorId };
	}

	it('registers a named passkey, signs out, signs in with the passkey alone; a copy with a lower counter is refused', async () => {
		const { page, cdp, authenticatorId } = await withAuthenticator();
		await page.goto(`${local()}/login`);
		await page.fill('input[name=username]', 'admin');
		await page.fill('input[name=password]', app.adminPassword);
		await page.click('form button[type=submit]');
		await page.waitForURL(`${local()}/fleet`);
		await page.goto(`${local()}/settings`);
		await page.fill('input[name=passkey_name]', 'laptop');
		await page.click('button:has-text("Add a passkey")');
		await page.waitForSelector('section[aria-labelledby=passkeys-h] tr[data-passkey]');
		expect(await page.textContent('section[aria-labelledby=passkeys-h] tbody')).toContain('laptop');
		const [credential] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
		expect(credential?.isResidentCredential).toBe(true);

		await page.click('header button:has-text("Sign out")');
		await page.waitForURL((u) => u.pathname === '/login');
		await page.click('button:has-text("Sign in with a passkey")');
		await page.waitForURL(`${local()}/fleet`);
		expect(await page.textContent('header .user')).toMatch(/admin\s*admin/);
		await page.click('header button:has-text("Sign out")');
		await page.waitForURL((u) => u.pathname === '/login');
		await page.click('button:has-text("Sign in with a passkey")');
		await page.waitForURL(`${local()}/fleet`);
		const used = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials[0]!;
		expect(used.signCount).toBeGreaterThan(1);

		// The same private key in another authenticator whose counter is behind: a copy.
		const clone = await withAuthenticator();
		await clone.cdp.send('WebAuthn.addCredential', { authenticatorId: clone.authenticatorId, credential: { ...used, signCount: 0 } });
		await clone.page.goto(`${local()}/login`);
		// A fresh page: the button does nothing until the page is hydrated.
		await clone.page.waitForLoadState('networkidle');
		await clone.page.click('button:has-text("Sign in with a passkey")');
		await expect.poll(() => clone.page.locator('[data-testid=passkey-error]').textContent(), { timeout: 20_000 }).toMatch(/counter went back/);
		expect(new URL(clone.page.url()).pathname).toBe('/login');
		expect(await call(clone.page, 'GET', '/api/v1/me')).toBe(401);
		const refused = (await auditOf('login')).find((a) => a.outcome === 'failure' && a.detail?.method === 'passkey');
		expect(String(refused?.detail?.reason)).toMatch(/counter went back/);

		// Removing it: it signs nobody in any more.
		await page.goto(`${local()}/settings`);
		page.once('dialog', (d) => void d.accept());
		await page.click('section[aria-labelledby=passkeys-h] button:has-text("Remove")');
		await expect.poll(() => page.locator('section[aria-labelledby=passkeys-h] tr[data-passkey]').count()).toBe(0);
		await page.context().close();
		await clone.page.context().close();
	});
});
