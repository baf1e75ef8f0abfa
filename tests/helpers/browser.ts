// Debian's chromium driven by playwright-core; never a downloaded browser.
// Playwright gives each launch a fresh temporary profile.
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { RunningApp } from './app';

export async function launchBrowser(): Promise<Browser> {
	return chromium.launch({
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
