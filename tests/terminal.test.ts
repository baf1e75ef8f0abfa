// What an operator sees in their terminal, and what a log pipeline sees anywhere else:
// `serve` writes JSON lines when stdout is not a terminal, and readable lines plus a start
// banner (where to sign in, as whom, the password file while it is still the generated
// one, Ctrl+C to stop) when it is; `npm start` (scripts/start.mjs) the same.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliPath, eventually, freePort, waitForUrl } from './helpers/app';
import { onTerminal } from './helpers/terminal';

const dirs: string[] = [];
function dataDir(): string {
	const d = mkdtempSync(join(tmpdir(), 'rd-term-'));
	dirs.push(d);
	return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A readable pino-pretty line: time, level, message (after the terminal's echo of a typed ^C). */
const readable = (level: string, msg: string) => new RegExp(`^(\\^C)?\\[\\d\\d:\\d\\d:\\d\\d\\] ${level}: ${msg}`, 'm');

async function changePassword(url: string, from: string, to: string): Promise<void> {
	const headers = { origin: url, 'content-type': 'application/json' };
	const r = await fetch(`${url}/api/v1/session`, { method: 'POST', headers, body: JSON.stringify({ username: 'admin', password: from }) });
	const cookie = r.headers.getSetCookie().find((c) => c.startsWith('rd_session='))!.split(';')[0]!;
	const c = await fetch(`${url}/api/v1/me/password`, { method: 'POST', headers: { ...headers, cookie }, body: JSON.stringify({ current_password: from, new_password: to }) });
	expect(c.status).toBe(204);
}

describe('serve', () => {
	it('writes JSON lines, one object each, when stdout is not a terminal', async () => {
		const port = await freePort();
		const child = spawn(process.execPath, [cliPath, 'serve'], {
			env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', RUNNER_DASHBOARD_DATA_DIR: dataDir(), LOG_LEVEL: 'info' },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let stdout = '';
		child.stdout.on('data', (d) => (stdout += d));
		const exited = new Promise((r) => child.once('exit', r));
		try {
			await waitForUrl(`http://127.0.0.1:${port}/healthz`);
			await eventually(async () => stdout, (s) => s.includes('"listening"'), 10_000, 'the listening line');
		} finally {
			child.kill('SIGTERM');
			await exited;
		}
		const lines = stdout.split('\n').filter((l) => l !== '');
		const records = lines.map((l) => JSON.parse(l) as { level: number; msg: string; app: string; url?: string });
		expect(records.map((r) => r.msg)).toEqual(expect.arrayContaining(['dashboard ready', 'listening', 'stopping: readiness fails, live streams close, in-flight requests finish']));
		expect(records.every((r) => r.app === 'runner-dashboard' && typeof r.level === 'number')).toBe(true);
		expect(records.find((r) => r.msg === 'listening')!.url).toBe(`http://127.0.0.1:${port}`);
		// No banner and no password on a collected log.
		expect(stdout).not.toContain('Sign in');
		expect(stdout).not.toMatch(/Initial admin password/);
	});

	it('on a terminal: readable lines and a banner naming the sign-in URL, the user, the password file while it still works, and Ctrl+C', async () => {
		const port = await freePort();
		const dir = dataDir();
		const env = { PORT: String(port), HOST: '127.0.0.1', RUNNER_DASHBOARD_DATA_DIR: dir, LOG_LEVEL: 'info' };
		const url = `http://127.0.0.1:${port}`;
		const first = onTerminal(`exec node ${cliPath} serve`, env);
		await waitForUrl(`${url}/healthz`);
		const shown = await eventually(async () => first.output(), (o) => o.includes('Stop:'), 15_000, 'the banner');
		expect(shown).toMatch(readable('INFO', 'dashboard ready'));
		expect(shown).toMatch(readable('INFO', 'listening'));
		expect(shown).toMatch(readable('WARN', 'created the initial admin user'));
		expect(shown).not.toMatch(/^\{"level"/m);
		expect(shown).toMatch(new RegExp(`^  Sign in: +${url}/login$`, 'm'));
		expect(shown).toMatch(/^ {2}User: +admin$/m);
		expect(shown).toContain(`Password: in ${join(dir, 'initial-admin-password')} (you choose your own at first sign-in)`);
		expect(shown).toMatch(/^ {2}Stop: +Ctrl\+C$/m);
		const password = /Initial admin password: (\S+)/.exec(shown)![1]!;

		// Once the generated password is changed, the banner no longer points at the file.
		await changePassword(url, password, `${password}-own`);
		first.interrupt();
		expect(await first.exited).toBe(0);
		expect(first.output()).toMatch(readable('INFO', 'stopping'));
		const second = onTerminal(`exec node ${cliPath} serve`, env);
		try {
			const again = await eventually(async () => second.output(), (o) => o.includes('Stop:'), 30_000, 'the banner');
			expect(again).toMatch(/^ {2}User: +admin$/m);
			expect(again).not.toContain('Password:');
			expect(again).not.toContain('Initial admin password');
		} finally {
			second.interrupt();
			await second.exited;
		}
	});
});

describe('npm start (scripts/start.mjs)', () => {
	it('on a terminal: the sandbox and the dashboard with readable lines and the banner; Ctrl+C stops both', async () => {
		const [port, sandboxPort] = [await freePort(), await freePort()];
		const run = onTerminal('exec node scripts/start.mjs', { PORT: String(port), SANDBOX_PORT: String(sandboxPort), RUNNER_DASHBOARD_DATA_DIR: dataDir(), LOG_LEVEL: 'info' });
		try {
			const shown = await eventually(async () => run.output(), (o) => o.includes('Stop:'), 60_000, 'the banner');
			expect(shown).toContain(`listening on http://127.0.0.1:${sandboxPort}`);
			expect(shown).toMatch(readable('INFO', 'dashboard ready'));
			expect(shown).not.toMatch(/^\{"level"/m);
			expect(shown).toMatch(new RegExp(`^  Sign in: +http://127\\.0\\.0\\.1:${port}/login$`, 'm'));
			expect(shown).toMatch(/^ {2}Sources: +sandbox-gitlab \(simulated\), sandbox-github \(simulated\), sandbox-k8s \(simulated\)$/m);
			expect(shown).toMatch(/^ {2}Stop: +Ctrl\+C$/m);
			// The demo starts mid-day: GitLab jobs are already running.
			const truth = (await (await fetch(`http://127.0.0.1:${sandboxPort}/_sandbox/state`)).json()) as { gitlab: { jobs: { running: number } } };
			expect(truth.gitlab.jobs.running).toBeGreaterThan(20);
		} finally {
			run.interrupt();
			await run.exited;
		}
		await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
		await expect(fetch(`http://127.0.0.1:${sandboxPort}/_sandbox/state`)).rejects.toThrow();
	});
});
