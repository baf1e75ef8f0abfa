import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from './index.js';
import { controlOk, gitlab, start, state } from './testing.js';

let sb: Sandbox;
beforeEach(async () => {
	sb = await start();
});
afterEach(async () => {
	await sb.close();
});

const fault = (target: string, mode: string, extra: object = {}) => controlOk(sb, '/faults', { target, mode, ...extra });

describe('faults', () => {
	it('error: every GitLab request answers 500; control keeps working; none recovers', async () => {
		const s = await fault('gitlab', 'error');
		expect(s.faults.gitlab).toBe('error');
		for (const path of ['/runners/all', '/runners/1001', '/version']) {
			const res = await gitlab(sb, path);
			expect(res.status).toBe(500);
			expect(await res.json()).toEqual({ message: '500 Internal Server Error' });
		}
		expect((await fetch(`${sb.url}/_sandbox/state`)).status).toBe(200);
		await fault('gitlab', 'none');
		expect((await gitlab(sb, '/runners/all')).status).toBe(200);
	});

	it('rate_limit: 429 with Retry-After (default 2 s, configurable) and RateLimit-Remaining 0', async () => {
		await fault('gitlab', 'rate_limit');
		const res = await gitlab(sb, '/runners/all');
		expect(res.status).toBe(429);
		expect(res.headers.get('retry-after')).toBe('2');
		expect(res.headers.get('ratelimit-remaining')).toBe('0');
		expect(res.headers.get('ratelimit-limit')).toBe('2000');
		await res.text();
		await fault('gitlab', 'rate_limit', { retry_after_s: 7 });
		expect((await gitlab(sb, '/version')).headers.get('retry-after')).toBe('7');
		await fault('gitlab', 'none');
		expect((await gitlab(sb, '/version')).status).toBe(200);
	});

	it('refuse: the connection is dropped without an answer', async () => {
		await fault('gitlab', 'refuse');
		await expect(gitlab(sb, '/runners/all')).rejects.toThrow();
		await fault('gitlab', 'none');
		expect((await gitlab(sb, '/runners/all')).status).toBe(200);
	});

	it('timeout: requests hang until the client gives up', async () => {
		await fault('gitlab', 'timeout');
		const started = Date.now();
		const err = await gitlab(sb, '/runners/all', { signal: AbortSignal.timeout(500) }).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(Error);
		expect((err as Error).name).toBe('TimeoutError');
		expect(Date.now() - started).toBeGreaterThanOrEqual(450);
	});

	it('timeout: held requests are served once the fault is cleared', async () => {
		await fault('gitlab', 'timeout');
		const pending = gitlab(sb, '/version');
		await new Promise((r) => setTimeout(r, 200));
		expect((await state(sb)).held_requests).toBe(1);
		await fault('gitlab', 'none');
		const res = await pending;
		expect(res.status).toBe(200);
		expect((await state(sb)).held_requests).toBe(0);
	});

	it('close() ends requests held by a timeout fault', async () => {
		const own = await start();
		await controlOk(own, '/faults', { target: 'gitlab', mode: 'timeout' });
		const pending = fetch(`${own.url}/gitlab/api/v4/version`).then(
			() => 'answered',
			() => 'failed'
		);
		await new Promise((r) => setTimeout(r, 100));
		const t = Date.now();
		await own.close();
		expect(Date.now() - t).toBeLessThan(1000);
		expect(await pending).toBe('failed');
	});

	it('applies per upstream prefix only', async () => {
		await fault('github', 'error');
		expect((await fetch(`${sb.url}/github/api/v3/orgs/x/actions/runners`)).status).toBe(500);
		expect((await gitlab(sb, '/version')).status).toBe(200);
		await fault('github', 'none');
		// Served again: the simulated GitHub wants a token.
		expect((await fetch(`${sb.url}/github/api/v3/orgs/x/actions/runners`)).status).toBe(401);
	});
});
