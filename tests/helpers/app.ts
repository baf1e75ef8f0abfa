// Starts the built dashboard (build/cli.js serve) wired to its own sandbox fleet, on
// free loopback ports with a throwaway data dir: a real process pair per test file.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = join(root, 'build/cli.js');

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.once('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address() as { port: number };
			s.close(() => resolve(port));
		});
	});
}

export async function waitForUrl(url: string, ms = 30_000, init?: RequestInit): Promise<void> {
	const until = Date.now() + ms;
	let last = '';
	while (Date.now() < until) {
		try {
			const r = await fetch(url, init);
			if (r.ok) return;
			last = `HTTP ${r.status}`;
		} catch (e) {
			last = (e as Error).message;
		}
		await new Promise((r) => setTimeout(r, 150));
	}
	throw new Error(`${url} not ready after ${ms} ms (${last})`);
}

function startProcess(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
	let out = '';
	const child = spawn(process.execPath, [cliPath, ...args], { cwd: root, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
	child.stdout!.on('data', (d) => (out += d));
	child.stderr!.on('data', (d) => (out += d));
	return { child, output: () => out };
}

async function stopProcess(child: ChildProcess) {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise((r) => child.once('exit', r));
	child.kill('SIGTERM');
	const t = setTimeout(() => child.kill('SIGKILL'), 5000);
	await exited;
	clearTimeout(t);
}

export interface RunningApp {
	url: string;
	origin: string;
	sandboxUrl: string;
	dataDir: string;
	adminPassword: string;
	env: Record<string, string>;
	output: () => string;
	/** Runs `runner-dashboard <args>` against the same data dir. */
	cli(args: string[], extraEnv?: Record<string, string>): { status: number | null; stdout: string; stderr: string };
	stop(): Promise<void>;
}

export interface StartOptions {
	env?: Record<string, string>;
	sandbox?: boolean;
	seed?: number;
	/** The sandbox's simulated start (`--epoch`, ISO 8601) for exact timestamps; default the wall clock. */
	epoch?: string;
	/** The sandbox's `--tick-ms`: 0 stands its clock still, so nothing changes upstream but what the test does. */
	tickMs?: number;
	/**
	 * Leave the generated admin password as it is, still to be changed at first sign-in.
	 * By default the helper changes it once (as an operator would) so tests act as admin.
	 */
	initialPassword?: boolean;
	/** Runs once the sandbox answers and before the dashboard starts (e.g. to narrow its permissions). */
	beforeServe?: (sandboxUrl: string) => Promise<void>;
}

export async function startApp(opts: StartOptions = {}): Promise<RunningApp> {
	const dataDir = mkdtempSync(join(tmpdir(), 'rd-test-'));
	const [port, sandboxPort] = [await freePort(), await freePort()];
	const procs: ChildProcess[] = [];
	let sandboxUrl = '';
	if (opts.sandbox !== false) {
		const sb = startProcess(['sandbox', '--port', String(sandboxPort), '--seed', String(opts.seed ?? 1), ...(opts.epoch ? ['--epoch', opts.epoch] : []), ...(opts.tickMs !== undefined ? ['--tick-ms', String(opts.tickMs)] : [])], {});
		procs.push(sb.child);
		sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
		await waitForUrl(`${sandboxUrl}/_sandbox/state`);
		await opts.beforeServe?.(sandboxUrl).catch(async (e) => {
			await Promise.all(procs.map(stopProcess));
			throw e;
		});
	}
	const env: Record<string, string> = {
		PORT: String(port),
		HOST: '127.0.0.1',
		RUNNER_DASHBOARD_DATA_DIR: dataDir,
		...(sandboxUrl ? { RUNNER_DASHBOARD_SANDBOX_URL: sandboxUrl } : {}),
		...opts.env
	};
	const app = startProcess(['serve'], env);
	procs.push(app.child);
	const url = `http://127.0.0.1:${port}`;
	try {
		await waitForUrl(`${url}/healthz`);
	} catch (e) {
		await Promise.all(procs.map(stopProcess));
		throw new Error(`${(e as Error).message}\n${app.output()}`);
	}
	const initial = readFileSync(join(dataDir, 'initial-admin-password'), 'utf8').trim();
	let adminPassword = initial;
	if (!opts.initialPassword) {
		adminPassword = `${initial}-own`;
		await changeInitialPassword(url, initial, adminPassword).catch(async (e) => {
			await Promise.all(procs.map(stopProcess));
			throw new Error(`${(e as Error).message}\n${app.output()}`);
		});
	}
	return {
		url,
		origin: url,
		sandboxUrl,
		dataDir,
		adminPassword,
		env,
		output: app.output,
		cli(args, extraEnv = {}) {
			const r = spawnSync(process.execPath, [cliPath, ...args], { cwd: root, env: { ...process.env, ...env, ...extraEnv }, encoding: 'utf8' });
			return { status: r.status, stdout: r.stdout, stderr: r.stderr };
		},
		async stop() {
			await Promise.all(procs.reverse().map(stopProcess));
			rmSync(dataDir, { recursive: true, force: true });
		}
	};
}

/** The first admin's first sign-in: the generated password is replaced before anything else works. */
export async function changeInitialPassword(url: string, initial: string, next: string): Promise<void> {
	const headers = { origin: url, 'content-type': 'application/json' };
	const r = await fetch(`${url}/api/v1/session`, { method: 'POST', headers, body: JSON.stringify({ username: 'admin', password: initial }) });
	const cookie = r.headers.getSetCookie().find((c) => c.startsWith('rd_session='))?.split(';')[0];
	if (r.status !== 204 || !cookie) throw new Error(`initial sign-in failed: HTTP ${r.status} ${await r.text()}`);
	const c = await fetch(`${url}/api/v1/me/password`, { method: 'POST', headers: { ...headers, cookie }, body: JSON.stringify({ current_password: initial, new_password: next }) });
	if (c.status !== 204) throw new Error(`initial password change failed: HTTP ${c.status} ${await c.text()}`);
}

/** Signs in through the login form like a browser; returns the session cookie header value. */
export async function login(app: RunningApp, username: string, password: string): Promise<string> {
	const r = await fetch(`${app.url}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: app.origin, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ username, password, next: '/fleet' })
	});
	const cookie = r.headers.getSetCookie().find((c) => c.startsWith('rd_session='));
	if (r.status !== 303 || !cookie) throw new Error(`login failed: HTTP ${r.status} ${await r.text()}`);
	return cookie.split(';')[0]!;
}

/** Creates an API token through the CLI on the app's data dir (while the server runs). */
export function createToken(app: RunningApp, name: string, role: 'viewer' | 'operator' | 'admin'): string {
	const r = app.cli(['token', 'create', '--name', name, '--role', role]);
	if (r.status !== 0) throw new Error(`token create failed: ${r.stderr}`);
	return r.stdout.trim();
}

export { spawnSync };

/** Polls `fn` every `intervalMs` until `ok` holds for its value; returns the last value, or throws naming `what`. */
export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000, what = 'condition', intervalMs = 200): Promise<T> {
	const end = Date.now() + ms;
	let v = await fn();
	while (!ok(v)) {
		if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
		await new Promise((r) => setTimeout(r, intervalMs));
		v = await fn();
	}
	return v;
}
