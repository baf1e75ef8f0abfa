// Several `runner-dashboard serve` processes on one throwaway PostgreSQL and one sandbox
// fleet, each on its own port and data dir: the multi-replica tests start, stop, kill and
// restart them one by one.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changeInitialPassword, cliPath, freePort, root, waitForUrl } from './app';
import { startPostgres, type TestPostgres } from './postgres';

export interface Replica {
	name: string;
	url: string;
	child: ChildProcess;
	output: () => string;
}

export interface ReplicaSet {
	pg: TestPostgres;
	sandboxUrl: string;
	replicas: Replica[];
	adminPassword: string;
	/** Starts (or starts again) the replica at `i` on its own port; resolves when it answers /healthz. */
	start(i: number): Promise<Replica>;
	/** SIGTERM (a rolling restart's stop) or SIGKILL; resolves when the process is gone. */
	stop(i: number, signal?: NodeJS.Signals): Promise<void>;
	/** `runner-dashboard <args>` against the shared store. */
	cli(args: string[]): { status: number | null; stdout: string; stderr: string };
	close(): Promise<void>;
}

function spawnServe(env: Record<string, string>): { child: ChildProcess; output: () => string } {
	let out = '';
	const child = spawn(process.execPath, [cliPath, 'serve'], { cwd: root, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
	child.stdout!.on('data', (d) => (out += d));
	child.stderr!.on('data', (d) => (out += d));
	return { child, output: () => out };
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise((r) => child.once('exit', r));
	child.kill(signal);
	const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
	await exited;
	clearTimeout(t);
}

export async function startReplicas(n: number, opts: { leaseSeconds: number; tickMs?: number; /** How many to start now (default all); `start(i)` starts the others. */ initial?: number }): Promise<ReplicaSet> {
	const pg = await startPostgres();
	const dir = mkdtempSync(join(tmpdir(), 'rd-replicas-'));
	const sandboxPort = await freePort();
	let sbOut = '';
	const sandbox = spawn(process.execPath, [cliPath, 'sandbox', '--port', String(sandboxPort), '--seed', '1', ...(opts.tickMs !== undefined ? ['--tick-ms', String(opts.tickMs)] : [])], {
		cwd: root,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	sandbox.stdout!.on('data', (d) => (sbOut += d));
	sandbox.stderr!.on('data', (d) => (sbOut += d));
	const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
	const config = join(dir, 'config.yaml');
	writeFileSync(config, `server:\n  replicas:\n    lease_seconds: ${opts.leaseSeconds}\n`);
	const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
	const replicas: Replica[] = [];
	const set: ReplicaSet = {
		pg,
		sandboxUrl,
		replicas,
		adminPassword: '',
		async start(i) {
			const dataDir = join(dir, `replica-${i}`);
			const p = spawnServe({
				PORT: String(ports[i]),
				HOST: '127.0.0.1',
				RUNNER_DASHBOARD_DATA_DIR: dataDir,
				RUNNER_DASHBOARD_SANDBOX_URL: sandboxUrl,
				RUNNER_DASHBOARD_CONFIG: config,
				DATABASE_URL: pg.url
			});
			const r: Replica = { name: `replica-${i}`, url: `http://127.0.0.1:${ports[i]}`, child: p.child, output: p.output };
			replicas[i] = r;
			try {
				await waitForUrl(`${r.url}/healthz`, 60_000);
			} catch (e) {
				throw new Error(`${(e as Error).message}\n${p.output()}`);
			}
			return r;
		},
		async stop(i, signal) {
			await stopChild(replicas[i]!.child, signal);
		},
		cli(args) {
			const r = spawnSync(process.execPath, [cliPath, ...args], { cwd: root, env: { ...process.env, DATABASE_URL: pg.url, RUNNER_DASHBOARD_DATA_DIR: join(dir, 'cli') }, encoding: 'utf8' });
			return { status: r.status, stdout: r.stdout, stderr: r.stderr };
		},
		async close() {
			await Promise.all(replicas.map((r) => stopChild(r.child)));
			await stopChild(sandbox);
			await pg.stop();
			rmSync(dir, { recursive: true, force: true });
		}
	};
	try {
		await waitForUrl(`${sandboxUrl}/_sandbox/state`);
		// The first replica creates the schema and the first admin; the others find both.
		await set.start(0);
		const initial = readFileSync(join(dir, 'replica-0', 'initial-admin-password'), 'utf8').trim();
		set.adminPassword = `${initial}-own`;
		await changeInitialPassword(replicas[0]!.url, initial, set.adminPassword);
		for (let i = 1; i < (opts.initial ?? n); i++) await set.start(i);
	} catch (e) {
		await set.close();
		throw new Error(`${(e as Error).message}\n--- sandbox ---\n${sbOut.slice(-2000)}`);
	}
	return set;
}
