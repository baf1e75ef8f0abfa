// A rolling update sends SIGTERM: serve must stop promptly, also after real traffic.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, freePort, root, waitForUrl } from './helpers/app';

describe('serve on SIGTERM', () => {
	it('exits 0 within 3 s after serving a few hundred requests, with no listener-leak warning', async () => {
		const port = await freePort();
		const child = spawn(process.execPath, [cliPath, 'serve'], {
			cwd: root,
			env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', RUNNER_DASHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'rd-stop-')), LOG_LEVEL: 'warn' },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let output = '';
		child.stdout!.on('data', (d) => (output += d));
		child.stderr!.on('data', (d) => (output += d));
		const url = `http://127.0.0.1:${port}`;
		await waitForUrl(`${url}/healthz`);
		for (let i = 0; i < 30; i++) await Promise.all(Array.from({ length: 10 }, () => fetch(`${url}/readyz`).then((r) => r.text())));
		const exited = new Promise<{ code: number | null; ms: number }>((resolve) => {
			const t0 = Date.now();
			child.once('exit', (code) => resolve({ code, ms: Date.now() - t0 }));
		});
		child.kill('SIGTERM');
		const { code, ms } = await exited;
		expect(code).toBe(0);
		expect(ms).toBeLessThan(3000);
		expect(output).not.toMatch(/MaxListenersExceededWarning/);
	});
});
