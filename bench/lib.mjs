// Helpers for the benchmarks in bench/: child processes that are always cleaned up,
// a snapshot of the build, small HTTP and Prometheus-text readers, and a table printer.
// No product code is imported: the benchmark drives the built CLI like an operator would.
import { spawn } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, copyFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- cleanup

const children = new Set();
const tempDirs = new Set();
let cleaning;

export function tempDir(prefix) {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	tempDirs.add(dir);
	return dir;
}

/** Stops every child this process started (SIGTERM, then SIGKILL after `graceMs`) and removes temp dirs; returns how each named child stopped. */
export function cleanup(graceMs = 7000) {
	cleaning ??= (async () => {
		const outcomes = {};
		await Promise.all(
			[...children].map(async (c) => {
				if (c.exitCode !== null || c.signalCode !== null) return;
				const t0 = performance.now();
				c.kill('SIGTERM');
				const exited = await Promise.race([c.exited.then(() => true), sleep(graceMs).then(() => false)]);
				if (c.label) outcomes[c.label] = exited ? { sigterm_exit_s: (performance.now() - t0) / 1000 } : { sigterm_exit_s: null, killed: true };
				if (!exited) {
					c.kill('SIGKILL');
					await Promise.race([c.exited, sleep(2000)]);
				}
			})
		);
		for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
		tempDirs.clear();
		return outcomes;
	})();
	return cleaning;
}

let interrupted = false;
export const wasInterrupted = () => interrupted;

/** Last-resort cleanup: on Ctrl-C/SIGTERM stop children then exit; on any exit kill what is left. */
export function installCleanupHandlers() {
	for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
		process.on(sig, () => {
			if (interrupted) return;
			interrupted = true;
			console.error(`\n${sig}: stopping the sandbox and the dashboard…`);
			cleanup(3000).finally(() => process.exit(130));
		});
	}
	process.on('exit', () => {
		for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
		for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
	});
}

// ---------------------------------------------------------------- processes

/**
 * Starts `node [nodeFlags] <script> ...args`, keeping the last lines of its output for
 * error reports. `child.exited` resolves on exit; `child.waitFor(re)` on the first
 * output line matching `re`.
 */
/** `logDir`: also write the child's output to <logDir>/<name>.log (for --trace-gc and the like). */
export function startNode(name, script, args, { env, cwd, nodeFlags = [], logDir } = {}) {
	const child = spawn(process.execPath, [...nodeFlags, script, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
	if (logDir) {
		mkdirSync(logDir, { recursive: true });
		const file = createWriteStream(join(logDir, `${name}.log`));
		child.stdout.pipe(file, { end: false });
		child.stderr.pipe(file, { end: false });
	}
	children.add(child);
	child.label = name;
	child.tail = [];
	const waiters = [];
	child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
	for (const stream of [child.stdout, child.stderr]) {
		let buf = '';
		stream.setEncoding('utf8');
		stream.on('data', (chunk) => {
			buf += chunk;
			let nl;
			while ((nl = buf.indexOf('\n')) >= 0) {
				const line = buf.slice(0, nl);
				buf = buf.slice(nl + 1);
				child.tail.push(line);
				if (child.tail.length > 60) child.tail.shift();
				for (const w of [...waiters]) {
					const m = w.re.exec(line);
					if (m) {
						waiters.splice(waiters.indexOf(w), 1);
						w.resolve(m);
					}
				}
			}
		});
	}
	child.waitFor = (re, timeoutMs = 30_000) =>
		new Promise((resolve, reject) => {
			const w = { re, resolve };
			waiters.push(w);
			const t = setTimeout(() => reject(new Error(`${name}: no line matching ${re} within ${timeoutMs} ms\n${child.tail.join('\n')}`)), timeoutMs);
			child.exited.then(({ code, signal }) => reject(new Error(`${name} exited (${code ?? signal}) before printing ${re}\n${child.tail.join('\n')}`)));
			const done = w.resolve;
			w.resolve = (m) => (clearTimeout(t), done(m));
		});
	return child;
}

/** Runs a node script to completion and returns its stdout (throws with stderr on failure). */
export function runNode(script, args, { env, cwd } = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [script, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
		children.add(child);
		let out = '';
		let err = '';
		child.stdout.on('data', (d) => (out += d));
		child.stderr.on('data', (d) => (err += d));
		child.on('exit', (code) => {
			children.delete(child);
			if (code === 0) resolve(out);
			else reject(new Error(`${script} ${args.join(' ')} failed (${code}): ${err.trim()}`));
		});
	});
}

export async function freePort() {
	const srv = createServer();
	await new Promise((resolve, reject) => srv.once('error', reject).listen(0, '127.0.0.1', resolve));
	const { port } = srv.address();
	await new Promise((r) => srv.close(r));
	return port;
}

/** Resident and peak resident set size of a process, in MiB (Linux /proc). */
export function rss(pid) {
	try {
		const status = readFileSync(`/proc/${pid}/status`, 'utf8');
		const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
		return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
	} catch {
		return { rssMiB: NaN, hwmMiB: NaN };
	}
}

// ---------------------------------------------------------------- build snapshot

/**
 * Copies build/ into a temp dir (with node_modules and package.json linked/copied next
 * to it) so a rebuild by someone else during the run cannot swap the app's lazily loaded
 * chunks from under the running dashboard. Retries while the build is being rewritten.
 */
export function snapshotBuild(root) {
	const stamp = () => (existsSync(join(root, 'build/.inputs-sha256')) ? readFileSync(join(root, 'build/.inputs-sha256'), 'utf8') : '');
	for (let attempt = 1; attempt <= 5; attempt++) {
		const before = stamp();
		const dir = tempDir('rd-bench-build-');
		try {
			cpSync(join(root, 'build'), join(dir, 'build'), { recursive: true });
			copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
			symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
		} catch {
			rmSync(dir, { recursive: true, force: true });
			tempDirs.delete(dir);
			continue;
		}
		if (before && before === stamp() && existsSync(join(dir, 'build/app/handler.js')) && existsSync(join(dir, 'build/cli.js'))) {
			let info = {};
			try {
				info = JSON.parse(readFileSync(join(dir, 'build/build-info.json'), 'utf8'));
			} catch {
				/* older builds have none */
			}
			return { dir, cli: join(dir, 'build/cli.js'), info, inputs: before.slice(0, 12) };
		}
		rmSync(dir, { recursive: true, force: true });
		tempDirs.delete(dir);
	}
	throw new Error('could not take a consistent copy of build/ (it kept changing); run `npm run build` and retry');
}

// ---------------------------------------------------------------- HTTP and metrics

export async function getJson(url, headers = {}, timeoutMs = 10_000) {
	const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
	const text = await res.text();
	if (!res.ok) throw new Error(`GET ${url} → ${res.status}: ${text.slice(0, 200)}`);
	return JSON.parse(text);
}

export async function postJson(url, body, timeoutMs = 60_000) {
	const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
	const text = await res.text();
	if (!res.ok) throw new Error(`POST ${url} ${JSON.stringify(body)} → ${res.status}: ${text.slice(0, 200)}`);
	return text ? JSON.parse(text) : null;
}

/** Parses Prometheus text exposition into [{ name, labels, value }]. */
export function parseProm(text) {
	const out = [];
	for (const line of text.split('\n')) {
		if (!line || line.startsWith('#')) continue;
		const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
		if (!m) continue;
		const labels = {};
		for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
		out.push({ name: m[1], labels, value: Number(m[3]) });
	}
	return out;
}

/** Sum of a metric's samples whose labels include `match`. */
export function sumMetric(samples, name, match = {}) {
	let s = 0;
	for (const x of samples) if (x.name === name && Object.entries(match).every(([k, v]) => x.labels[k] === v)) s += x.value;
	return s;
}

// ---------------------------------------------------------------- load and floors

/** The `p`th percentile (0–100) of ascending `sorted`, nearest rank. */
export function percentile(sorted, p) {
	return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : NaN;
}

/**
 * Runs autocannon against `url` and returns what happened, keeping every response's own
 * duration: autocannon's histogram keeps whole milliseconds, too coarse for a floor of 1–3 ms.
 */
export async function loadRun({ url, headers, connections, duration }) {
	const ms = [];
	const run = autocannon({ url, headers, connections, duration });
	run.on('response', (_client, _status, _bytes, responseMs) => ms.push(responseMs));
	const r = await run;
	const statuses = Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, v]) => [code, v.count]));
	return { ms, seconds: r.duration, requests: r.requests.total, statuses, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts };
}

/** Latency percentiles (from every response), throughput and outcomes of one or more runs together. */
export function summarise(runs) {
	const ms = runs.flatMap((r) => r.ms).sort((a, b) => a - b);
	const sum = (k) => runs.reduce((n, r) => n + r[k], 0);
	const statuses = {};
	for (const r of runs) for (const [code, n] of Object.entries(r.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
	return {
		p50: percentile(ms, 50),
		p90: percentile(ms, 90),
		p99: percentile(ms, 99),
		max: ms.at(-1) ?? NaN,
		rps: sum('requests') / sum('seconds'),
		requests: sum('requests'),
		statuses,
		non2xx: sum('non2xx'),
		errors: sum('errors'),
		timeouts: sum('timeouts')
	};
}

/** One autocannon run, summarised. */
export async function loadTest(options) {
	return summarise([await loadRun(options)]);
}

/** Headers node:http adds to every answer itself; a captured answer is served without them. */
const PER_CONNECTION = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

/** One answer exactly as the server sent it to a client sending `headers` (what autocannon sends). */
export function captureAnswer(url, headers) {
	return new Promise((resolve, reject) => {
		const req = request(url, { headers, timeout: 30_000 }, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => {
				const kept = Object.entries(res.headers).filter(([k]) => !PER_CONNECTION.has(k));
				resolve({ status: res.statusCode, headers: Object.fromEntries(kept), body: Buffer.concat(chunks) });
			});
			res.on('error', reject);
		});
		req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within 30 s`)));
		req.on('error', reject);
		req.end();
	});
}

/**
 * Starts bench/floor-server.mjs answering each `answers` key (path and query) with its
 * captured answer; returns its base URL.
 */
export async function startFloorServer(answers, { cwd } = {}) {
	const file = join(tempDir('rd-bench-floor-'), 'answers.json');
	const json = Object.fromEntries(Object.entries(answers).map(([url, a]) => [url, { status: a.status, headers: a.headers, body_base64: a.body.toString('base64') }]));
	writeFileSync(file, JSON.stringify(json));
	const child = startNode('floor', new URL('./floor-server.mjs', import.meta.url).pathname, [file], { cwd });
	const [, url] = await child.waitFor(/floor listening on (http:\/\/\S+)/);
	return { url, child };
}

// ---------------------------------------------------------------- output

export function table(rows, header) {
	const all = header ? [header, ...rows] : rows;
	const widths = all[0].map((_, i) => Math.max(...all.map((r) => String(r[i] ?? '').length)));
	const line = (r) => r.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  ').trimEnd();
	const out = [];
	if (header) out.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '));
	for (const r of rows) out.push(line(r));
	return out.join('\n');
}

export const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
