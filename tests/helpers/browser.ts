// Debian's chromium driven by playwright-core; never a downloaded browser.
// Playwright gives each launch a fresh temporary profile.
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import type { RunningApp } from './app';
import { recordAnswer, recorded } from '../contract/record';

/** Launches chromium; the API answers its pages receive are recorded for the contract check, like a test's own fetches. */
export async function launchBrowser(): Promise<Browser> {
	const browser = await chromium.launch({
		executablePath: '/usr/bin/chromium',
		args: [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--disable-quic',
			'--no-first-run'
		]
	});
	// Browser.newPage goes through newContext too.
	const newContext = browser.newContext.bind(browser);
	browser.newContext = async (options) => {
		const context = await newContext(options);
		context.on('response', (res) =>
			recordAnswer({ method: res.request().method(), url: res.url(), status: res.status(), header: (name) => res.headers()[name] ?? null, text: () => res.text() })
		);
		return context;
	};
	// Bodies still being read are read before the browser goes.
	const close = browser.close.bind(browser);
	browser.close = async (options) => {
		await recorded();
		return close(options);
	};
	return browser;
}

/** axe's serious and critical violations on the page, one line each (what the accessibility checks assert empty). */
export async function seriousViolations(p: Page): Promise<string[]> {
	const result = await new AxeBuilder({ page: p }).analyze();
	return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Signs in as the first admin through the login form and waits for the Fleet page. */
export async function signIn(p: Page, target: RunningApp): Promise<void> {
	await p.goto(`${target.url}/login`);
	await p.waitForLoadState('networkidle');
	await p.fill('input[name=username]', 'admin');
	await p.fill('input[name=password]', target.adminPassword);
	await p.click('button[type=submit]');
	await p.waitForURL(`${target.url}/fleet`);
}

/** Chromium with one page signed in as the first admin: the set-up of a page test. */
export async function signedInPage(target: RunningApp, context?: BrowserContextOptions): Promise<{ browser: Browser; page: Page }> {
	const browser = await launchBrowser();
	const page = await (await browser.newContext(context)).newPage();
	await signIn(page, target);
	return { browser, page };
}
