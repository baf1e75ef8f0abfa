// Debian's chromium driven by playwright-core; never a downloaded browser.
// Playwright gives each launch a fresh temporary profile.
import { chromium, type Browser } from 'playwright-core';

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
