#!/usr/bin/env node
// The fleet benchmark: `npm run bench:fleet`.
//
// Starts the sandbox at the benchmark's size (10 000 GitLab runners, 2 000 GitHub
// runners, 40 ARC scale sets with 1 000 ephemeral runners, 3 000 pods), then the
// dashboard wired to it through the built CLI, exactly as an operator would run them.
// Machines differ severalfold, so every figure is measured beside a floor measured in the
// same run on the same machine, and judged as a ratio:
//   1. time to first full sync (all three sources ok, counts equal to ground truth),
//      against bench/floor-sync.mjs making the same GitLab and GitHub reads with the same
//      concurrency and nothing else;
//   2. upstream requests per steady-state sync cycle vs. the list pages and changed runners;
//   3. every API read at 50 connections (autocannon), against bench/floor-server.mjs, a
//      bare node:http server answering the dashboard's own captured answer to that request;
//   4. peak resident memory of the dashboard (and of the sandbox, for context).
// It reports, it does not gate: the exit code is 0 whatever the figures (130 on Ctrl-C).
// docs/performance.md explains every number and records the measured runs.
//
// Options (after `npm run bench:fleet --`):
//   --duration S        seconds per latency measurement, dashboard and floor each (default 10)
//   --connections N     concurrent connections (default 50)
//   --cycles N          steady-state sync cycles averaged per source (default 4)
//   --only NAMES        measure only the reads whose names contain one of these comma-separated words
//   --no-build          use build/ as it is (default: `scripts/build.mjs --if-stale` first)
//   --json FILE         also write every figure as JSON
//   --cpu-prof DIR      run the dashboard with --cpu-prof, profiles written to DIR on exit
//   --heap-snapshot DIR write a heap snapshot of the dashboard to DIR after the load test
//   --node-flags "..."  node flags for the dashboard (default "--max-old-space-size=256", the deploy module's max_heap_mb)
//   --logs DIR          write the dashboard's and the sandbox's output to DIR (e.g. with --node-flags="... --trace-gc")
//   --replicas N        N > 1: N dashboards on one PostgreSQL (needs --database-url), reported per replica (bench/replicas.mjs)
//   --database-url URL  an empty PostgreSQL database for --replicas
//   --gitlab-runners N, --github-runners N   a smaller fleet (with --replicas; default the benchmark fleet)
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
	captureAnswer,
	cleanup,
	fmt,
	freePort,
	getJson,
	installCleanupHandlers,
	loadRun,
	loadTest,
	parseProm,
	postJson,
	rss,
	runNode,
	sleep,
	snapshotBuild,
	startFloorServer,
	startNode,
	sumMetric,
	summarise,
	table,
	tempDir,
	wasInterrupted
} from './lib.mjs';
import { benchReplicas } from './replicas.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const { values: args } = parseArgs({
	options: {
		duration: { type: 'string', default: '10' },
		connections: { type: 'string', default: '50' },
		cycles: { type: 'string', default: '4' },
		only: { type: 'string' },
		'no-build': { type: 'boolean', default: false },
		json: { type: 'string' },
		'cpu-prof': { type: 'string' },
		'heap-snapshot': { type: 'string' },
		'node-flags': { type: 'string', default: '--max-old-space-size=256' },
		logs: { type: 'string' },
		replicas: { type: 'string', default: '1' },
		'database-url': { type: 'string' },
		'gitlab-runners': { type: 'string' },
		'github-runners': { type: 'string' }
	}
});
const REPLICAS = Math.max(1, Number(args.replicas));
if (REPLICAS > 1 && !args['database-url']) {
	console.error('--replicas needs --database-url postgres://…: an empty PostgreSQL database the replicas share');
	process.exit(2);
}
const DURATION_S = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const CYCLES = Math.max(1, Number(args.cycles));

/** The benchmark fleet (issue 3), as `POST /_sandbox/fleet` takes it. */
const FLEET = { gitlab_runners: 10_000, github_runners: 2_000, scale_sets: 40, ephemeral_runners: 1_000, pods: 3_000 };
/** Targets, each a ratio to its floor measured in the same run, and the memory ceiling. */
const TARGET = { firstSyncRatio: 1.5, p99Ratio: 2, rssMB: 400 };
const SOURCES = { gitlab: 'sandbox-gitlab', github: 'sandbox-github', k8s: 'sandbox-k8s' };
const PER_PAGE = 100;
/** GitLab runners changed on purpose (paused) to exercise the "changed details only" path. */
const INJECTED_CHANGES = 25;
const WARMUP_S = 2;
/**
 * The API reads measured under load. `{runner}` in a path is one GitLab runner's id, read
 * over and over so its forge reads (managers, jobs) come from the 10 s cache.
 */
const READS = [
	['runners, filtered+sorted', '/api/v1/runners?per_page=50&forge=gitlab&status=online&sort=-contacted_at'],
	['runners, search q=', '/api/v1/runners?per_page=50&q=nix-runner-12&sort=name'],
	['runners, page 100', '/api/v1/runners?per_page=50&page=100&sort=name'],
	['runner detail (warm)', '/api/v1/runners/{runner}'],
	['scale sets', '/api/v1/scale-sets'],
	['pods', '/api/v1/pods'],
	['sources', '/api/v1/sources'],
	['drift', '/api/v1/drift'],
	['capacity (warm)', '/api/v1/capacity']
]
	// `route`: the route label of the product's request histogram.
	.map(([name, path]) => ({ name, path, route: path.split('?')[0].replace('{runner}', ':id') }))
	.filter((r) => !args.only || args.only.split(',').some((w) => r.name.includes(w.trim())));

const results = { started_at: new Date().toISOString(), machine: {}, load: {}, fleet: {}, first_sync: {}, steady: {}, latency: [], rss: {}, errors: [] };
const t = () => performance.now();
const load = () => loadavg().map((x) => x.toFixed(2)).join(' / ');
const log = (...a) => console.log(...a);
const section = (title) => log(`\n== ${title}`);

/** CPU seconds (user+sys) a process has used so far. */
function cpuSeconds(pid) {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, CLK_TCK = 100
	} catch {
		return NaN;
	}
}

function cleanEnv(extra = {}) {
	const env = { ...process.env };
	for (const k of ['RUNNER_DASHBOARD_CONFIG', 'DATABASE_URL', 'METRICS_PORT', 'ORIGIN', 'SESSION_SECRET', 'RUNNER_DASHBOARD_SANDBOX_URL', 'PORT', 'HOST', 'SANDBOX_PORT', 'NODE_OPTIONS']) delete env[k];
	return { ...env, ...extra };
}

/** What the sandbox says it holds, in the terms the dashboard is checked against. */
function groundTruth(state) {
	const gh = state.github;
	const byNs = state.k8s.pods.by_namespace ?? {};
	return {
		gitlab: state.gitlab.runners.total,
		githubOrg: gh.runners.total,
		githubPlain: gh.runners.total - gh.runners.ephemeral + gh.repository_runners.total,
		githubRepo: gh.repository_runners.total,
		ephemeral: gh.runners.ephemeral,
		scaleSets: state.arc.scale_sets.length,
		scaleSetRunners: state.arc.scale_sets.reduce((n, s) => n + s.current_runners, 0),
		pods: state.k8s.pods.total,
		podsByNs: byNs,
		// The dashboard watches the runner namespaces only (gitlab-runners, arc-runners by default).
		runnerPods: (byNs['gitlab-runners'] ?? 0) + (byNs['arc-runners'] ?? 0)
	};
}

/** Count, sum and the <=5 ms / <=25 ms buckets of the product's request-duration histogram for one route. */
function handlerStats(samples, route) {
	const m = (name, extra = {}) => sumMetric(samples, name, { route, method: 'GET', ...extra });
	return {
		count: m('runner_dashboard_http_request_duration_seconds_count'),
		sum: m('runner_dashboard_http_request_duration_seconds_sum'),
		le5: m('runner_dashboard_http_request_duration_seconds_bucket', { le: '0.005' }),
		le25: m('runner_dashboard_http_request_duration_seconds_bucket', { le: '0.025' })
	};
}

/** What `after` counts beyond `before` in the sandbox's `GET /_sandbox/requests`, per forge and route. */
function routeDelta(before, after) {
	const out = {};
	for (const [forge, routes] of Object.entries(after)) {
		for (const [route, n] of Object.entries(routes)) {
			const d = n - (before[forge]?.[route] ?? 0);
			if (d) (out[forge] ??= {})[route] = d;
		}
	}
	return out;
}

/** A route delta in a line: list pages and detail calls first, the rest summed. */
function describeCalls(calls) {
	const gl = calls.gitlab ?? {};
	const gh = calls.github ?? {};
	const glOther = Object.entries(gl).filter(([r]) => r !== 'GET /runners/all' && r !== 'GET /runners/:id').reduce((n, [, v]) => n + v, 0);
	const ghOther = Object.entries(gh).filter(([r]) => r !== 'GET /orgs/:org/actions/runners').reduce((n, [, v]) => n + v, 0);
	return (
		`GitLab ${gl['GET /runners/all'] ?? 0} list pages + ${gl['GET /runners/:id'] ?? 0} details${glOther ? ` + ${glOther} other` : ''}; ` +
		`GitHub ${gh['GET /orgs/:org/actions/runners'] ?? 0} list pages${ghOther ? ` + ${ghOther} other` : ''}`
	);
}

const FLOOR_SYNC = fileURLToPath(new URL('./floor-sync.mjs', import.meta.url));

/** One run of bench/floor-sync.mjs: seconds from spawning it until it prints its figures, and what the sandbox answered it. */
async function floorSyncOnce(S, sandboxUrl, cwd) {
	const before = await getJson(`${S}/requests`);
	const t0 = t();
	const child = startNode('floor-sync', FLOOR_SYNC, [sandboxUrl], { env: cleanEnv(), cwd });
	const [line] = await child.waitFor(/^\{.*\}$/, 120_000);
	const seconds = (t() - t0) / 1000;
	await child.exited;
	return { seconds, own: JSON.parse(line), calls: routeDelta(before, await getJson(`${S}/requests`)) };
}

/**
 * The first sync's floor, run before the dashboard starts: once to warm the sandbox's
 * handlers up (the dashboard then meets a warm sandbox too), then measured.
 */
async function floorFirstSync(S, sandboxUrl, cwd) {
	const warmup = await floorSyncOnce(S, sandboxUrl, cwd);
	const measured = await floorSyncOnce(S, sandboxUrl, cwd);
	return { ...measured, warmup_s: warmup.seconds, load: load() };
}

/** Each read's path with `{runner}` filled in, and the dashboard's answer to it, which the floor will serve. */
async function captureReads(D, auth, runnerId) {
	const out = [];
	for (const read of READS) {
		const url = read.path.replace('{runner}', runnerId);
		const answer = await captureAnswer(`${D}${url}`, auth);
		if (answer.status !== 200) throw new Error(`GET ${url} answered ${answer.status}, not 200: ${answer.body.toString().slice(0, 200)}`);
		out.push({ ...read, url, answer });
	}
	return out;
}

/** A short load at 10 connections so both servers meet the measurement warm; not recorded. */
const warmUp = (url, headers) => loadTest({ url, headers, connections: 10, duration: WARMUP_S });

/**
 * One read at CONNECTIONS connections, the dashboard and then the floor answering the same
 * bytes, each after a warm-up; in two halves, dashboard–floor–dashboard–floor, so a change
 * in the machine's load during the read weighs on both alike. The dashboard's own request
 * histogram gives its time in the app.
 */
async function measureRead(read, { D, floorUrl, auth, metrics }) {
	const load0 = load();
	const dashboardUrl = `${D}${read.url}`;
	const floorReadUrl = `${floorUrl}${read.url}`;
	const half = { headers: auth, connections: CONNECTIONS, duration: DURATION_S / 2 };
	await warmUp(dashboardUrl, auth);
	await warmUp(floorReadUrl, auth);
	const h0 = handlerStats(await metrics(), read.route);
	const runs = { dashboard: [], floor: [] };
	for (let i = 0; i < 2; i++) {
		runs.dashboard.push(await loadRun({ url: dashboardUrl, ...half }));
		runs.floor.push(await loadRun({ url: floorReadUrl, ...half }));
	}
	const h1 = handlerStats(await metrics(), read.route);
	const dashboard = summarise(runs.dashboard);
	const floor = summarise(runs.floor);
	const handled = h1.count - h0.count;
	const p99Ratio = dashboard.p99 / floor.p99;
	return {
		name: read.name,
		path: read.url,
		body_bytes: read.answer.body.length,
		dashboard,
		floor,
		p99_ratio: p99Ratio,
		rps_ratio: dashboard.rps / floor.rps,
		// The product's own histogram: time inside the app per request (no queueing before it).
		handler_mean_ms: handled ? ((h1.sum - h0.sum) / handled) * 1000 : NaN,
		pass: p99Ratio <= TARGET.p99Ratio && dashboard.non2xx === 0 && dashboard.errors === 0 && dashboard.timeouts === 0,
		load: `${load0} → ${load()}`
	};
}

const statusText = (statuses) => Object.entries(statuses).map(([code, n]) => `${n}×${code}`).join(' ');

function logRead(r) {
	const d = r.dashboard;
	const f = r.floor;
	log(
		`  ${r.name}: dashboard p50 ${fmt(d.p50, 2)} ms, p99 ${fmt(d.p99, 2)} ms, ${fmt(d.rps, 0)} req/s (${statusText(d.statuses)}, errors ${d.errors}); ` +
			`floor p50 ${fmt(f.p50, 2)} ms, p99 ${fmt(f.p99, 2)} ms, ${fmt(f.rps, 0)} req/s; p99 ${fmt(r.p99_ratio, 2)}× the floor; in the app ${fmt(r.handler_mean_ms, 3)} ms/request (load ${r.load})`
	);
}

async function main() {
	installCleanupHandlers();
	const started = t();
	results.machine = { nproc: cpus().length, cpu: cpus()[0]?.model, mem_gib: +(totalmem() / 2 ** 30).toFixed(1), node: process.version };
	results.load.start = load();
	log(`fleet benchmark — ${results.machine.nproc} cores (${results.machine.cpu}), ${results.machine.mem_gib} GiB, node ${process.version}`);
	log(`load average (1/5/15 min): ${results.load.start}`);

	// ------------------------------------------------------------ build
	if (!args['no-build']) {
		const b0 = t();
		await runNode(join(ROOT, 'scripts/build.mjs'), ['--if-stale'], { cwd: ROOT });
		log(`build checked/updated in ${fmt((t() - b0) / 1000)} s`);
	}
	const build = snapshotBuild(ROOT);
	results.build = { ...build.info, inputs: build.inputs };
	results.node_flags = args['node-flags'] ?? '';
	if (args['node-flags']) log(`dashboard node flags: ${args['node-flags']}`);
	log(`using a snapshot of build/ (${build.info.version ?? '?'} ${build.info.revision ?? ''}, inputs ${build.inputs})`);
	if (REPLICAS > 1) {
		const fleet = { ...FLEET, gitlab_runners: Number(args['gitlab-runners'] ?? FLEET.gitlab_runners), github_runners: Number(args['github-runners'] ?? FLEET.github_runners) };
		Object.assign(results, await benchReplicas({ build, cleanEnv, replicas: REPLICAS, databaseUrl: args['database-url'], fleet, durationS: DURATION_S, connections: CONNECTIONS, cycles: CYCLES, logs: args.logs, log }));
		return;
	}

	// ------------------------------------------------------------ sandbox
	section('sandbox fleet');
	const sandbox = startNode(
		'sandbox',
		build.cli,
		['sandbox', '--port', '0', '--gitlab-runners', String(FLEET.gitlab_runners), '--github-runners', String(FLEET.github_runners), '--scale-sets', String(FLEET.scale_sets), '--tick-ms', '1000'],
		{ env: cleanEnv(), cwd: build.dir, logDir: args.logs }
	);
	const [, sandboxUrl] = await sandbox.waitFor(/listening on (http:\/\/\S+)/);
	const S = `${sandboxUrl}/_sandbox`;
	// No GitHub job load, so ARC runners stay registered and the counts are exact (docs/sandbox.md).
	// GitLab keeps its default load (30 jobs/min) and its runners' normal churn.
	await postJson(`${S}/load`, { github_jobs_per_minute: 0 });
	await postJson(`${S}/fleet`, FLEET);
	await postJson(`${S}/clock`, { advance_s: 180 });
	const truth = groundTruth(await getJson(`${S}/state`));
	results.fleet = { sandbox_url: sandboxUrl, requested: FLEET, truth };
	log(
		table(
			[
				['GitLab runners', FLEET.gitlab_runners, truth.gitlab, truth.gitlab === FLEET.gitlab_runners ? 'ok' : 'MISMATCH'],
				['GitHub runners (plain: org + repository)', FLEET.github_runners, `${truth.githubPlain} (${truth.githubPlain - truth.githubRepo} + ${truth.githubRepo})`, truth.githubPlain === FLEET.github_runners ? 'ok' : 'MISMATCH'],
				['ARC scale sets', FLEET.scale_sets, truth.scaleSets, truth.scaleSets === FLEET.scale_sets ? 'ok' : 'MISMATCH'],
				['ephemeral runners (registered / EphemeralRunners)', FLEET.ephemeral_runners, `${truth.ephemeral} / ${truth.scaleSetRunners}`, truth.ephemeral === FLEET.ephemeral_runners ? 'ok' : 'MISMATCH'],
				['pods', FLEET.pods, `${truth.pods} ${JSON.stringify(truth.podsByNs)}`, truth.pods === FLEET.pods ? 'ok' : 'MISMATCH'],
				['GitHub org runners listed (plain org + ephemeral)', '', truth.githubOrg, '']
			],
			['', 'requested', 'sandbox /_sandbox/state', '']
		)
	);

	// ------------------------------------------------------------ first sync floor
	section('first full sync: the floor (bench/floor-sync.mjs, the same GitLab and GitHub reads and nothing else)');
	const floorSync = await floorFirstSync(S, sandboxUrl, build.dir);
	results.first_sync_floor = floorSync;
	log(
		`floor: ${fmt(floorSync.seconds, 2)} s from spawning it to its last answer (warm-up run ${fmt(floorSync.warmup_s, 2)} s), ${fmt(floorSync.own.cpu_s, 2)} s of CPU; ` +
			`sandbox answered ${describeCalls(floorSync.calls)} (load ${floorSync.load})`
	);

	// ------------------------------------------------------------ dashboard
	section('first full sync: the dashboard');
	const port = await freePort();
	const dataDir = tempDir('rd-bench-data-');
	const nodeFlags = (args['node-flags'] ?? '').split(/\s+/).filter(Boolean);
	if (args['cpu-prof']) {
		mkdirSync(resolve(args['cpu-prof']), { recursive: true });
		nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${resolve(args['cpu-prof'])}`);
	}
	if (args['heap-snapshot']) {
		mkdirSync(resolve(args['heap-snapshot']), { recursive: true });
		nodeFlags.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${resolve(args['heap-snapshot'])}`);
	}
	const env = cleanEnv({ PORT: String(port), HOST: '127.0.0.1', RUNNER_DASHBOARD_DATA_DIR: dataDir, RUNNER_DASHBOARD_SANDBOX_URL: sandboxUrl, LOG_LEVEL: 'warn' });
	const token = (await runNode(build.cli, ['token', 'create', '--name', 'bench', '--role', 'viewer'], { env, cwd: build.dir })).trim();
	const auth = { authorization: `Bearer ${token}` };
	const D = `http://127.0.0.1:${port}`;
	const metrics = async () => parseProm(await (await fetch(`${D}/metrics`, { headers: auth, signal: AbortSignal.timeout(10_000) })).text());

	results.load.before_sync = load();
	const callsBeforeSync = await getJson(`${S}/requests`);
	const sbCpu0 = cpuSeconds(sandbox.pid);
	const wall0 = Date.now();
	const t0 = t();
	const dash = startNode('dashboard', build.cli, ['serve'], { env, cwd: build.dir, nodeFlags, logDir: args.logs });
	let crashed = null;
	dash.exited.then(({ code, signal }) => (crashed = `dashboard exited (${code ?? signal})\n${dash.tail.join('\n')}`));
	const since = () => (t() - t0) / 1000;
	const ready = {};
	const glSeries = [];
	let lastMetricsAt = -Infinity;
	let lastDetailsCheck = -Infinity;
	for (;;) {
		if (crashed) throw new Error(crashed);
		if (since() > 120) throw new Error(`no full sync within 120 s; last state ${JSON.stringify(ready)}\n${dash.tail.slice(-10).join('\n')}`);
		let sources;
		try {
			sources = (await getJson(`${D}/api/v1/sources`, auth, 5000)).items;
		} catch {
			await sleep(100);
			continue;
		}
		ready.http ??= since();
		const s = Object.fromEntries(sources.map((x) => [x.name, x]));
		const gl = s[SOURCES.gitlab];
		const gh = s[SOURCES.github];
		const k8s = s[SOURCES.k8s];
		if (!ready.gitlab && gl?.status === 'ok' && gl.runners === truth.gitlab) {
			ready.gitlab = since();
			ready.gitlab_last_success = (Date.parse(gl.last_success) - wall0) / 1000;
		}
		if (!ready.github && gh?.status === 'ok' && gh.runners === truth.githubOrg) {
			ready.github = since();
			ready.github_last_success = (Date.parse(gh.last_success) - wall0) / 1000;
		}
		if (!ready.k8s && k8s?.status === 'ok') {
			const [ss, pods] = await Promise.all([getJson(`${D}/api/v1/scale-sets?per_page=200`, auth), getJson(`${D}/api/v1/pods?per_page=1`, auth)]);
			const ssRunners = ss.items.reduce((n, x) => n + x.current_runners, 0);
			if (ss.total === truth.scaleSets && ssRunners === truth.scaleSetRunners && pods.total === truth.runnerPods) ready.k8s = since();
			ready.k8s_seen = { scale_sets: ss.total, scale_set_runners: ssRunners, pods: pods.total };
		}
		if (since() - lastMetricsAt >= 0.5) {
			lastMetricsAt = since();
			try {
				glSeries.push([since(), sumMetric(await metrics(), 'runner_dashboard_upstream_requests_total', { source: SOURCES.gitlab })]);
			} catch {
				/* not up yet */
			}
		}
		// Details (tags, version) joined for every GitLab runner: the sandbox tags each one `linux`.
		if (ready.gitlab && !ready.gitlab_details && since() - lastDetailsCheck >= 1) {
			lastDetailsCheck = since();
			const tagged = await getJson(`${D}/api/v1/runners?source=${SOURCES.gitlab}&tag=linux&per_page=1&sort=id`, auth);
			if (tagged.total === truth.gitlab) ready.gitlab_details = since();
		}
		if (ready.gitlab && ready.github && ready.k8s && ready.gitlab_details) break;
		await sleep(200);
	}
	const firstSyncS = Math.max(ready.gitlab, ready.github, ready.k8s);
	const syncCalls = routeDelta(callsBeforeSync, await getJson(`${S}/requests`));
	const dashCpuSync = cpuSeconds(dash.pid);
	const sbCpuSync = cpuSeconds(sandbox.pid) - sbCpu0;
	const afterSyncSamples = await metrics();
	const glRequestsFirst = sumMetric(afterSyncSamples, 'runner_dashboard_upstream_requests_total', { source: SOURCES.gitlab });
	const ghRequestsFirst = sumMetric(afterSyncSamples, 'runner_dashboard_upstream_requests_total', { source: SOURCES.github });
	const glPages = Math.ceil(truth.gitlab / PER_PAGE);
	const listDoneAt = glSeries.find(([, n]) => n >= glPages)?.[0];
	results.first_sync = {
		seconds: firstSyncS,
		http_up_s: ready.http,
		gitlab_s: ready.gitlab,
		gitlab_details_s: ready.gitlab_details,
		github_s: ready.github,
		k8s_s: ready.k8s,
		gitlab_last_success_s: ready.gitlab_last_success,
		github_last_success_s: ready.github_last_success,
		gitlab_requests: glRequestsFirst,
		github_requests: ghRequestsFirst,
		gitlab_list_pages_done_s: listDoneAt ?? null,
		dashboard_cpu_s: dashCpuSync,
		sandbox_cpu_s: sbCpuSync,
		upstream_calls: syncCalls,
		floor_s: floorSync.seconds,
		ratio: firstSyncS / floorSync.seconds,
		load: load()
	};
	results.rss.after_sync = { dashboard: rss(dash.pid), sandbox: rss(sandbox.pid) };
	log(
		table(
			[
				['dashboard answering HTTP', fmt(ready.http, 2), ''],
				[`${SOURCES.gitlab}: ok, ${truth.gitlab} runners`, fmt(ready.gitlab, 2), `last_success at ${fmt(ready.gitlab_last_success, 2)} s; ${glRequestsFirst} requests (${glPages} list pages${listDoneAt ? `, done by ~${fmt(listDoneAt)} s` : ''}, then details)`],
				[`${SOURCES.gitlab}: every runner's details (tags) in`, fmt(ready.gitlab_details, 2), 'checked every 1 s once the source is ok'],
				[`${SOURCES.github}: ok, ${truth.githubOrg} org runners`, fmt(ready.github, 2), `last_success at ${fmt(ready.github_last_success, 2)} s; ${ghRequestsFirst} requests`],
				[`${SOURCES.k8s}: ok, ${truth.scaleSets} scale sets / ${truth.scaleSetRunners} runners / ${truth.runnerPods} runner pods`, fmt(ready.k8s, 2), ''],
				['first full sync', fmt(firstSyncS, 2), `dashboard CPU ${fmt(dashCpuSync)} s, sandbox CPU ${fmt(sbCpuSync)} s, load ${results.first_sync.load}`]
			],
			['milestone (from spawning `serve`)', 'seconds', 'notes']
		)
	);
	log(
		`against the floor: ${fmt(firstSyncS, 2)} s / ${fmt(floorSync.seconds, 2)} s = ${fmt(results.first_sync.ratio, 2)}× (target <= ${TARGET.firstSyncRatio}×); ` +
			`until then the sandbox answered the dashboard ${describeCalls(syncCalls)} (GitHub polls every 2 s, so its pages are read more than once meanwhile; "other" are drift's reads of the GitOps project)`
	);
	log(`RSS after first sync: dashboard ${fmt(results.rss.after_sync.dashboard.rssMiB)} MiB (peak ${fmt(results.rss.after_sync.dashboard.hwmMiB)}), sandbox ${fmt(results.rss.after_sync.sandbox.rssMiB)} MiB`);

	// ------------------------------------------------------------ steady state
	section(`steady-state sync cycles (${CYCLES} per source, after one warm-up cycle)`);
	const cycleCount = (m, src) => sumMetric(m, 'runner_dashboard_sync_duration_seconds_count', { source: src });
	const snap = (m, src) => ({
		at: t(),
		cycles: cycleCount(m, src),
		okCycles: sumMetric(m, 'runner_dashboard_sync_duration_seconds_count', { source: src, outcome: 'ok' }),
		requests: sumMetric(m, 'runner_dashboard_upstream_requests_total', { source: src }),
		okRequests: sumMetric(m, 'runner_dashboard_upstream_requests_total', { source: src, outcome: 'ok' }),
		syncSeconds: sumMetric(m, 'runner_dashboard_sync_duration_seconds_sum', { source: src })
	});
	/** Polls /metrics until `src` completes a cycle; returns the snapshot right after it. */
	async function nextCycleEnd(src, after, timeoutS = 60) {
		const deadline = t() + timeoutS * 1000;
		for (;;) {
			if (crashed) throw new Error(crashed);
			const m = await metrics();
			const s = snap(m, src);
			if (s.cycles > after) return { s, m };
			if (t() > deadline) throw new Error(`${src}: no sync cycle completed within ${timeoutS} s`);
			await sleep(150);
		}
	}
	const k8sEvents0 = sumMetric(await metrics(), 'runner_dashboard_upstream_requests_total', { source: SOURCES.k8s });
	const dashCpu0 = cpuSeconds(dash.pid);
	const steadyT0 = t();

	// The sandbox counts the calls it answered by route: a sync's list pages and detail calls,
	// exactly; the rest are other features' reads of the same forge (drift's GitOps reads, waiting
	// jobs, the forge's runner version), reported beside them.
	const forgeCalls = async (forge, listRoute, detailRoute) => {
		const c = (await getJson(`${S}/requests`))[forge];
		return { list: c[listRoute] ?? 0, details: detailRoute ? (c[detailRoute] ?? 0) : 0, all: Object.values(c).reduce((a, b) => a + b, 0) };
	};
	const githubCalls = () => forgeCalls('github', 'GET /orgs/:org/actions/runners');

	// GitHub (runs concurrently with GitLab's window; it has no details to fetch).
	const githubWindow = (async () => {
		let cur = (await nextCycleEnd(SOURCES.github, snap(await metrics(), SOURCES.github).cycles)).s; // warm-up cycle ends
		const calls0 = await githubCalls();
		const start = cur;
		while (cur.cycles < start.cycles + CYCLES) cur = (await nextCycleEnd(SOURCES.github, cur.cycles)).s;
		return { start, end: cur, calls0, calls1: await githubCalls() };
	})();

	/**
	 * The dashboard's GitLab runners as the last cycle left them: what the list shows of each
	 * (status, paused, name, description, type, IP). Read in the idle gap right after a cycle,
	 * so two such views are exactly what the dashboard saw at those two cycles; `aligned` is
	 * false if a cycle ended while reading.
	 */
	async function gitlabView() {
		const cycles0 = cycleCount(await metrics(), SOURCES.gitlab);
		const out = new Map();
		for (let page = 1; ; page++) {
			const r = await getJson(`${D}/api/v1/runners?source=${SOURCES.gitlab}&per_page=200&sort=id&page=${page}`, auth);
			for (const x of r.items) out.set(x.upstream_id, { paused: x.paused, fp: JSON.stringify([x.status, x.paused, x.name, x.description, x.type, x.ip_address]) });
			if (page * 200 >= r.total) break;
		}
		out.aligned = cycleCount(await metrics(), SOURCES.gitlab) === cycles0;
		return out;
	}
	const changedBetween = (a, b) => [...b].filter(([id, x]) => a.get(id)?.fp !== x.fp).length;

	// GitLab: natural churn window, then one cycle with injected changes.
	// The view is read after every cycle, so a runner that changes and changes back across
	// cycles counts each time the dashboard could have seen it change.
	const sandboxCalls = () => forgeCalls('gitlab', 'GET /runners/all', 'GET /runners/:id');
	let gl = (await nextCycleEnd(SOURCES.gitlab, snap(await metrics(), SOURCES.gitlab).cycles)).s; // warm-up cycle ends
	const calls0 = await sandboxCalls();
	const viewA = await gitlabView();
	const glStart = gl;
	let viewB = viewA;
	let glChanged = 0;
	let windowAligned = viewA.aligned;
	let calls1 = calls0;
	let pagesRead = 0; // list pages a cycle must read, from the sandbox's runner count at each cycle's end
	while (gl.cycles < glStart.cycles + CYCLES) {
		gl = (await nextCycleEnd(SOURCES.gitlab, gl.cycles)).s;
		calls1 = await sandboxCalls();
		pagesRead += Math.ceil(groundTruth(await getJson(`${S}/state`)).gitlab / PER_PAGE);
		const view = await gitlabView();
		windowAligned &&= view.aligned;
		glChanged += changedBetween(viewB, view);
		viewB = view;
	}
	const glEnd = gl;
	// Pause (or resume) runners spread over the id range: their list entries change, so the next cycle must fetch exactly their details.
	const ids = [...viewB.keys()].sort((a, b) => a - b);
	const targets = Array.from({ length: INJECTED_CHANGES }, (_, i) => ids[Math.floor(((i + 0.5) * ids.length) / INJECTED_CHANGES)]);
	for (const id of targets) await postJson(`${S}/gitlab/runners/${id}`, { paused: !viewB.get(id).paused });
	const glInj = (await nextCycleEnd(SOURCES.gitlab, glEnd.cycles)).s;
	const calls2 = await sandboxCalls();
	const viewC = await gitlabView();
	const viewsAligned = windowAligned && viewC.aligned;
	const { start: ghStart, end: ghEnd, calls0: ghCalls0, calls1: ghCalls1 } = await githubWindow;
	const ghListCalls = ghCalls1.list - ghCalls0.list;
	const steadyS = (t() - steadyT0) / 1000;
	const dashCpuSteady = cpuSeconds(dash.pid) - dashCpu0;
	const k8sEvents = sumMetric(await metrics(), 'runner_dashboard_upstream_requests_total', { source: SOURCES.k8s }) - k8sEvents0;

	const state2 = groundTruth(await getJson(`${S}/state`));
	const glPagesNow = Math.ceil(state2.gitlab / PER_PAGE);
	const ghPagesNow = Math.ceil(state2.githubOrg / PER_PAGE);
	const glN = glEnd.cycles - glStart.cycles;
	const glReq = glEnd.requests - glStart.requests;
	const glDetails = calls1.details - calls0.details;
	const glListCalls = calls1.list - calls0.list;
	const injReq = glInj.requests - glEnd.requests;
	const injChanged = changedBetween(viewB, viewC);
	const injCycles = glInj.cycles - glEnd.cycles;
	const ghN = ghEnd.cycles - ghStart.cycles;
	const ghReq = ghEnd.requests - ghStart.requests;
	const steady = {
		gitlab: {
			cycles: glN,
			requests: glReq,
			non_ok_requests: glReq - (glEnd.okRequests - glStart.okRequests),
			failed_cycles: glN - (glEnd.okCycles - glStart.okCycles),
			per_cycle: glReq / glN,
			list_pages: glPagesNow,
			list_calls: glListCalls,
			details_fetched: glDetails,
			changed_runners_observed: glChanged,
			// Reads of the same GitLab for other features (drift: the GitOps project's branch head and
			// state), not part of a runner sync cycle.
			other_reads: calls1.all - calls0.all - glListCalls - glDetails,
			// What the dashboard counted equals what the sandbox answered.
			counts_agree: glReq === calls1.all - calls0.all,
			mean_cycle_s: (glEnd.syncSeconds - glStart.syncSeconds) / glN,
			list_pages_due: pagesRead,
			// Every cycle reads each list page once, and details only for runners whose list entry changed or that are new.
			pass: glReq === calls1.all - calls0.all && glListCalls <= pagesRead && glDetails <= glChanged
		},
		gitlab_injected: {
			cycles: injCycles,
			injected: INJECTED_CHANGES,
			requests: injReq,
			list_pages: glPagesNow,
			list_calls: calls2.list - calls1.list,
			details_fetched: calls2.details - calls1.details,
			changed_runners_observed: injChanged,
			cycle_s: glInj.syncSeconds - glEnd.syncSeconds,
			pass: injReq === calls2.all - calls1.all && calls2.list - calls1.list <= injCycles * glPagesNow && calls2.details - calls1.details <= injChanged
		},
		github: {
			cycles: ghN,
			requests: ghReq,
			non_ok_requests: ghReq - (ghEnd.okRequests - ghStart.okRequests),
			failed_cycles: ghN - (ghEnd.okCycles - ghStart.okCycles),
			list_calls: ghListCalls,
			// The sync reads only the list pages; reads of the same GitHub for other features are counted apart.
			per_cycle: ghListCalls / ghN,
			other_reads: ghCalls1.all - ghCalls0.all - ghListCalls,
			list_pages: ghPagesNow,
			details_fetched: 0,
			mean_cycle_s: (ghEnd.syncSeconds - ghStart.syncSeconds) / ghN,
			pass: ghListCalls <= ghN * ghPagesNow
		},
		k8s_watch_events: k8sEvents,
		changed_views_aligned: viewsAligned,
		window_s: steadyS,
		dashboard_cpu_s: dashCpuSteady,
		load: load()
	};
	results.steady = steady;
	log(
		table(
			[
				[
					`${SOURCES.gitlab} (natural churn)`,
					steady.gitlab.cycles,
					fmt((steady.gitlab.list_calls + steady.gitlab.details_fetched) / glN, 2),
					`${fmt(steady.gitlab.list_calls / glN, 2)} (due ${fmt(steady.gitlab.list_pages_due / glN, 2)})`,
					`${steady.gitlab.details_fetched} (${fmt(steady.gitlab.details_fetched / glN, 2)}/cycle)`,
					steady.gitlab.changed_runners_observed,
					fmt(steady.gitlab.mean_cycle_s, 2),
					steady.gitlab.pass ? 'PASS' : 'FAIL'
				],
				[
					`${SOURCES.gitlab} (+${INJECTED_CHANGES} paused)`,
					steady.gitlab_injected.cycles,
					fmt((steady.gitlab_injected.list_calls + steady.gitlab_injected.details_fetched) / injCycles, 2),
					fmt(steady.gitlab_injected.list_calls / injCycles, 2),
					steady.gitlab_injected.details_fetched,
					steady.gitlab_injected.changed_runners_observed,
					fmt(steady.gitlab_injected.cycle_s / injCycles, 2),
					steady.gitlab_injected.pass ? 'PASS' : 'FAIL'
				],
				[`${SOURCES.github}`, steady.github.cycles, fmt(steady.github.per_cycle, 2), steady.github.list_pages, '0 (list only)', 'n/a', fmt(steady.github.mean_cycle_s, 2), steady.github.pass ? 'PASS' : 'FAIL']
			],
			['source', 'cycles', 'requests/cycle', 'list pages/cycle', 'details fetched', 'changed (observed)', 'cycle s', 'target']
		)
	);
	log(
		`window ${fmt(steadyS)} s; other reads of ${SOURCES.gitlab} in the window (drift: GitOps branch head and state; waiting jobs: pending jobs) ${steady.gitlab.other_reads}; ` +
			`other reads of ${SOURCES.github} in its window (waiting jobs: workflow runs and their jobs; the forge's runner version) ${steady.github.other_reads} (${fmt(steady.github.other_reads / ghN, 2)}/cycle); ` +
			`the dashboard's own request count ${steady.gitlab.counts_agree ? 'equals' : 'DIFFERS FROM'} the sandbox's; failed cycles: gitlab ${steady.gitlab.failed_cycles}, github ${steady.github.failed_cycles}; non-ok requests: gitlab ${steady.gitlab.non_ok_requests}, github ${steady.github.non_ok_requests}; ` +
			`${SOURCES.k8s} watch events ${k8sEvents} (the product counts each as an upstream request); dashboard CPU ${fmt(dashCpuSteady)} s (${fmt((100 * dashCpuSteady) / steadyS, 0)} % of one core); load ${steady.load}`
	);
	log(
		'"changed (observed)": GitLab runners whose list entry (status, paused, name, description, type, IP) differs between the dashboard\'s fleet right after one cycle and right after the next, summed over the window' +
			(viewsAligned ? '.' : ' (WARNING: a cycle ended while the bench was reading; the count is approximate).')
	);

	// ------------------------------------------------------------ API reads
	section(`API reads against their floors (${CONNECTIONS} connections, ${DURATION_S} s each in two halves alternating with the floor, after a ${WARMUP_S} s warm-up of both)`);
	results.load.before_latency = load();
	const runnerId = (await getJson(`${D}/api/v1/runners?forge=gitlab&per_page=1&sort=name`, auth)).items[0].id;
	const reads = await captureReads(D, auth, runnerId);
	const floorServer = await startFloorServer(Object.fromEntries(reads.map((r) => [r.url, r.answer])), { cwd: build.dir });
	const dashCpuL0 = cpuSeconds(dash.pid);
	const latT0 = t();
	for (const read of reads) {
		const row = await measureRead(read, { D, floorUrl: floorServer.url, auth, metrics });
		results.latency.push(row);
		logRead(row);
	}
	const latS = (t() - latT0) / 1000;
	results.latency_dashboard_cpu_pct = (100 * (cpuSeconds(dash.pid) - dashCpuL0)) / latS;
	floorServer.child.kill('SIGTERM');
	await floorServer.child.exited;
	log(
		table(
			results.latency.map((r) => [
				r.name,
				r.body_bytes,
				`${fmt(r.dashboard.p50, 2)} / ${fmt(r.dashboard.p99, 2)}`,
				fmt(r.dashboard.rps, 0),
				`${fmt(r.floor.p50, 2)} / ${fmt(r.floor.p99, 2)}`,
				fmt(r.floor.rps, 0),
				fmt(r.p99_ratio, 2),
				statusText(r.dashboard.statuses) + (r.dashboard.errors ? ` +${r.dashboard.errors} errors` : ''),
				fmt(r.handler_mean_ms, 3),
				r.pass ? 'PASS' : 'FAIL'
			]),
			['read', 'bytes', 'dashboard p50 / p99 ms', 'req/s', 'floor p50 / p99 ms', 'req/s', 'p99 ratio', 'dashboard answers', 'in-app ms', `p99 <= ${TARGET.p99Ratio}× floor`]
		)
	);
	for (const r of results.latency) log(`  ${r.name}: GET ${r.path}`);
	log(`dashboard CPU during the reads (dashboard and floor phases): ${fmt(results.latency_dashboard_cpu_pct, 0)} % of one core`);

	// ------------------------------------------------------------ memory
	results.rss.after_load = { dashboard: rss(dash.pid), sandbox: rss(sandbox.pid) };
	const m = await metrics();
	results.rss.dashboard_heap = {
		heap_used_mib: sumMetric(m, 'runner_dashboard_nodejs_heap_size_used_bytes') / 2 ** 20,
		heap_total_mib: sumMetric(m, 'runner_dashboard_nodejs_heap_size_total_bytes') / 2 ** 20,
		external_mib: sumMetric(m, 'runner_dashboard_nodejs_external_memory_bytes') / 2 ** 20,
		// The background readers' threads (the nodejs_heap_* metrics are the main thread's only).
		readers: Object.fromEntries(
			['forge-reader', 'metrics-scraper'].map((thread) => [
				thread,
				{
					used_mib: sumMetric(m, 'runner_dashboard_reader_heap_bytes', { thread, kind: 'used' }) / 2 ** 20,
					total_mib: sumMetric(m, 'runner_dashboard_reader_heap_bytes', { thread, kind: 'total' }) / 2 ** 20
				}
			])
		)
	};
	if (args['heap-snapshot']) {
		process.kill(dash.pid, 'SIGUSR2');
		// Writing a snapshot of a few hundred MiB takes from seconds to a minute: wait until the file stops growing.
		const dir = resolve(args['heap-snapshot']);
		const size = () => readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
		for (let last = -1, deadline = Date.now() + 180_000; Date.now() < deadline; ) {
			await sleep(3_000);
			const now = size();
			if (now > 0 && now === last) break;
			last = now;
		}
		log(`heap snapshot written into ${dir} (${fmt(size() / 2 ** 20)} MiB)`);
	}
	section('memory');
	log(
		table(
			[
				['dashboard', fmt(results.rss.after_sync.dashboard.rssMiB), fmt(results.rss.after_load.dashboard.rssMiB), fmt(results.rss.after_load.dashboard.hwmMiB)],
				['sandbox (context)', fmt(results.rss.after_sync.sandbox.rssMiB), fmt(results.rss.after_load.sandbox.rssMiB), fmt(results.rss.after_load.sandbox.hwmMiB)]
			],
			['process', 'RSS after sync MiB', 'RSS after load MiB', 'peak (VmHWM) MiB']
		)
	);
	const h = results.rss.dashboard_heap;
	log(`dashboard V8 heap: used ${fmt(h.heap_used_mib)} MiB of ${fmt(h.heap_total_mib)} MiB, external ${fmt(h.external_mib)} MiB`);
	for (const [thread, r] of Object.entries(h.readers)) log(`  ${thread} thread's heap: used ${fmt(r.used_mib)} MiB of ${fmt(r.total_mib)} MiB`);

	// ------------------------------------------------------------ summary
	results.load.end = load();
	const dashPeak = Math.max(results.rss.after_sync.dashboard.rssMiB, results.rss.after_load.dashboard.rssMiB, results.rss.after_load.dashboard.hwmMiB);
	const peakMB = (dashPeak * 2 ** 20) / 1e6;
	const sync = results.first_sync;
	const rows = [
		[
			'first full sync',
			`<= ${TARGET.firstSyncRatio}× floor`,
			`${fmt(sync.seconds, 2)} s vs floor ${fmt(sync.floor_s, 2)} s = ${fmt(sync.ratio, 2)}× (GitLab details complete at ${fmt(ready.gitlab_details, 1)} s)`,
			sync.ratio <= TARGET.firstSyncRatio
		],
		[
			'upstream requests / steady cycle (GitLab)',
			`<= pages + changed`,
			`${fmt((steady.gitlab.list_calls + steady.gitlab.details_fetched) / glN, 2)} = ${fmt(steady.gitlab.list_calls / glN, 2)} pages + ${fmt(steady.gitlab.details_fetched / glN, 2)} details (${steady.gitlab.details_fetched} for ${steady.gitlab.changed_runners_observed} changed in ${glN} cycles); +${INJECTED_CHANGES} paused: ${fmt(steady.gitlab_injected.list_calls + steady.gitlab_injected.details_fetched, 0)}`,
			steady.gitlab.pass && steady.gitlab_injected.pass
		],
		['upstream requests / steady cycle (GitHub)', `<= ${ghPagesNow} pages`, fmt(steady.github.per_cycle, 2), steady.github.pass],
		...results.latency.map((r) => [
			`p99, ${r.name}`,
			`<= ${TARGET.p99Ratio}× floor, all 200`,
			`${fmt(r.dashboard.p99, 2)} ms vs floor ${fmt(r.floor.p99, 2)} ms = ${fmt(r.p99_ratio, 2)}× (${fmt(r.dashboard.rps, 0)} vs ${fmt(r.floor.rps, 0)} req/s; ${statusText(r.dashboard.statuses)})`,
			r.pass
		]),
		[
			'dashboard RSS (after sync / after load / peak)',
			`< ${TARGET.rssMB} MB`,
			`${fmt(results.rss.after_sync.dashboard.rssMiB, 0)} / ${fmt(results.rss.after_load.dashboard.rssMiB, 0)} / ${fmt(dashPeak, 0)} MiB (peak ${fmt(peakMB, 0)} MB)`,
			peakMB < TARGET.rssMB
		]
	];
	results.summary = rows.map(([name, target, measured, pass]) => ({ name, target, measured, pass }));
	section('results');
	log(table(rows.map((r) => [r[0], r[1], r[2], r[3] ? 'PASS' : 'FAIL']), ['measure', 'target', 'measured', 'result']));
	log(`load average: start ${results.load.start}; before sync ${results.load.before_sync}; before the reads ${results.load.before_latency}; end ${results.load.end}`);
	const passed = rows.filter((r) => r[3]).length;
	const failed = rows.filter((r) => !r[3]).map((r) => r[0]);
	const worst = results.latency.reduce((w, r) => (!w || r.p99_ratio > w.p99_ratio ? r : w), null);
	results.total_s = (t() - started) / 1000;
	log(
		`\nbench:fleet summary: ${passed}/${rows.length} targets met; first sync ${fmt(sync.seconds, 1)} s = ${fmt(sync.ratio, 2)}× floor, GitLab ${fmt((steady.gitlab.list_calls + steady.gitlab.details_fetched) / glN, 1)} req/cycle (${fmt(steady.gitlab.list_calls / glN, 0)} pages), GitHub ${fmt(steady.github.per_cycle, 1)} req/cycle (${ghPagesNow} pages), ` +
			`worst read p99 ${worst ? `${fmt(worst.p99_ratio, 2)}× floor (${worst.name})` : 'n/a'}, RSS peak ${fmt(peakMB, 0)} MB${failed.length ? `; missed: ${failed.join('; ')}` : ''} (total ${fmt(results.total_s, 0)} s, load ${results.load.end})`
	);
}

let exitCode = 0;
try {
	await main();
} catch (e) {
	if (!wasInterrupted()) {
		results.errors.push(String(e?.stack ?? e));
		console.error(`\nbench:fleet did not complete: ${e?.stack ?? e}`);
		console.log('\nbench:fleet summary: INCOMPLETE (see the error above); figures measured so far are printed above');
	}
} finally {
	// Writing a CPU profile of a long run takes the dashboard tens of seconds after SIGTERM.
	const stopped = await cleanup(args['cpu-prof'] ? 120_000 : 7000);
	results.shutdown = stopped;
	for (const [name, o] of Object.entries(stopped ?? {}))
		console.log(`${name}: ${o.killed ? 'did not exit within the grace time of SIGTERM; killed with SIGKILL' : `exited ${fmt(o.sigterm_exit_s, 1)} s after SIGTERM`}`);
	if (args.json) writeFileSync(resolve(args.json), JSON.stringify(results, null, 2));
}
if (wasInterrupted()) exitCode = 130;
process.exit(exitCode);
