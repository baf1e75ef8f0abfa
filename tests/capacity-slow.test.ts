// Capacity when Prometheus answers, but slowly: a delaying proxy between the dashboard and
// a real Prometheus (Debian's binary) scraping the sandbox. Past 3 s the dashboard stops
// waiting and serves the last good values marked stale with their age and the reason,
// promptly; when Prometheus is quick again the values are fresh again.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, createToken, eventually, freePort, root, startApp, waitForUrl, type RunningApp } from './helpers/app';
import { startPrometheus, type RunningPrometheus } from './helpers/prometheus';

type Snapshot = { source: string; as_of: string; age_s: number; stale: boolean; error: string | null; items: { forge: string; group: string | null; running: number | null }[] };

let sandboxProc: ChildProcess;
let app: RunningApp;
let prom: RunningPrometheus;
let proxy: Server;
let token: string;
let configDir: string;
/** How long the proxy holds each Prometheus answer back. */
let delayMs = 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const snapshot = async () => {
	const r = await fetch(`${app.url}/api/v1/capacity?window=1h`, { headers: { authorization: `Bearer ${token}` } });
	expect(r.status).toBe(200);
	return (await r.json()) as Snapshot;
};

beforeAll(async () => {
	const port = await freePort();
	const sandboxUrl = `http://127.0.0.1:${port}`;
	sandboxProc = spawn(process.execPath, [cliPath, 'sandbox', '--port', String(port), '--tick-ms', '0'], { cwd: root, stdio: 'ignore' });
	await waitForUrl(`${sandboxUrl}/_sandbox/state`);
	await fetch(`${sandboxUrl}/_sandbox/load`, { method: 'POST', body: JSON.stringify({ jobs_per_minute: 600 }) });
	await fetch(`${sandboxUrl}/_sandbox/clock`, { method: 'POST', body: JSON.stringify({ advance_s: 1800 }) });
	prom = await startPrometheus({ sdUrl: `${sandboxUrl}/exporters/http_sd` });
	const target = new URL(prom.url);
	proxy = createServer((req, res) => {
		const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
			const chunks: Buffer[] = [];
			up.on('data', (c: Buffer) => chunks.push(c));
			up.on('end', () =>
				setTimeout(() => {
					if (res.destroyed) return;
					res.writeHead(up.statusCode ?? 502, up.headers);
					res.end(Buffer.concat(chunks));
				}, delayMs)
			);
		});
		upstream.on('error', () => res.destroy());
		req.pipe(upstream);
	});
	const proxyPort = await freePort();
	await new Promise<void>((r) => proxy.listen(proxyPort, '127.0.0.1', r));
	configDir = mkdtempSync(join(tmpdir(), 'rd-capacity-slow-'));
	writeFileSync(join(configDir, 'config.yaml'), `metrics:\n  prometheus:\n    url: http://127.0.0.1:${proxyPort}\n    timeout_seconds: 30\n`);
	app = await startApp({ sandbox: false, env: { RUNNER_DASHBOARD_SANDBOX_URL: sandboxUrl, RUNNER_DASHBOARD_CONFIG: join(configDir, 'config.yaml') } });
	token = createToken(app, 'capacity-slow', 'viewer');
	await eventually(() => prom.query('count(up == 1)'), (r) => Number(r[0]?.value[1]) === 7, 30_000, 'Prometheus scraping all 7 exporters');
}, 180_000);

afterAll(async () => {
	proxy?.closeAllConnections();
	proxy?.close();
	await prom?.remove();
	await app?.stop();
	sandboxProc?.kill('SIGTERM');
	if (configDir) rmSync(configDir, { recursive: true, force: true });
});

describe('Prometheus slow', () => {
	it('serves the last values stale, with their age and the reason, without waiting for Prometheus; fresh again when it is quick', async () => {
		const running = (s: Snapshot) => s.items.find((r) => r.forge === 'gitlab' && r.group === 'docker')?.running ?? null;
		const last = await eventually(() => snapshot(), (s) => !s.stale && s.error === null && running(s) !== null, 60_000, 'a fresh snapshot from Prometheus');
		expect(last.source).toBe('prometheus');

		delayMs = 8_000;
		await sleep(6_000); // past the 5 s answer cache
		const t0 = Date.now();
		const slow = await snapshot();
		const waited = Date.now() - t0;
		expect(slow).toMatchObject({ source: 'prometheus', stale: true, as_of: last.as_of });
		expect(slow.error).toMatch(/not answered within 3 s/);
		expect(slow.age_s).toBeGreaterThanOrEqual(6);
		expect(slow.items).toEqual(last.items);
		// It gave up on Prometheus at 3 s rather than holding the page for the 8 s answer.
		expect(waited).toBeLessThan(delayMs - 2_000);

		delayMs = 0;
		const again = await eventually(() => snapshot(), (s) => !s.stale && s.error === null, 60_000, 'fresh capacity once Prometheus is quick');
		expect(Date.parse(again.as_of)).toBeGreaterThan(Date.parse(last.as_of));
		expect(running(again)).toBe(running(last)); // the sandbox's clock stood still
	});
});
