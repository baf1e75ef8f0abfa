// Dependency install scripts: only those package.json's allowScripts approves may run,
// whichever npm installs. scripts/npm-ci.mjs (the install command of the workflows and of
// packaging) does a clean install in a copy of the project here, with npm's script shell
// replaced by one that records where each lifecycle script runs. Then exactly the approved
// packages ran a script, tree-sitter-hcl's did not (no build/ of its own), and
// better-sqlite3's binary is in place and loads.
//
// Time: the npm cache is reused (--prefer-offline), and better-sqlite3's installer
// (prebuild-install) is handed a local prebuild of the binary this checkout already has,
// through its documented `local_prebuilds` setting, instead of compiling SQLite for minutes.
// Its install script still has to run to put that binary in place.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvedScripts, specName } from '../scripts/npm-ci.mjs';

const ROOT = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; hasInstallScript?: boolean }> };

/** Packages in the lock that have install scripts. */
const withScripts = Object.entries(lock.packages)
	.filter(([k, v]) => k.startsWith('node_modules/') && v.hasInstallScript)
	.map(([k]) => k.slice('node_modules/'.length))
	.sort();

let dir: string;
let log: string;
let install: ReturnType<typeof spawnSync>;

beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), 'rd-install-scripts-'));
	const copy = join(dir, 'project');
	mkdirSync(join(copy, 'scripts'), { recursive: true });
	for (const f of ['package.json', 'package-lock.json', 'scripts/npm-ci.mjs']) copyFileSync(join(ROOT, f), join(copy, f));

	log = join(dir, 'scripts.log');
	const shell = join(dir, 'record-sh');
	writeFileSync(shell, `#!/bin/sh\nprintf '%s\\n' "$PWD" >> '${log}'\nexec /bin/sh "$@"\n`);
	chmodSync(shell, 0o755);

	const sqlite = lock.packages['node_modules/better-sqlite3']!;
	const prebuilds = join(dir, 'prebuilds');
	mkdirSync(prebuilds);
	const tarball = join(prebuilds, `better-sqlite3-v${sqlite.version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`);
	const tar = spawnSync('tar', ['-czf', tarball, '-C', join(ROOT, 'node_modules/better-sqlite3'), 'build/Release/better_sqlite3.node']);
	if (tar.status !== 0) throw new Error(`tar: ${tar.stderr}`);

	const env: NodeJS.ProcessEnv = {
		...process.env,
		npm_config_script_shell: shell,
		npm_config_better_sqlite3_local_prebuilds: prebuilds,
		npm_config_update_notifier: 'false',
		npm_config_fund: 'false',
		npm_config_audit: 'false'
	};
	delete env.npm_config_build_from_source;
	install = spawnSync(process.execPath, ['scripts/npm-ci.mjs', '--prefer-offline', '--loglevel=error'], { cwd: copy, env, encoding: 'utf8', maxBuffer: 64 << 20 });
}, 600_000);

afterAll(() => {
	if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a clean install of a copy of the project (scripts/npm-ci.mjs)', () => {
	it('succeeds', () => {
		expect(install.status, `${install.stdout}\n${install.stderr}`).toBe(0);
	});

	it('runs the install scripts of exactly the approved packages', () => {
		const ran = [
			...new Set(
				readFileSync(log, 'utf8')
					.split('\n')
					.filter(Boolean)
					.map((d) => relative(join(dir, 'project', 'node_modules'), d).split(sep).join('/'))
			)
		].sort();
		const approved = approvedScripts(pkg).map(specName);
		expect(approved).toEqual(['better-sqlite3', 'esbuild']);
		expect(ran).toEqual(approved);
		// Every other package with an install script was left alone, the HCL grammar included.
		expect(withScripts).toContain('@tree-sitter-grammars/tree-sitter-hcl');
		expect(pkg.allowScripts['@tree-sitter-grammars/tree-sitter-hcl']).toBe(false);
		for (const name of withScripts.filter((n) => !approved.includes(n))) expect(ran, name).not.toContain(name);
	});

	it('leaves tree-sitter-hcl unbuilt and better-sqlite3 loadable', () => {
		const modules = join(dir, 'project', 'node_modules');
		expect(existsSync(join(modules, '@tree-sitter-grammars/tree-sitter-hcl/package.json'))).toBe(true);
		expect(existsSync(join(modules, '@tree-sitter-grammars/tree-sitter-hcl/build'))).toBe(false);
		expect(existsSync(join(modules, 'better-sqlite3/build/Release/better_sqlite3.node'))).toBe(true);
		const probe = spawnSync(
			process.execPath,
			['-e', "const D=require(process.argv[1]);const db=new D(':memory:');console.log(db.prepare('select 41+1 v').get().v)", join(modules, 'better-sqlite3')],
			{ encoding: 'utf8' }
		);
		expect(probe.stderr).toBe('');
		expect(probe.stdout.trim()).toBe('42');
	});
});

describe('where the project installs', () => {
	it('packaging installs through npm-ci.mjs too, and the Dockerfile installs nothing', () => {
		const packaging = readFileSync(join(ROOT, 'scripts/package.mjs'), 'utf8');
		expect(packaging).toContain("import { npmCi } from './npm-ci.mjs'");
		expect(packaging).not.toMatch(/['"]ci['"]/);
		const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
		const runLines = dockerfile.split('\n').filter((l) => /^RUN\b/.test(l));
		expect(runLines.length).toBeGreaterThan(0);
		for (const l of runLines) expect(l).not.toMatch(/\bnpm\b/);
	});
});
