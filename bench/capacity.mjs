#!/usr/bin/env node
// The capacity benchmark (issue 4, acceptance 4): `npm run bench:capacity`.
//
// Starts the sandbox (default fleet, busy) and two dashboards on it through the built CLI:
// one with the built-in scraper only, one with a real Prometheus (Debian's
// /usr/bin/prometheus, scraping the sandbox's exporters every second) configured. Measures:
//   1. PromQL queries per page load (one snapshot + every panel's series, cold), counted by
//      Prometheus itself (prometheus_http_requests_total) — it must not grow with the fleet;
//   2. warm panel API latency p50/p95 for every window × (snapshot + 9 series), sequential
//      requests, and a warm "page load" (the 10 requests in parallel), for both sources;
//   3. the built-in scraper's cost with a full window (6 h at 5 s): the in-process panel
//      computation over a synthetic full window (pure core code, through tsx) and its memory.
// It reports, it does not gate. docs/performance.md ("Capacity") records the runs.
//
// Options (after `npm run bench:capacity --`):
//   --fill S        seconds the dashboards collect before measuring (default 60)
//   --rounds N      sequential requests per (window, endpoint) (default 20)
//   --scale-sets N  ARC scale sets in the sandbox (default 3)
//   --window-only   only part 3 (no processes started)
//   --no-build      use build/ as it is
//   --json FILE     also write every figure as JSON
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { cleanup, fmt, freePort, getJson, installCleanupHandlers, parseProm, postJson, runNode, sleep, snapshotBuild, startNode, sumMetric, table, tempDir } from './lib.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROMETHEUS = '/usr/bin/prometheus';
const WINDOWS = ['1h', '6h', '24h', '7d'];
const PANELS = ['pending', 'running', 'wait_p50_s', 'wait_p95_s', 'saturation', 'duration_p50_s', 'duration_p95_s', 'jobs_per_minute', 'failures'];

const { values: args } = parseArgs({
	options: {
		fill: { type: 'string', default: '60' },
		rounds: { type: 'string', default: '20' },
		'scale-sets': { type: 'string', default: '3' },
		'no-build': { type: 'boolean', default: false },
		'window-only': { type: 'boolean', default: false },
		json: { type: 'string' }
	}
});
const log = (...a) => console.log(...a);
const section = (s) => log(`\n== ${s}`);
const pct = (xs, p) => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};
const cleanEnv = (extra = {}) => {
	const env = { ...process.env, ...extra };
	for (const k of Object.keys(env)) if (k.startsWith('RUNNER_DASHBOARD_') && !(k in extra)) delete env[k];
	return env;
};

const pageRequests = (window) => [`/api/v1/capacity?window=${window}`, ...PANELS.map((p) => `/api/v1/capacity/series?panel=${p}&window=${window}`)];

async function timed(url, headers) {
	const t0 = performance.now();
	const res = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
	const body = await res.json();
	const ms = performance.now() - t0;
	if (!res.ok) throw new Error(`GET ${url} → ${res.status} ${JSON.stringify(body)}`);
	return { ms, body };
}

/**
 * Per round and window: a cold page load (the 10 requests in parallel, as the page sends
 * them, after the answer cache expired), then, warm, the 10 requests one by one and the
 * page again in parallel.
 */
async function latency(base, headers, rounds, coldGapMs) {
	const per = { snapshot: [], series: [], page: [], cold: [] };
	const page = async () => {
		const t0 = performance.now();
		await Promise.all(pageRequests(w0).map((p) => timed(`${base}${p}`, headers)));
		return performance.now() - t0;
	};
	let w0 = '1h';
	for (let r = 0; r < rounds; r++) {
		for (const w of WINDOWS) {
			w0 = w;
			if (coldGapMs) await sleep(coldGapMs);
			per.cold.push(await page());
			for (const p of pageRequests(w)) per[p.includes('/series') ? 'series' : 'snapshot'].push((await timed(`${base}${p}`, headers)).ms);
			per.page.push(await page());
		}
	}
	const all = [...per.snapshot, ...per.series];
	return {
		requests: all.length,
		p50_ms: pct(all, 50),
		p95_ms: pct(all, 95),
		max_ms: Math.max(...all),
		snapshot_p95_ms: pct(per.snapshot, 95),
		series_p95_ms: pct(per.series, 95),
		page_p50_ms: pct(per.page, 50),
		page_p95_ms: pct(per.page, 95),
		cold_page_p50_ms: pct(per.cold, 50),
		cold_page_p95_ms: pct(per.cold, 95)
	};
}

async function startDashboard(name, build, sandboxUrl, extraEnv = {}) {
	const port = await freePort();
	const env = cleanEnv({ PORT: String(port), HOST: '127.0.0.1', RUNNER_DASHBOARD_DATA_DIR: tempDir('rd-bench-data-'), RUNNER_DASHBOARD_SANDBOX_URL: sandboxUrl, LOG_LEVEL: 'warn', ...extraEnv });
	const token = (await runNode(build.cli, ['token', 'create', '--name', 'bench', '--role', 'viewer'], { env, cwd: build.dir })).trim();
	const proc = startNode(name, build.cli, ['serve'], { env, cwd: build.dir });
	const url = `http://127.0.0.1:${port}`;
	for (let i = 0; i < 200; i++) {
		try {
			if ((await fetch(`${url}/healthz`)).ok) break;
		} catch {
			/* starting */
		}
		await sleep(150);
	}
	return { url, headers: { authorization: `Bearer ${token}` }, proc };
}

async function startPrometheus(sdUrl) {
	const dir = tempDir('rd-bench-prometheus-');
	const port = await freePort();
	writeFileSync(
		join(dir, 'prometheus.yml'),
		`global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: sandbox\n    http_sd_configs:\n      - url: ${JSON.stringify(sdUrl)}\n        refresh_interval: 5s\n`
	);
	const child = spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
		stdio: 'ignore'
	});
	process.on('exit', () => child.kill('SIGKILL'));
	const url = `http://127.0.0.1:${port}`;
	for (let i = 0; i < 200; i++) {
		try {
			if ((await fetch(`${url}/-/ready`)).ok) return { url, child };
		} catch {
			/* starting */
		}
		await sleep(150);
	}
	throw new Error('Prometheus did not become ready');
}

/** Queries Prometheus answered so far, by its own counter. */
async function promQueries(url) {
	const m = parseProm(await (await fetch(`${url}/metrics`)).text());
	return sumMetric(m, 'prometheus_http_requests_total', { handler: '/api/v1/query' }) + sumMetric(m, 'prometheus_http_requests_total', { handler: '/api/v1/query_range' });
}

/** The scraper's panel computation over a synthetic full window, with the product's own core modules. */
async function fullWindow(groups) {
	const { register } = await import('tsx/esm/api');
	register();
	const core = (p) => import(pathToFileURL(join(ROOT, 'src/lib/core', p)).href);
	const { SeriesWindow } = await core('series/window.ts');
	const { ScrapeAggregator } = await core('capacity/aggregate.ts');
	const { snapshotFromWindow, seriesFromWindow } = await core('capacity/in-process.ts');
	const { parseExposition } = await core('exposition.ts');
	const interval = 5000;
	const slots = (6 * 3600 * 1000) / interval + 1;
	const win = new SeriesWindow(slots);
	const agg = new ScrapeAggregator();
	const gl = [1, 3, 10, 30, 60, 120, 300, 900, 1800, 3600, '+Inf'];
	const dur = [30, 60, 300, 600, 1800, 3600, 7200, 10800, 18000, 36000, '+Inf'];
	const arc = [5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, '+Inf'];
	const targets = [];
	for (const t of ['docker', 'dind', 'nix']) targets.push({ id: `gl/${t}`, labels: { runner_type: t }, kind: 'gitlab' });
	for (let i = 0; i < groups; i++) targets.push({ id: `arc/${i}`, labels: { scale_set: `gh-${i}` }, kind: 'arc' });
	const text = (k, n) =>
		k === 'gitlab'
			? [
					`gitlab_runner_job_queue_size ${n % 7}`,
					'gitlab_runner_concurrent 100',
					`gitlab_runner_jobs{runner="a",state="running"} ${n % 50}`,
					`gitlab_runner_jobs_total{runner="a"} ${n}`,
					`gitlab_runner_failed_jobs_total{runner="a",failure_reason="script_failure"} ${Math.floor(n / 9)}`,
					...gl.map((le, i) => `gitlab_runner_job_queue_duration_seconds_bucket{runner="a",le="${le}"} ${Math.floor((n * (i + 1)) / gl.length)}`),
					...dur.map((le, i) => `gitlab_runner_job_duration_seconds_bucket{runner="a",le="${le}"} ${Math.floor((n * (i + 1)) / dur.length)}`)
				].join('\n')
			: [
					`gha_assigned_jobs{name="x"} ${n % 9}`,
					`gha_running_jobs{name="x"} ${n % 5}`,
					`gha_busy_runners{name="x"} ${n % 5}`,
					'gha_registered_runners{name="x"} 10',
					`gha_started_jobs_total{job_name="j"} ${n}`,
					`gha_completed_jobs_total{job_name="j",job_result="failed"} ${Math.floor(n / 8)}`,
					...arc.map((le, i) => `gha_job_startup_duration_seconds_bucket{job_name="j",le="${le}"} ${Math.floor((n * (i + 1)) / arc.length)}`),
					...arc.map((le, i) => `gha_job_execution_duration_seconds_bucket{job_name="j",le="${le}"} ${Math.floor((n * (i + 1)) / arc.length)}`)
				].join('\n');
	const t0 = Date.now() - slots * interval;
	const f0 = performance.now();
	for (let s = 0; s < slots; s++) {
		const r = agg.ingest(
			t0 + s * interval,
			targets.map((t) => ({ id: t.id, labels: t.labels, samples: parseExposition(text(t.kind, s)).samples }))
		);
		if (r) win.append(t0 + s * interval, r.row, r.born);
	}
	const fillMs = performance.now() - f0;
	const keys = [...win.keys()].length;
	const end = t0 + (slots - 1) * interval;
	const out = { groups: targets.length, slots, keys, window_mib: (keys * slots * 8 + slots * 8) / 2 ** 20, ingest_ms_per_scrape: fillMs / slots, compute: [] };
	const median = (fn) => {
		const xs = [];
		for (let i = 0; i < 5; i++) {
			const a = performance.now();
			fn();
			xs.push(performance.now() - a);
		}
		return pct(xs, 50);
	};
	for (const w of WINDOWS) {
		const snapMs = median(() => snapshotFromWindow(win, w));
		const per = PANELS.map((p) => median(() => seriesFromWindow(win, p, w, end, 2 * interval)));
		out.compute.push({ window: w, snapshot_ms: snapMs, series_max_ms: Math.max(...per), series_sum_ms: per.reduce((x, y) => x + y, 0) });
	}
	return out;
}

async function main() {
	installCleanupHandlers();
	const results = { machine: { nproc: cpus().length, cpu: cpus()[0]?.model, mem_gib: +(totalmem() / 2 ** 30).toFixed(1), node: process.version } };
	log(`capacity benchmark — ${results.machine.nproc} cores (${results.machine.cpu}), node ${process.version}`);
	if (args['window-only']) args['no-build'] = true;
	if (!args['no-build']) await runNode(join(ROOT, 'scripts/build.mjs'), ['--if-stale'], { cwd: ROOT });
	const build = snapshotBuild(ROOT);
	results.build = { ...build.info, inputs: build.inputs };
	const fill = Number(args.fill);
	const rounds = Number(args.rounds);

	section('built-in scraper with a full window (6 h at 5 s), in-process computation, median of 5, before anything else runs');
	for (const groups of [3, 40]) {
		const f = await fullWindow(groups);
		results[`full_window_${groups + 3}_groups`] = f;
		log(`${f.groups} groups, ${f.slots} slots, ${f.keys} series keys: window ${fmt(f.window_mib, 1)} MiB, aggregation ${fmt(f.ingest_ms_per_scrape, 2)} ms per scrape`);
		log(table(f.compute.map((c) => [c.window, fmt(c.snapshot_ms), fmt(c.series_max_ms), fmt(c.series_sum_ms)]), ['window', 'snapshot ms', 'slowest series ms', 'all 9 series ms']));
	}


	if (args['window-only']) {
		if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2));
		return;
	}
	section('sandbox');
	const sandbox = startNode('sandbox', build.cli, ['sandbox', '--port', '0', '--scale-sets', args['scale-sets']], { env: cleanEnv(), cwd: build.dir });
	const [, sandboxUrl] = await sandbox.waitFor(/listening on (http:\/\/\S+)/);
	await postJson(`${sandboxUrl}/_sandbox/load`, { jobs_per_minute: 240, github_jobs_per_minute: 60 });
	log(`sandbox ${sandboxUrl}: 240 GitLab + 60 GitHub jobs/min, ${args['scale-sets']} scale sets`);

	section(`dashboards (collecting for ${fill} s)`);
	const scraperDash = await startDashboard('dashboard-scraper', build, sandboxUrl);
	let prom = null;
	let promDash = null;
	if (existsSync(PROMETHEUS)) {
		prom = await startPrometheus(`${sandboxUrl}/exporters/http_sd`);
		const cfgDir = tempDir('rd-bench-cfg-');
		writeFileSync(join(cfgDir, 'config.yaml'), `metrics:\n  prometheus:\n    url: ${prom.url}\n`);
		promDash = await startDashboard('dashboard-prometheus', build, sandboxUrl, { RUNNER_DASHBOARD_CONFIG: join(cfgDir, 'config.yaml') });
	} else log(`${PROMETHEUS} not found: Prometheus figures skipped`);
	await sleep(fill * 1000);

	if (promDash) {
		section('PromQL queries per page load (cold: past the 5 s answer cache)');
		const counts = [];
		for (const w of WINDOWS) {
			await sleep(5500);
			const q0 = await promQueries(prom.url);
			await Promise.all(pageRequests(w).map((p) => timed(`${promDash.url}${p}`, promDash.headers)));
			await sleep(300);
			counts.push([w, (await promQueries(prom.url)) - q0]);
		}
		await Promise.all(pageRequests('1h').map((p) => timed(`${promDash.url}${p}`, promDash.headers)));
		const again0 = await promQueries(prom.url);
		await Promise.all(pageRequests('1h').map((p) => timed(`${promDash.url}${p}`, promDash.headers)));
		await sleep(300);
		counts.push(['1h again within 5 s', (await promQueries(prom.url)) - again0]);
		results.promql_per_page_load = Object.fromEntries(counts);
		log(table(counts, ['window', 'PromQL queries (1 snapshot + 9 series)']));
	}

	section(`panel API latency (${rounds} rounds × 4 windows: a cold page load, then 10 warm requests one by one and a warm page load)`);
	const rows = [];
	results.latency = {};
	for (const [name, d] of [
		['scraper', scraperDash],
		['prometheus', promDash]
	]) {
		if (!d) continue;
		// Prometheus answers are reused for 5 s: wait that out so each round's first page load is cold. The scraper's
		// are recomputed after each scrape (every 5 s with a sandbox), so its cold loads come from the same gap.
		const l = await latency(d.url, d.headers, rounds, 5_500);
		const src = (await getJson(`${d.url}/api/v1/capacity?window=1h`, d.headers)).source;
		results.latency[name] = { ...l, source: src };
		rows.push([name, src, l.requests, fmt(l.p50_ms), fmt(l.p95_ms), fmt(l.max_ms), fmt(l.page_p50_ms), fmt(l.page_p95_ms), fmt(l.cold_page_p50_ms), fmt(l.cold_page_p95_ms)]);
	}
	log(table(rows, ['dashboard', 'source', 'warm requests', 'p50 ms', 'p95 ms', 'max ms', 'warm page p50', 'warm page p95', 'cold page p50', 'cold page p95']));

	if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2));
	prom?.child.kill('SIGTERM');
	await cleanup();
}

main().catch(async (e) => {
	console.error(e);
	await cleanup(3000);
	process.exit(1);
});
