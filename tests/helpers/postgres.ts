// A throwaway PostgreSQL cluster for integration tests, built from Debian's server
// binaries (apt-get install postgresql). Each call gets its own data dir, socket dir
// and loopback port; stop() kills the server and deletes everything.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const PG_ROOT = '/usr/lib/postgresql';
const DB_NAME = 'runner_dashboard_test';
const DB_USER = 'postgres';

export interface TestPostgres {
	/** postgres://user:password@127.0.0.1:port/db */
	url: string;
	/** The temp dir holding data, socket and log; removed by stop(). */
	dir: string;
	stop(): Promise<void>;
}

/** Finds the newest /usr/lib/postgresql/<ver>/bin that has initdb and pg_ctl. */
export function findPostgresBin(): string {
	const versions = existsSync(PG_ROOT)
		? readdirSync(PG_ROOT)
				.filter((v) => /^\d+$/.test(v))
				.sort((a, b) => Number(b) - Number(a))
		: [];
	for (const v of versions) {
		const bin = join(PG_ROOT, v, 'bin');
		if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
	}
	throw new Error(
		`PostgreSQL server binaries not found under ${PG_ROOT}/<version>/bin (initdb, pg_ctl): ` +
			'install Debian\'s postgresql (apt-get install -y postgresql); .ci/run does this.'
	);
}

/** Asks the kernel for a free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const addr = srv.address();
			const port = typeof addr === 'object' && addr ? addr.port : 0;
			srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
		});
	});
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
	try {
		const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
		const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
		return { uid, gid };
	} catch {
		throw new Error('OS user "postgres" not found: install Debian\'s postgresql (apt-get install -y postgresql).');
	}
}

/**
 * Runs a command as the postgres OS user when we are root (PostgreSQL refuses to
 * run as root); as ourselves otherwise.
 */
async function asPostgres(cmd: string, args: string[], cwd: string): Promise<string> {
	const isRoot = process.getuid?.() === 0;
	const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
	try {
		const { stdout, stderr } = await run(file, argv, { cwd, timeout: 60_000, env: { ...process.env, LC_ALL: 'C' } });
		return stdout + stderr;
	} catch (err) {
		const e = err as { stdout?: string; stderr?: string; message: string };
		throw new Error(`${cmd} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
	}
}

/** Starts a fresh cluster; resolves once it accepts connections and the test database exists. */
export async function startPostgres(): Promise<TestPostgres> {
	const bin = findPostgresBin();
	const isRoot = process.getuid?.() === 0;
	const dir = await mkdtemp(join(tmpdir(), 'rd-pg-'));
	const data = join(dir, 'data');
	const sock = join(dir, 'sock');
	const log = join(dir, 'server.log');
	const pwfile = join(dir, 'pwfile');
	const password = `pw-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;

	let started = false;
	const cleanup = async () => {
		if (started) {
			await asPostgres(join(bin, 'pg_ctl'), ['-D', data, 'stop', '-m', 'immediate', '-w'], dir).catch(() => {});
			started = false;
		}
		await rm(dir, { recursive: true, force: true });
	};

	try {
		await writeFile(pwfile, password + '\n', { mode: 0o600 });
		await mkdir(sock);
		if (isRoot) {
			const { uid, gid } = await postgresIds();
			for (const p of [dir, sock, pwfile]) await chown(p, uid, gid);
		}
		await chmod(dir, 0o700);

		await asPostgres(
			join(bin, 'initdb'),
			['-D', data, '-U', DB_USER, '--pwfile', pwfile, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-sync', '--no-instructions'],
			dir
		);

		const port = await freePort();
		const opts = [
			`-p ${port}`,
			`-c listen_addresses=127.0.0.1`,
			`-c unix_socket_directories=${sock}`,
			'-c fsync=off',
			'-c synchronous_commit=off',
			'-c full_page_writes=off',
			'-c max_connections=50'
		].join(' ');
		started = true;
		await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-l', log, '-o', opts, '-w', '-t', '60', 'start'], dir);

		await asPostgres(join(bin, 'createdb'), ['-h', sock, '-p', String(port), '-U', DB_USER, DB_NAME], dir);

		const url = `postgres://${DB_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DB_NAME}`;
		return { url, dir, stop: cleanup };
	} catch (err) {
		let logText = '';
		try {
			logText = (await run('cat', [log])).stdout;
		} catch {
			/* no log yet */
		}
		await cleanup();
		throw new Error(`${(err as Error).message}${logText ? `\n--- server log ---\n${logText}` : ''}`);
	}
}
