// `npm run package` (scripts/package.mjs): two packagings of one commit, from two copies
// of the source at different paths, give the same tarball; the artifact verifies against
// its SHA256SUMS; unpacked alone in an empty directory outside the repo it serves login
// and /api/v1 with nothing but Node, and every module it loads comes from inside it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	compareWithSums,
	copySnapshot,
	formLogin,
	freePort,
	getJson,
	listFiles,
	packageFrom,
	readSums,
	root,
	sha256,
	snapshotSource,
	stopChild,
	waitForFile,
	waitForUrl,
	type Packaged
} from './helpers/image-artifact';

const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
const temps: string[] = [];
const temp = (prefix: string) => {
	const d = mkdtempSync(join(tmpdir(), prefix));
	temps.push(d);
	return d;
};

let first: Packaged;
let second: Packaged;
let srcA: string;

beforeAll(async () => {
	srcA = snapshotSource();
	const srcB = copySnapshot(srcA);
	temps.push(srcA, srcB);
	// One after the other: each compiles better-sqlite3, and this machine has two cores.
	first = await packageFrom(srcA, temp('rd-dist-a-'));
	second = await packageFrom(srcB, temp('rd-dist-b-'));
	console.log(`packaged twice: ${first.seconds.toFixed(0)} s and ${second.seconds.toFixed(0)} s; sha256 ${first.sha256} / ${second.sha256}`);
}, 20 * 60_000);

afterAll(() => {
	for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe('npm run package', () => {
	it('gives byte-identical tarballs for two packagings of one commit (from two source paths)', () => {
		expect(first.tarball).toMatch(new RegExp(`runner-dashboard-${version.replace(/\./g, '\\.')}\\.tgz$`));
		expect(sha256(first.tarball)).toBe(first.sha256);
		expect(sha256(second.tarball)).toBe(second.sha256);
		expect(second.sha256).toBe(first.sha256);
		// The directories match too, file for file.
		expect(readFileSync(join(second.dir, 'SHA256SUMS'), 'utf8')).toBe(readFileSync(join(first.dir, 'SHA256SUMS'), 'utf8'));
	});

	it('prints each step and the tarball sha256', () => {
		for (const step of ['build (scripts/build.mjs', 'npm ci --omit=dev', 'strip native build intermediates', 'SBOM', 'VERSION.json', 'SHA256SUMS', 'tar ']) {
			expect(first.log).toContain(`==> ${step}`);
		}
		expect(first.log).toContain(`sha256 ${first.sha256}  ${first.tarball}`);
	});

	it('stages exactly index.js, build/ (the app, the CLI, the reader thread), package.json, package-lock.json, node_modules/, LICENSE, sbom.cdx.json, VERSION.json, SHA256SUMS', () => {
		const top = [...new Set(listFiles(first.dir).map((f) => f.split('/')[0]))].sort();
		expect(top).toEqual(['LICENSE', 'SHA256SUMS', 'VERSION.json', 'build', 'index.js', 'node_modules', 'package-lock.json', 'package.json', 'sbom.cdx.json']);
		const build = [...new Set(listFiles(join(first.dir, 'build')).map((f) => f.split('/')[0]))].sort();
		expect(build).toEqual(['app', 'build-info.json', 'cli.js', 'reader-worker.js']);
		expect(existsSync(join(first.dir, 'build/app/handler.js'))).toBe(true);
		expect(readFileSync(join(first.dir, 'index.js'), 'utf8')).toContain("import { main } from './build/cli.js';");
		expect(readFileSync(join(first.dir, 'LICENSE'), 'utf8')).toBe(readFileSync(join(root, 'LICENSE'), 'utf8'));
	});

	it('SHA256SUMS lists every file with its hash, and nothing else is there', () => {
		const sums = readSums(first.dir);
		expect(sums.size).toBeGreaterThan(500);
		expect([...sums.keys()]).toEqual([...sums.keys()].sort());
		expect(sums.has('SHA256SUMS')).toBe(false);
		expect(sums.get('index.js')).toBe(sha256(join(first.dir, 'index.js')));
		expect(compareWithSums(first.dir, sums)).toEqual([]);
		// `sha256sum -c` agrees.
		const check = spawnSync('sha256sum', ['--check', '--strict', '--quiet', 'SHA256SUMS'], { cwd: first.dir, encoding: 'utf8' });
		expect(check.stderr + check.stdout).toBe('');
		expect(check.status).toBe(0);
	});

	it('has a production package.json and lockfile, and production node_modules only', () => {
		const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
		const staged = JSON.parse(readFileSync(join(first.dir, 'package.json'), 'utf8'));
		expect(staged).toMatchObject({ name: 'runner-dashboard', version, type: 'module', license: pkg.license, engines: pkg.engines, dependencies: pkg.dependencies });
		expect(staged.devDependencies).toBeUndefined();
		expect(staged.scripts).toBeUndefined();
		const lock = JSON.parse(readFileSync(join(first.dir, 'package-lock.json'), 'utf8'));
		expect(lock.packages['']).toMatchObject({ name: 'runner-dashboard', version, dependencies: pkg.dependencies });
		expect(Object.values<{ dev?: boolean }>(lock.packages).some((e) => e.dev)).toBe(false);
		for (const dep of Object.keys(pkg.dependencies)) expect(existsSync(join(first.dir, 'node_modules', dep, 'package.json')), dep).toBe(true);
		for (const dev of ['vitest', 'vite', '@sveltejs/kit', 'esbuild', 'typescript']) expect(existsSync(join(first.dir, 'node_modules', dev)), dev).toBe(false);
		expect(existsSync(join(first.dir, 'node_modules/.bin'))).toBe(false);
	});

	it('keeps only the compiled better-sqlite3 addon of the native build, built for this Node', () => {
		const buildDir = join(first.dir, 'node_modules/better-sqlite3/build');
		expect(listFiles(buildDir)).toEqual(['Release/better_sqlite3.node']);
		const natives = listFiles(join(first.dir, 'node_modules')).filter((f) => f.endsWith('.node'));
		expect(natives).toEqual(['better-sqlite3/build/Release/better_sqlite3.node']);
		// No build path of the packaging machine leaks into the artifact.
		for (const f of ['better-sqlite3/build/Release/better_sqlite3.node', '.package-lock.json']) {
			const bytes = readFileSync(join(first.dir, 'node_modules', f)).toString('latin1');
			expect(bytes.includes(dirname(first.dir)), f).toBe(false);
		}
	});

	it('VERSION.json records version, revision, build date, Node and its ABI, platform', () => {
		const v = JSON.parse(readFileSync(join(first.dir, 'VERSION.json'), 'utf8'));
		// The commit of the snapshot the artifact was packaged from.
		const rev = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: srcA, encoding: 'utf8' }).stdout.trim();
		const epoch = process.env.SOURCE_DATE_EPOCH || spawnSync('git', ['log', '-1', '--format=%ct'], { cwd: srcA, encoding: 'utf8' }).stdout.trim();
		expect(v).toMatchObject({
			name: 'runner-dashboard',
			version,
			node: process.version,
			node_abi: process.versions.modules,
			platform: process.platform,
			arch: process.arch
		});
		expect(v.revision).toMatch(/^[0-9a-f]{40}$/);
		expect(v.revision).toBe(rev);
		expect(v.built_at).toBe(new Date(Number(epoch) * 1000).toISOString());
		expect(v.libc).toMatch(/^glibc \d+\.\d+$/);
		expect(JSON.parse(readFileSync(join(first.dir, 'build/build-info.json'), 'utf8'))).toEqual({ version, revision: v.revision, built_at: v.built_at, node_abi: v.node_abi });
	});

	it('has a CycloneDX SBOM of the production dependencies, normalised', () => {
		const sbom = JSON.parse(readFileSync(join(first.dir, 'sbom.cdx.json'), 'utf8'));
		const v = JSON.parse(readFileSync(join(first.dir, 'VERSION.json'), 'utf8'));
		expect(sbom.bomFormat).toBe('CycloneDX');
		expect(sbom.metadata.timestamp).toBe(v.built_at);
		expect(sbom.metadata.component).toMatchObject({ name: 'runner-dashboard', version, type: 'application' });
		expect(sbom.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
		const names = sbom.components.map((c: { name: string; group?: string }) => (c.group ? `${c.group}/${c.name}` : c.name));
		expect(names).toEqual(expect.arrayContaining(['better-sqlite3', 'kysely', 'pg', 'zod']));
		expect(names).not.toContain('vitest');
		expect(JSON.stringify(sbom)).not.toContain(dirname(first.dir));
	});

	it('writes a normalised tarball: depth-first sorted entries, one mtime, owner 0:0 without names, no atime/ctime, gzip without name or time', () => {
		const gz = readFileSync(first.tarball);
		expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
		expect(gz[3]! & 0x08).toBe(0); // no FNAME
		expect(gz.readUInt32LE(4)).toBe(0); // no MTIME
		const entries = readTar(gunzipSync(gz));
		const v = JSON.parse(readFileSync(join(first.dir, 'VERSION.json'), 'utf8'));
		const epoch = Date.parse(v.built_at) / 1000;
		expect(entries.length).toBeGreaterThan(listFiles(first.dir).length);
		const prefix = `runner-dashboard-${version}/`;
		for (const e of entries) {
			expect(e.name === prefix.slice(0, -1) || e.name.startsWith(prefix), e.name).toBe(true);
			expect([e.uid, e.gid, e.uname, e.gname, e.mtime], e.name).toEqual([0, 0, '', '', epoch]);
			expect(['0', '5'], e.name).toContain(e.type);
			expect(e.mode & 0o022, e.name).toBe(0);
			for (const k of e.pax) expect(['path', 'linkpath', 'size'], `${e.name} pax ${k}`).toContain(k);
		}
		const names = entries.map((e) => e.name.replace(/\/$/, ''));
		expect(names).toEqual([...names].sort(depthFirst));
		// The tarball holds exactly the staged directory.
		const files = entries.filter((e) => e.type === '0').map((e) => e.name.slice(prefix.length));
		expect(files.sort()).toEqual(listFiles(first.dir).sort());
	});
});

describe('the artifact unpacked alone in an empty directory', () => {
	let runDir: string;
	let app: string;
	let child: ChildProcess | undefined;
	let output = '';
	let url = '';
	let traceLog = '';

	beforeAll(async () => {
		// Outside the repo, where no node_modules of ours can be found by walking up.
		runDir = temp('rd-run-');
		expect(runDir.startsWith(root)).toBe(false);
		for (let d = runDir; ; d = dirname(d)) {
			expect(existsSync(join(d, 'node_modules')), `${d}/node_modules must not exist`).toBe(false);
			if (dirname(d) === d) break;
		}
		copyFileSync(first.tarball, join(runDir, 'artifact.tgz'));
		const untar = spawnSync('tar', ['-xzf', 'artifact.tgz'], { cwd: runDir, encoding: 'utf8' });
		expect(untar.status, untar.stderr).toBe(0);
		app = join(runDir, `runner-dashboard-${version}`);
		writeTracer(runDir);
		traceLog = join(runDir, 'trace.log');
		const port = await freePort();
		url = `http://127.0.0.1:${port}`;
		const cwd = mkdtempSync(join(runDir, 'cwd-'));
		child = spawn(process.execPath, ['--import', pathToFileURL(join(runDir, 'trace-register.mjs')).href, join(app, 'index.js')], {
			cwd,
			env: artifactEnv({ PORT: String(port), RD_TRACE_LOG: traceLog }),
			stdio: ['ignore', 'pipe', 'pipe']
		});
		child.stdout!.on('data', (d) => (output += d));
		child.stderr!.on('data', (d) => (output += d));
		try {
			await waitForUrl(`${url}/healthz`, 30_000);
		} catch (e) {
			throw new Error(`${(e as Error).message}\n${output}`);
		}
	}, 120_000);

	afterAll(async () => {
		if (child) await stopChild(child);
	});

	function artifactEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
		// Only what an operator sets: no NODE_PATH, no NODE_OPTIONS, no npm variables.
		return { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: runDir, HOST: '127.0.0.1', RUNNER_DASHBOARD_DATA_DIR: join(runDir, 'data'), ...extra };
	}

	it('unpacks to the same files as SHA256SUMS says', () => {
		expect(compareWithSums(app, readSums(first.dir), join(first.dir, 'SHA256SUMS'))).toEqual([]);
		// The background readers' thread, which serve starts from beside the CLI bundle.
		expect(readFileSync(join(app, 'build/reader-worker.js'), 'utf8')).toContain('background reader');
	});

	it('answers /healthz', async () => {
		const r = await fetch(`${url}/healthz`);
		expect(r.status).toBe(200);
	});

	it('logs in with the initial admin password and answers /api/v1/me with the session', async () => {
		const password = await waitForFile(join(runDir, 'data/initial-admin-password'));
		expect(password.length).toBeGreaterThanOrEqual(12);
		const login = await formLogin(url, password);
		expect(login.status).toBe(303);
		expect(login.cookie).toMatch(/^rd_session=.+/);
		const me = await getJson(`${url}/api/v1/me`, { cookie: login.cookie! });
		expect(me).toEqual({ status: 200, body: { kind: 'user', name: 'admin', role: 'admin', must_change_password: true } });
		const anonymous = await getJson(`${url}/api/v1/me`, {});
		expect(anonymous.status).toBe(401);
	});

	it('runs the CLI through index.js: a token made by `node index.js token create` works on /api/v1', async () => {
		const r = spawnSync(process.execPath, [join(app, 'index.js'), 'token', 'create', '--name', 'ci', '--role', 'admin'], { cwd: runDir, env: artifactEnv({ PORT: '1' }), encoding: 'utf8' });
		expect(r.status, r.stderr).toBe(0);
		const token = r.stdout.trim();
		expect(token.length).toBeGreaterThan(20);
		const me = await getJson(`${url}/api/v1/me`, { authorization: `Bearer ${token}` });
		expect(me).toEqual({ status: 200, body: { kind: 'token', name: 'token:ci', role: 'admin', must_change_password: false } });
	});

	it('loads every module and the native addon from inside the artifact, and nothing from the repo', () => {
		const lines = readFileSync(traceLog, 'utf8').trim().split('\n');
		const files = new Set<string>();
		for (const line of lines) {
			const [kind, what] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)];
			if (kind === 'import') {
				if (what.startsWith('node:')) continue;
				expect(what, line).toMatch(/^file:\/\//);
				files.add(decodeURIComponent(new URL(what).pathname));
			} else {
				expect(kind, line).toBe('require');
				if (!what.startsWith('/')) continue; // a builtin ("fs", "node:crypto")
				files.add(what);
			}
		}
		const outside = [...files].filter((f) => !f.startsWith(app + sep));
		expect(outside).toEqual([]);
		// The trace saw the app, its dependencies and the addon (so it was really on).
		const seen = [...files].map((f) => f.slice(app.length + 1));
		expect(seen).toEqual(expect.arrayContaining(['index.js', 'build/cli.js', 'build/app/handler.js', 'node_modules/better-sqlite3/build/Release/better_sqlite3.node']));
		expect(seen.some((f) => f.startsWith('node_modules/kysely/'))).toBe(true);
		// And the kernel agrees on the native code mapped into the process.
		const maps = readFileSync(`/proc/${child!.pid}/maps`, 'utf8');
		const mapped = [...new Set(maps.split('\n').map((l) => l.split(/\s+/)[5] ?? '').filter((p) => p.endsWith('.node')))];
		expect(mapped).toEqual([join(app, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')]);
		expect(maps).not.toContain(root);
	});
});

/** A module-resolution tracer, loaded with --import: ESM resolutions via a loader hook, CommonJS via Module._resolveFilename. */
function writeTracer(dir: string) {
	writeFileSync(
		join(dir, 'trace-hooks.mjs'),
		`import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
	const r = await next(specifier, context);
	appendFileSync(log, 'import ' + r.url + '\\n');
	return r;
}
`
	);
	writeFileSync(
		join(dir, 'trace-register.mjs'),
		`import Module, { register } from 'node:module';
import { appendFileSync } from 'node:fs';
const log = process.env.RD_TRACE_LOG;
register(new URL('./trace-hooks.mjs', import.meta.url), { data: { log } });
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
	const file = resolve.call(this, request, ...rest);
	appendFileSync(log, 'require ' + file + '\\n');
	return file;
};
`
	);
}

interface TarEntry {
	name: string;
	type: string;
	mode: number;
	uid: number;
	gid: number;
	uname: string;
	gname: string;
	mtime: number;
	pax: string[];
}

/** A minimal ustar/pax reader: enough to check what `tar` wrote, header by header. */
function readTar(buf: Buffer): TarEntry[] {
	const out: TarEntry[] = [];
	const str = (o: number, n: number) => buf.toString('utf8', o, o + n).replace(/\0.*$/s, '');
	const oct = (o: number, n: number) => parseInt(str(o, n).trim() || '0', 8);
	let off = 0;
	let pax: Record<string, string> = {};
	while (off + 512 <= buf.length) {
		if (buf.subarray(off, off + 512).every((b) => b === 0)) break;
		const type = String.fromCharCode(buf[off + 156]!);
		const size = oct(off + 124, 12);
		const body = buf.subarray(off + 512, off + 512 + size);
		if (type === 'x' || type === 'g') {
			if (type === 'g') throw new Error('global pax header');
			pax = {};
			let text = body.toString('utf8');
			while (text) {
				const sp = text.indexOf(' ');
				const len = Number(text.slice(0, sp));
				const rec = text.slice(sp + 1, len - 1);
				pax[rec.slice(0, rec.indexOf('='))] = rec.slice(rec.indexOf('=') + 1);
				text = text.slice(len);
			}
		} else {
			const prefix = str(off + 345, 155);
			const name = pax.path ?? (prefix ? `${prefix}/${str(off, 100)}` : str(off, 100));
			out.push({ name, type, mode: oct(off + 100, 8), uid: oct(off + 108, 8), gid: oct(off + 116, 8), uname: str(off + 265, 32), gname: str(off + 297, 32), mtime: oct(off + 136, 12), pax: Object.keys(pax) });
			pax = {};
		}
		off += 512 + Math.ceil(size / 512) * 512;
	}
	return out;
}

/** Orders paths as a depth-first walk with each directory's entries sorted bytewise (tar --sort=name). */
function depthFirst(a: string, b: string): number {
	const pa = a.split('/');
	const pb = b.split('/');
	for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
		if (pa[i] !== pb[i]) return Buffer.compare(Buffer.from(pa[i]!), Buffer.from(pb[i]!));
	}
	return pa.length - pb.length;
}
