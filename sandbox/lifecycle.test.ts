import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startSandbox } from './index.js';

function count(kind: string): number {
	return process.getActiveResourcesInfo().filter((r) => r === kind).length;
}

/** A request on its own connection (no client keep-alive pool or timers). */
function get(url: string): Promise<number> {
	return new Promise((resolve, reject) => {
		const req = request(url, { agent: false }, (res) => {
			res.resume();
			res.on('end', () => resolve(res.statusCode ?? 0));
		});
		req.on('error', reject);
		req.end();
	});
}

const settle = () => new Promise((r) => setImmediate(r));

/** libuv releases closed handles a loop turn or two later; poll briefly. */
async function eventually(check: () => boolean, ms = 1000): Promise<boolean> {
	const until = Date.now() + ms;
	while (!check()) {
		if (Date.now() > until) return false;
		await new Promise((r) => setTimeout(r, 10));
	}
	return true;
}

describe('lifecycle', () => {
	it('listens on an ephemeral port and reports it', async () => {
		const sb = await startSandbox({ port: 0 });
		try {
			expect(sb.port).toBeGreaterThan(0);
			expect(sb.url).toBe(`http://127.0.0.1:${sb.port}`);
			expect(await get(`${sb.url}/_sandbox/state`)).toBe(200);
		} finally {
			await sb.close();
		}
	});

	it('close() stops timers and sockets, and is idempotent', async () => {
		// Let handles of earlier tests finish closing before taking the baseline.
		await new Promise((r) => setTimeout(r, 100));
		await settle();
		const timers = count('Timeout');
		const servers = count('TCPServerWrap');
		const sockets = count('TCPSocketWrap');
		const sb = await startSandbox({ port: 0, tickMs: 10 });
		expect(count('Timeout')).toBeGreaterThan(timers);
		expect(count('TCPServerWrap')).toBe(servers + 1);
		expect(await get(`${sb.url}/_sandbox/state`)).toBe(200);
		await new Promise((r) => setTimeout(r, 50));
		await Promise.all([sb.close(), sb.close()]);
		await sb.close();
		// Handles of earlier tests may still be closing too, so "no more than before".
		expect(await eventually(() => count('TCPServerWrap') <= servers)).toBe(true);
		expect(await eventually(() => count('TCPSocketWrap') <= sockets)).toBe(true);
		expect(await eventually(() => count('Timeout') <= timers)).toBe(true);
		await expect(get(`${sb.url}/_sandbox/state`)).rejects.toThrow();
	});

	it('runs several sandboxes side by side', async () => {
		const [a, b] = await Promise.all([startSandbox({ port: 0, tickMs: 0 }), startSandbox({ port: 0, tickMs: 0, gitlabRunners: 10 })]);
		try {
			expect(a.port).not.toBe(b.port);
			const sb = (await (await fetch(`${b.url}/_sandbox/state`)).json()) as any;
			expect(sb.gitlab.runners.total).toBe(10);
		} finally {
			await Promise.all([a.close(), b.close()]);
		}
	});

	it('rejects bad options and a taken port', async () => {
		await expect(startSandbox({ port: -1 })).rejects.toThrow(/port/);
		await expect(startSandbox({ port: 0, gitlabRunners: 1.5 })).rejects.toThrow(/gitlabRunners/);
		await expect(startSandbox({ port: 0, gitlabToken: '' })).rejects.toThrow(/gitlabToken/);
		const sb = await startSandbox({ port: 0, tickMs: 0 });
		try {
			await expect(startSandbox({ port: sb.port, tickMs: 0 })).rejects.toThrow(/EADDRINUSE/);
		} finally {
			await sb.close();
		}
	});
});
