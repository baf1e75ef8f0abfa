// `npm ci` that runs only the dependency install scripts package.json's `allowScripts`
// approves, whichever npm runs it. npm 11 honours allowScripts by itself; npm 10 (what
// Node 22 ships, and what a CI image or packager may have) ignores the field and runs
// every dependency's install script. So: install with --ignore-scripts, then
// `npm rebuild` exactly the approved packages, which runs their scripts and no others.
//
//   node scripts/npm-ci.mjs [npm ci options, e.g. --omit=dev --prefer-offline]
//
// Uses only Node's standard library: it runs before node_modules exists.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Packages whose install scripts allowScripts approves (`true`), as npm specs. */
export function approvedScripts(pkg) {
	return Object.entries(pkg.allowScripts ?? {})
		.filter(([, allowed]) => allowed === true)
		.map(([spec]) => spec)
		.sort();
}

/** The package name of an allowScripts key (`name` or `name@range`, scoped or not). */
export function specName(spec) {
	const at = spec.indexOf('@', 1);
	return at === -1 ? spec : spec.slice(0, at);
}

/**
 * Runs `npm ci --ignore-scripts <ciArgs>` in `cwd`, then `npm rebuild` for the approved
 * packages that were installed (an --omit=dev install leaves dev-only ones out).
 * `npm` is the command and leading arguments that run npm (e.g. [process.execPath, npmCli]).
 * Returns the packages whose scripts ran.
 */
export function npmCi({ cwd, npm = ['npm'], ciArgs = [], rebuildArgs = [], env = process.env }) {
	const run = (args) => {
		const [cmd, ...pre] = npm;
		const r = spawnSync(cmd, [...pre, ...args], { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
		if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`);
	};
	run(['ci', '--ignore-scripts', ...ciArgs]);
	const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
	const approved = approvedScripts(pkg).filter((spec) => existsSync(join(cwd, 'node_modules', specName(spec), 'package.json')));
	if (approved.length > 0) run(['rebuild', '--ignore-scripts=false', ...rebuildArgs, ...approved]);
	return approved;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	try {
		const ran = npmCi({ cwd: process.cwd(), ciArgs: process.argv.slice(2) });
		console.log(`install scripts run: ${ran.join(', ') || 'none'} (allowScripts in package.json)`);
	} catch (e) {
		console.error(`npm-ci: ${e instanceof Error ? e.message : String(e)}`);
		process.exit(1);
	}
}
