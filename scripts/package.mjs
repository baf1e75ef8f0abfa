// `npm run package`: the release artifact, made from the one build (scripts/build.mjs).
//
//   dist/runner-dashboard-<version>/   index.js, build/, package.json, package-lock.json,
//                                      node_modules/ (production, native modules compiled for
//                                      the Node running this script), LICENSE, sbom.cdx.json,
//                                      VERSION.json, SHA256SUMS
//   dist/runner-dashboard-<version>.tgz  the same tree, reproducible: sorted entries, mtimes
//                                      from SOURCE_DATE_EPOCH (else the commit time), owner
//                                      0:0, no atime/ctime, `gzip -n`.
//
// The image's /app is this directory (see Dockerfile). Usage:
//   node scripts/package.mjs [--out-dir DIR]     (default: <repo>/dist)
// The Node that runs this script is the Node the artifact is built for: package with the
// Node major the image runs (VERSION.json records node_abi; the image build checks it).
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import {
	chmodSync,
	copyFileSync,
	cpSync,
	createReadStream,
	createWriteStream,
	existsSync,
	lstatSync,
	mkdirSync,
	readdirSync,
	readFileSync,
	realpathSync,
	rmSync,
	utimesSync,
	writeFileSync
} from 'node:fs';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll } from './build.mjs';
import { npmCi } from './npm-ci.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The index.js at the artifact's root: `node index.js` serves, `node index.js <command> …` runs the CLI. */
export const INDEX_JS = `// runner-dashboard: \`node index.js\` serves; \`node index.js <command> …\` runs the CLI.
import { main } from './build/cli.js';
await main(process.argv.length > 2 ? process.argv.slice(2) : ['serve']);
`;

function step(msg) {
	console.log(`==> ${msg}`);
}

function parseArgs(argv) {
	const opts = { outDir: join(root, 'dist') };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--out-dir' && argv[i + 1]) opts.outDir = resolve(argv[++i]);
		else if (a.startsWith('--out-dir=')) opts.outDir = resolve(a.slice('--out-dir='.length));
		else throw new Error(`unknown argument ${JSON.stringify(a)}; usage: node scripts/package.mjs [--out-dir DIR]`);
	}
	return opts;
}

/** Every path under dir (files, then their directory), relative, '/'-separated, sorted. */
function walk(dir, rel = '') {
	const out = [];
	for (const name of readdirSync(join(dir, rel)).sort()) {
		const r = rel ? `${rel}/${name}` : name;
		const st = lstatSync(join(dir, r));
		if (st.isDirectory()) out.push(...walk(dir, r), { path: r, type: 'dir' });
		else if (st.isFile()) out.push({ path: r, type: 'file', mode: st.mode });
		else out.push({ path: r, type: st.isSymbolicLink() ? 'symlink' : 'other' });
	}
	return out;
}

function sha256File(path) {
	return new Promise((res, rej) => {
		const h = createHash('sha256');
		createReadStream(path)
			.on('data', (d) => h.update(d))
			.on('error', rej)
			.on('end', () => res(h.digest('hex')));
	});
}

/** The npm CLI to run with *this* Node, so native modules compile for this Node's ABI. */
function npmCli() {
	const candidates = [process.env.npm_execpath, join(dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js')];
	const which = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' });
	if (which.status === 0 && which.stdout.trim()) candidates.push(realpathSync(which.stdout.trim()));
	const found = candidates.find((c) => c && /npm-cli\.js$/.test(c) && existsSync(c));
	if (!found) throw new Error('cannot find npm (npm-cli.js); run through `npm run package` or put npm on PATH');
	return found;
}

/** The directory holding this Node's headers (include/node), if they are this exact version. */
function localNodeHeaders() {
	const prefixes = [join(dirname(process.execPath), '..'), process.env.npm_config_nodedir].filter(Boolean);
	for (const prefix of prefixes) {
		const h = join(prefix, 'include/node/node_version.h');
		if (!existsSync(h)) continue;
		const text = readFileSync(h, 'utf8');
		const v = ['MAJOR', 'MINOR', 'PATCH'].map((p) => text.match(new RegExp(`#define NODE_${p}_VERSION (\\d+)`))?.[1]).join('.');
		if (`v${v}` === process.version) return resolve(prefix);
	}
	return null;
}

/** A lockfile for the staged package.json: the root entry mirrors it, dev-only entries go. */
export function productionLock(lock, pkg) {
	if (lock.lockfileVersion < 2 || !lock.packages) throw new Error('package-lock.json must be lockfileVersion 2 or 3');
	const { name, version, license, engines, dependencies } = pkg;
	const packages = { '': { name, version, license, dependencies, engines } };
	// The lock's root entry records no overrides; npm ci compares them with package.json itself.
	for (const [key, entry] of Object.entries(lock.packages)) {
		if (key === '' || entry.dev) continue;
		packages[key] = entry;
	}
	return { name: pkg.name, version: pkg.version, lockfileVersion: lock.lockfileVersion, requires: true, packages };
}

/** CycloneDX from `npm sbom`, made reproducible: fixed timestamp, serial number derived from the content. */
export function normaliseSbom(sbom, builtAt, name) {
	// npm names the root component after the directory; it is the application itself.
	const component = { ...sbom.metadata?.component, type: 'application', name };
	const out = { ...sbom, metadata: { ...sbom.metadata, timestamp: builtAt, component } };
	delete out.serialNumber;
	const h = createHash('sha256').update(JSON.stringify(out)).digest('hex');
	// An RFC 9562 version-8 (custom) UUID from the first 128 bits of the hash.
	const b = h.slice(0, 32).split('');
	b[12] = '8';
	b[16] = ((parseInt(b[16], 16) & 0x3) | 0x8).toString(16);
	const u = b.join('');
	const serialNumber = `urn:uuid:${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20)}`;
	return { bomFormat: out.bomFormat, specVersion: out.specVersion, serialNumber, ...out };
}

// Native packages among the production dependencies and the one compiled file each needs
// at run time. A new native dependency fails packaging until it is listed here.
// The HCL grammar ships a node binding too, but the app loads only its .wasm through
// web-tree-sitter (its install script is not allowed to run): nothing compiled to keep,
// and its prebuilt binaries for other platforms are dropped.
const NATIVE = { 'better-sqlite3': ['build/Release/better_sqlite3.node'], '@tree-sitter-grammars/tree-sitter-hcl': [] };
const DROP = { '@tree-sitter-grammars/tree-sitter-hcl': ['prebuilds', 'src'] };

/** Drops node-gyp's intermediates (objects, Makefiles, config.gypi with build paths, test addons). */
function stripNativeBuilds(nodeModules) {
	const kept = [];
	for (const entry of walk(nodeModules)) {
		if (entry.type !== 'file' || !entry.path.endsWith('/binding.gyp')) continue;
		const pkg = dirname(entry.path);
		const name = pkg.replace(/^(.*\/)?node_modules\//, '');
		const keep = NATIVE[name];
		if (!keep) throw new Error(`${pkg} is a native module not listed in NATIVE (scripts/package.mjs): say which compiled files it needs`);
		for (const d of DROP[name] ?? []) rmSync(join(nodeModules, pkg, d), { recursive: true, force: true });
		const buildDir = join(nodeModules, pkg, 'build');
		if (!existsSync(buildDir) && keep.length === 0) continue;
		for (const e of walk(buildDir)) {
			const p = `build/${e.path}`;
			if (e.type === 'dir' ? keep.some((k) => k.startsWith(`${p}/`)) : keep.includes(p)) continue;
			rmSync(join(buildDir, e.path), { recursive: true, force: true });
		}
		for (const k of keep) {
			if (!existsSync(join(nodeModules, pkg, k))) throw new Error(`${pkg}/${k} was not built`);
			kept.push(`${pkg}/${k}`);
		}
	}
	return kept;
}

/** Modes 0755/0644 and one mtime for everything, so the directory and the tarball are the same everywhere. */
function normaliseTree(dir, epoch) {
	for (const e of walk(dir)) {
		const p = join(dir, e.path);
		if (e.type === 'symlink' || e.type === 'other') throw new Error(`unexpected ${e.type} in the artifact: ${e.path}`);
		chmodSync(p, e.type === 'dir' || e.mode & 0o111 ? 0o755 : 0o644);
		utimesSync(p, epoch, epoch);
	}
	chmodSync(dir, 0o755);
	utimesSync(dir, epoch, epoch);
}

async function tarGz(outDir, name, tgz, epoch) {
	const env = { ...process.env, LC_ALL: 'C' };
	const tar = spawn(
		'tar',
		[
			'--sort=name',
			'--format=posix',
			'--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
			`--mtime=@${epoch}`,
			'--owner=0',
			'--group=0',
			'--numeric-owner',
			'--mode=go-w',
			'-C',
			outDir,
			'-cf',
			'-',
			name
		],
		{ env, stdio: ['ignore', 'pipe', 'inherit'] }
	);
	const gzip = spawn('gzip', ['-9', '-n'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
	tar.stdout.pipe(gzip.stdin);
	const file = createWriteStream(tgz);
	gzip.stdout.pipe(file);
	const exited = (child, what) =>
		new Promise((res, rej) => {
			child.once('error', (e) => rej(new Error(`${what}: ${e.message}`)));
			child.once('close', (code, signal) => (code === 0 ? res() : rej(new Error(`${what} failed (${signal ?? `exit ${code}`})`))));
		});
	await Promise.all([
		exited(tar, 'tar (GNU tar is required)'),
		exited(gzip, 'gzip'),
		new Promise((res, rej) => file.once('close', res).once('error', rej))
	]);
}

export async function packageArtifact({ outDir = join(root, 'dist') } = {}) {
	const started = Date.now();
	const pkgJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
	const name = `runner-dashboard-${pkgJson.version}`;
	const stage = join(outDir, name);
	const tgz = join(outDir, `${name}.tgz`);
	step(`packaging ${name} with node ${process.version} (ABI ${process.versions.modules}, ${process.platform}-${process.arch}) into ${outDir}`);

	step('build (scripts/build.mjs, the one build)');
	await buildAll({ ifStale: true });
	const info = JSON.parse(readFileSync(join(root, 'build/build-info.json'), 'utf8'));
	if (info.version !== pkgJson.version) throw new Error(`build/build-info.json says ${info.version}, package.json ${pkgJson.version}`);
	const epoch = Math.floor(Date.parse(info.built_at) / 1000);

	step(`stage ${relative(process.cwd(), stage) || stage}`);
	rmSync(stage, { recursive: true, force: true });
	rmSync(tgz, { force: true });
	mkdirSync(join(stage, 'build'), { recursive: true });
	cpSync(join(root, 'build/app'), join(stage, 'build/app'), { recursive: true });
	copyFileSync(join(root, 'build/cli.js'), join(stage, 'build/cli.js'));
	copyFileSync(join(root, 'build/reader-worker.js'), join(stage, 'build/reader-worker.js'));
	copyFileSync(join(root, 'build/build-info.json'), join(stage, 'build/build-info.json'));
	writeFileSync(join(stage, 'index.js'), INDEX_JS);
	copyFileSync(join(root, 'LICENSE'), join(stage, 'LICENSE'));
	const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
	const isProd = (n) => lock.packages?.[`node_modules/${n}`] && !lock.packages[`node_modules/${n}`].dev;
	const stagedPkg = {
		name: pkgJson.name,
		version: pkgJson.version,
		private: true,
		type: 'module',
		license: pkgJson.license,
		engines: pkgJson.engines,
		dependencies: pkgJson.dependencies,
		// Pins the production tree resolves with (e.g. content-type for Node 20); npm ci checks them against the lock.
		...(pkgJson.overrides ? { overrides: pkgJson.overrides } : {}),
		// The install scripts that may run (npm-ci.mjs); only production packages are listed.
		...(pkgJson.allowScripts ? { allowScripts: Object.fromEntries(Object.entries(pkgJson.allowScripts).filter(([n]) => isProd(n))) } : {})
	};
	writeFileSync(join(stage, 'package.json'), `${JSON.stringify(stagedPkg, null, 2)}\n`);
	writeFileSync(join(stage, 'package-lock.json'), `${JSON.stringify(productionLock(lock, stagedPkg), null, 2)}\n`);

	// npm runs on this Node (not whatever `node` is first on PATH), and node-gyp compiles
	// against this Node's own headers when it has them (no download), from source (no
	// prebuilt binaries from the network), with build paths mapped out of the objects.
	const headers = localNodeHeaders();
	const npmEnv = {
		...process.env,
		PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
		npm_config_build_from_source: 'true',
		npm_config_update_notifier: 'false',
		npm_config_fund: 'false',
		npm_config_audit: 'false',
		CFLAGS: `${process.env.CFLAGS ?? ''} -ffile-prefix-map=${stage}=.`.trim(),
		CXXFLAGS: `${process.env.CXXFLAGS ?? ''} -ffile-prefix-map=${stage}=.`.trim()
	};
	if (headers) npmEnv.npm_config_nodedir = headers;
	const npm = npmCli();
	step(`npm ci --omit=dev, install scripts of allowScripts only (${npm}; node headers: ${headers ?? "npm's nodedir setting, else node-gyp's download"})`);
	const scripted = npmCi({
		cwd: stage,
		npm: [process.execPath, npm],
		ciArgs: ['--omit=dev', '--no-bin-links', '--prefer-offline', '--loglevel=warn'],
		rebuildArgs: ['--no-bin-links', '--loglevel=warn'],
		env: npmEnv
	});
	console.log(`    install scripts run: ${scripted.join(', ') || 'none'}`);

	step('strip native build intermediates');
	const natives = stripNativeBuilds(join(stage, 'node_modules'));
	for (const n of natives) console.log(`    kept node_modules/${n}`);
	if (!natives.includes('better-sqlite3/build/Release/better_sqlite3.node')) throw new Error('better-sqlite3 was not installed');

	step(`check better-sqlite3 loads on node ${process.version}`);
	const probe = spawnSync(
		process.execPath,
		['-e', "const D=require(process.argv[1]);const db=new D(':memory:');console.log(db.prepare('select sqlite_version() v').get().v);db.close()", join(stage, 'node_modules/better-sqlite3')],
		{ encoding: 'utf8', cwd: stage }
	);
	if (probe.status !== 0) throw new Error(`better-sqlite3 does not load on this Node:\n${probe.stderr}`);
	console.log(`    SQLite ${probe.stdout.trim()}`);

	step('SBOM (npm sbom --sbom-format cyclonedx --omit dev)');
	const sbomRun = spawnSync(process.execPath, [npm, 'sbom', '--sbom-format', 'cyclonedx', '--omit', 'dev'], {
		cwd: stage,
		env: npmEnv,
		encoding: 'utf8',
		maxBuffer: 64 << 20
	});
	if (sbomRun.status !== 0) throw new Error(`npm sbom failed:\n${sbomRun.stderr}`);
	const sbom = normaliseSbom(JSON.parse(sbomRun.stdout), info.built_at, pkgJson.name);
	writeFileSync(join(stage, 'sbom.cdx.json'), `${JSON.stringify(sbom, null, 2)}\n`);
	console.log(`    ${sbom.components?.length ?? 0} components`);

	step('VERSION.json');
	const glibc = process.report?.getReport?.().header?.glibcVersionRuntime;
	const version = {
		name: pkgJson.name,
		version: pkgJson.version,
		revision: info.revision,
		built_at: info.built_at,
		node: process.version,
		node_abi: process.versions.modules,
		platform: process.platform,
		arch: process.arch,
		libc: glibc ? `glibc ${glibc}` : process.platform === 'linux' ? 'musl' : null
	};
	writeFileSync(join(stage, 'VERSION.json'), `${JSON.stringify(version, null, 2)}\n`);
	console.log(`    ${JSON.stringify(version)}`);

	step('SHA256SUMS');
	normaliseTree(stage, epoch);
	const files = walk(stage)
		.filter((e) => e.type === 'file')
		.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
	const lines = [];
	for (const f of files) lines.push(`${await sha256File(join(stage, f.path))}  ${f.path}`);
	writeFileSync(join(stage, 'SHA256SUMS'), `${lines.join('\n')}\n`);
	normaliseTree(stage, epoch);
	console.log(`    ${files.length + 1} files`);

	step(`tar ${relative(process.cwd(), tgz) || tgz} (sorted, mtime ${info.built_at}, owner 0:0, gzip -n)`);
	await tarGz(outDir, name, tgz, epoch);
	const digest = await sha256File(tgz);
	console.log(`packaged in ${((Date.now() - started) / 1000).toFixed(1)} s`);
	console.log(`sha256 ${digest}  ${tgz}`);
	return { dir: stage, tarball: tgz, sha256: digest, version };
}

if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
	try {
		await packageArtifact(parseArgs(process.argv.slice(2)));
	} catch (e) {
		console.error(`package: ${e instanceof Error ? e.message : String(e)}`);
		process.exit(1);
	}
}
