// `npm start`: build when missing or stale, then run the sandbox fleet on
// SANDBOX_PORT and the dashboard on PORT (both on 127.0.0.1), wired together.
// Either process exiting stops the other.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildAll } from './build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = fileURLToPath(new URL('../build/cli.js', import.meta.url));
const sandboxPort = process.env.SANDBOX_PORT || '3001';
const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;

await buildAll({ ifStale: true });

const children = [];
let exiting = false;
function shutdown(code) {
	if (exiting) return;
	exiting = true;
	for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
	setTimeout(() => process.exit(code), 1500).unref();
}

function run(name, args, env) {
	const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: 'inherit' });
	children.push(child);
	child.on('exit', (code, signal) => {
		if (!exiting) console.error(`${name} exited (${signal ?? code}); stopping`);
		shutdown(code ?? 1);
	});
	return child;
}

async function waitFor(url, ms) {
	const until = Date.now() + ms;
	while (Date.now() < until) {
		try {
			if ((await fetch(url)).ok) return;
		} catch {
			/* not up yet */
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error(`${url} did not come up within ${ms} ms`);
}

run('sandbox', ['sandbox', '--port', sandboxPort]);
try {
	await waitFor(`${sandboxUrl}/_sandbox/state`, 15_000);
} catch (e) {
	console.error(e.message);
	shutdown(1);
}
if (!exiting) {
	run('dashboard', ['serve'], { RUNNER_DASHBOARD_SANDBOX_URL: process.env.RUNNER_DASHBOARD_SANDBOX_URL || sandboxUrl });
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));
