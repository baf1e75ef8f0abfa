// Helpers for the artifact tests (tests/package.test.ts) and the image test
// (tests/image.test.ts): package a frozen copy of the source, verify an artifact
// directory against its SHA256SUMS, and drive a served artifact over HTTP.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { root } from './app';

export { freePort, root, waitForUrl } from './app';

/**
 * A frozen copy of the working tree (tracked and untracked-but-not-ignored files, and
 * .git for the revision and commit time) with its own node_modules (hard links to the
 * repo's where the filesystem allows, else a copy). The packaging runs there, so it never
 * rewrites the repo's build/ under other tests, edits made meanwhile cannot change the
 * input between two packagings, and the layout is a real checkout's (a symlinked
 * node_modules would make the bundler see other absolute paths and order chunks otherwise).
 */
export function snapshotSource(prefix = 'rd-src-'): string {
	const dest = mkdtempSync(join(tmpdir(), prefix));
	const ls = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
	if (ls.status !== 0) throw new Error(`git ls-files failed: ${ls.stderr}`);
	let n = 0;
	for (const rel of ls.stdout.split('\0')) {
		if (!rel || rel.startsWith('node_modules/')) continue;
		const from = join(root, rel);
		const st = lstatSync(from, { throwIfNoEntry: false });
		if (!st?.isFile()) continue; // deleted in the work tree, or a symlink/submodule
		mkdirSync(dirname(join(dest, rel)), { recursive: true });
		copyFileSync(from, join(dest, rel));
		chmodSync(join(dest, rel), st.mode & 0o777);
		n++;
	}
	if (n < 20 || !existsSync(join(dest, 'scripts/package.mjs'))) throw new Error(`snapshot of ${root} looks wrong (${n} files)`);
	cpSync(join(root, '.git'), join(dest, '.git'), { recursive: true, verbatimSymlinks: true });
	copyNodeModules(dest);
	return dest;
}

function copyNodeModules(dest: string) {
	const from = join(root, 'node_modules');
	let r = spawnSync('cp', ['-al', from, join(dest, 'node_modules')], { encoding: 'utf8' });
	if (r.status !== 0) {
		rmSync(join(dest, 'node_modules'), { recursive: true, force: true });
		r = spawnSync('cp', ['-a', from, join(dest, 'node_modules')], { encoding: 'utf8' });
	}
	if (r.status !== 0) throw new Error(`copying node_modules: ${r.stderr}`);
	// Tool caches are written in place; never share those files with the repo's.
	for (const cache of ['.vite', '.cache', '.vitest']) rmSync(join(dest, 'node_modules', cache), { recursive: true, force: true });
}

/** A second, independent copy of a snapshot (before either was built), at another path. */
export function copySnapshot(src: string, prefix = 'rd-src-'): string {
	const dest = mkdtempSync(join(tmpdir(), prefix));
	cpSync(src, dest, { recursive: true, verbatimSymlinks: true, filter: (f) => f !== join(src, 'node_modules') });
	copyNodeModules(dest);
	return dest;
}

/** The environment a person's shell would give `npm run package`: nothing from vitest. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [k, v] of Object.entries(process.env)) {
		if (/^(VITEST|VITE_|TEST$|NODE_ENV$|NODE_OPTIONS$|NODE_PATH$)/.test(k)) continue;
		env[k] = v;
	}
	return { ...env, ...extra };
}

export interface Packaged {
	dir: string;
	tarball: string;
	sha256: string;
	log: string;
	seconds: number;
}

/** Runs `<node> scripts/package.mjs --out-dir <outDir>` in a source tree. */
export function packageFrom(src: string, outDir: string, node = process.execPath, env: Record<string, string> = {}): Promise<Packaged> {
	const started = Date.now();
	return new Promise((resolve, reject) => {
		let log = '';
		const child = spawn(node, [join(src, 'scripts/package.mjs'), '--out-dir', outDir], { cwd: src, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
		child.stdout.on('data', (d) => (log += d));
		child.stderr.on('data', (d) => (log += d));
		child.on('error', reject);
		child.on('close', (code) => {
			const m = log.match(/^sha256 ([0-9a-f]{64}) {2}(\S+\.tgz)$/m);
			if (code !== 0 || !m) return reject(new Error(`packaging failed (exit ${code}):\n${log.slice(-6000)}`));
			const tarball = m[2]!;
			resolve({ dir: tarball.replace(/\.tgz$/, ''), tarball, sha256: m[1]!, log, seconds: (Date.now() - started) / 1000 });
		});
	});
}

export function sha256(path: string): string {
	return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Every entry under dir, relative and '/'-separated, sorted; anything but files and directories throws. */
export function listFiles(dir: string, rel = ''): string[] {
	const out: string[] = [];
	for (const name of readdirSync(join(dir, rel)).sort()) {
		const r = rel ? `${rel}/${name}` : name;
		const st = lstatSync(join(dir, r));
		if (st.isDirectory()) out.push(...listFiles(dir, r));
		else if (st.isFile()) out.push(r);
		else throw new Error(`${join(dir, r)} is neither a file nor a directory`);
	}
	return out;
}

/** SHA256SUMS as a map path → hex, in file order. */
export function readSums(dir: string): Map<string, string> {
	const sums = new Map<string, string>();
	for (const line of readFileSync(join(dir, 'SHA256SUMS'), 'utf8').split('\n')) {
		if (!line) continue;
		const m = line.match(/^([0-9a-f]{64}) {2}(.+)$/);
		if (!m) throw new Error(`malformed SHA256SUMS line: ${JSON.stringify(line)}`);
		sums.set(m[2]!, m[1]!);
	}
	return sums;
}

/**
 * Compares a directory with an artifact's SHA256SUMS, file for file: every listed file
 * present with that hash, nothing else present but SHA256SUMS itself (equal to `sumsFile`
 * when given). Returns the problems found, empty when the tree is the artifact.
 */
export function compareWithSums(dir: string, sums: Map<string, string>, sumsFile?: string): string[] {
	const problems: string[] = [];
	const present = listFiles(dir);
	const expected = new Set([...sums.keys(), 'SHA256SUMS']);
	for (const f of present) if (!expected.has(f)) problems.push(`extra: ${f}`);
	const have = new Set(present);
	for (const [f, hex] of sums) {
		if (!have.has(f)) problems.push(`missing: ${f}`);
		else if (sha256(join(dir, f)) !== hex) problems.push(`differs: ${f}`);
	}
	if (!have.has('SHA256SUMS')) problems.push('missing: SHA256SUMS');
	else if (sumsFile && sha256(join(dir, 'SHA256SUMS')) !== sha256(sumsFile)) problems.push('differs: SHA256SUMS');
	return problems;
}

/** Signs in through the login form like a browser; returns the session cookie ("rd_session=…"). */
export async function formLogin(url: string, password: string): Promise<{ status: number; location: string | null; cookie: string | undefined }> {
	const r = await fetch(`${url}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: url, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ username: 'admin', password })
	});
	const cookie = r.headers
		.getSetCookie()
		.find((c) => c.startsWith('rd_session='))
		?.split(';')[0];
	await r.arrayBuffer();
	return { status: r.status, location: r.headers.get('location'), cookie };
}

export async function getJson(url: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
	const r = await fetch(url, { headers: { accept: 'application/json', ...headers } });
	const text = await r.text();
	let body: unknown = text;
	try {
		body = JSON.parse(text);
	} catch {
		/* keep the text */
	}
	return { status: r.status, body };
}

/** Waits for a file to appear (the app writes initial-admin-password on first start). */
export async function waitForFile(path: string, ms = 20_000): Promise<string> {
	const until = Date.now() + ms;
	while (Date.now() < until) {
		if (existsSync(path)) {
			const text = readFileSync(path, 'utf8').trim();
			if (text) return text;
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`${path} did not appear within ${ms} ms`);
}

/** Stops a child we started (by its pid) and waits for it; SIGKILL after a grace period. */
export async function stopChild(child: { pid?: number; exitCode: number | null; signalCode: string | null; kill: (s?: NodeJS.Signals) => boolean; once: (e: 'exit', f: () => void) => unknown }, graceMs = 8000): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((r) => child.once('exit', r));
	child.kill('SIGTERM');
	const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
	await exited;
	clearTimeout(t);
}
