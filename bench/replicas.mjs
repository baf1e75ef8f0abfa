// `npm run bench:fleet -- --replicas N --database-url URL`: the fleet benchmark's sandbox
// with N `runner-dashboard serve` processes on one PostgreSQL database. It reports, per
// replica: whether it leads, p99 and throughput of the API reads (every replica loaded at
// once, the connections shared among them), resident memory, how long events took from the
// replica feed to being applied there (p99 of the feed-delay histogram), and the forge
// requests per sync cycle each replica made (the leader's are the sandbox's; the others'
// should be 0). It reports, it does not gate. docs/performance.md says how to read it.
import { join } from 'node:path';
import { fmt, freePort, getJson, loadRun, parseProm, postJson, rss, runNode, sleep, startNode, sumMetric, summarise, table, tempDir } from './lib.mjs';

const SOURCES = { gitlab: 'sandbox-gitlab', github: 'sandbox-github' };
const READS = [
	['runners, filtered+sorted', '/api/v1/runners?per_page=50&forge=gitlab&status=online&sort=-contacted_at'],
	['runners, page 10', '/api/v1/runners?per_page=50&page=10&sort=name'],
	['sources', '/api/v1/sources']
];

/** The p-quantile (0–1) of a Prometheus histogram, as the upper bound of the bucket that reaches it; 0 without observations. */
function histogramQuantile(samples, name, q) {
	const buckets = samples
		.filter((s) => s.name === `${name}_bucket`)
		.map((s) => [s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), s.value])
		.sort((a, b) => a[0] - b[0]);
	const total = buckets.at(-1)?.[1] ?? 0;
	if (!total) return 0;
	return buckets.find(([, n]) => n >= q * total)?.[0] ?? Infinity;
}

/**
 * @param {{ build: { cli: string, dir: string }, cleanEnv: (extra?: object) => object, replicas: number, databaseUrl: string,
 *   fleet: object, durationS: number, connections: number, cycles: number, logs?: string, log: (...a: unknown[]) => void }} o
 */
export async function benchReplicas(o) {
	const { build, log } = o;
	const results = { replicas: o.replicas, fleet: o.fleet, per_replica: [], forge: {} };
	log(`\n== ${o.replicas} replicas on PostgreSQL, sandbox fleet ${JSON.stringify(o.fleet)}`);
	const sandbox = startNode(
		'sandbox',
		build.cli,
		['sandbox', '--port', '0', '--gitlab-runners', String(o.fleet.gitlab_runners), '--github-runners', String(o.fleet.github_runners), '--scale-sets', String(o.fleet.scale_sets), '--tick-ms', '1000'],
		{ env: o.cleanEnv(), cwd: build.dir, logDir: o.logs }
	);
	const [, sandboxUrl] = await sandbox.waitFor(/listening on (http:\/\/\S+)/);
	const S = `${sandboxUrl}/_sandbox`;
	await postJson(`${S}/load`, { github_jobs_per_minute: 0 });
	await postJson(`${S}/fleet`, o.fleet);
	const truth = (await getJson(`${S}/state`)).gitlab.runners.total;

	const dir = tempDir('rd-bench-replicas-');
	const base = o.cleanEnv({ HOST: '127.0.0.1', RUNNER_DASHBOARD_SANDBOX_URL: sandboxUrl, DATABASE_URL: o.databaseUrl, LOG_LEVEL: 'warn' });
	const replicas = [];
	for (let i = 0; i < o.replicas; i++) {
		const port = await freePort();
		const env = { ...base, PORT: String(port), RUNNER_DASHBOARD_DATA_DIR: join(dir, `replica-${i}`) };
		const child = startNode(`replica-${i}`, build.cli, ['serve'], { env, cwd: build.dir, logDir: o.logs });
		const url = `http://127.0.0.1:${port}`;
		// The first creates the schema and the first admin; the others start once it answers.
		for (let tries = 0; ; tries++) {
			if (tries > 600) throw new Error(`replica-${i} did not answer /healthz within 120 s\n${child.tail.join('\n')}`);
			if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
			await sleep(200);
		}
		replicas.push({ i, url, child });
	}
	const token = (await runNode(build.cli, ['token', 'create', '--name', `bench-${Date.now()}`, '--role', 'viewer'], { env: { ...base, RUNNER_DASHBOARD_DATA_DIR: join(dir, 'cli') }, cwd: build.dir })).trim();
	const auth = { authorization: `Bearer ${token}` };
	const metrics = async (r) => parseProm(await (await fetch(`${r.url}/metrics`, { headers: auth, signal: AbortSignal.timeout(10_000) })).text());

	// Every replica ready, and serving the whole GitLab fleet the leader read.
	const t0 = Date.now();
	for (;;) {
		if (Date.now() - t0 > 300_000) throw new Error('the replicas did not all serve the full fleet within 300 s');
		const states = await Promise.all(
			replicas.map(async (r) => {
				const ready = await fetch(`${r.url}/readyz`).then((x) => x.status === 200, () => false);
				const gl = ready ? (await getJson(`${r.url}/api/v1/sources`, auth)).items.find((s) => s.name === SOURCES.gitlab) : null;
				return ready && gl?.runners === truth;
			})
		);
		if (states.every(Boolean)) break;
		await sleep(500);
	}
	log(`every replica ready and serving ${truth} GitLab runners after ${fmt((Date.now() - t0) / 1000)} s`);
	const list = (await getJson(`${replicas[0].url}/api/v1/replicas`, auth)).items;

	// Forge requests per cycle: the sandbox's count against the leader's completed cycles, and each replica's own count.
	const cycles = async (r) => sumMetric(await metrics(r), 'runner_dashboard_sync_duration_seconds_count', { source: SOURCES.gitlab });
	const upstream = async (r) => {
		const m = await metrics(r);
		return sumMetric(m, 'runner_dashboard_upstream_requests_total', { source: SOURCES.gitlab }) + sumMetric(m, 'runner_dashboard_upstream_requests_total', { source: SOURCES.github });
	};
	const sandboxCount = async () => Object.values(await getJson(`${S}/requests`)).flatMap((byRoute) => Object.values(byRoute)).reduce((n, c) => n + c, 0);
	const c0 = await Promise.all(replicas.map(cycles));
	const u0 = await Promise.all(replicas.map(upstream));
	const s0 = await sandboxCount();
	// Meanwhile every replica answers reads at once, the connections shared among them.
	const per = Math.max(1, Math.floor(o.connections / o.replicas));
	const reads = await Promise.all(
		replicas.map(async (r) => {
			const runs = [];
			for (const [, path] of READS) runs.push(await loadRun({ url: `${r.url}${path}`, headers: auth, connections: per, duration: Math.max(1, Math.round(o.durationS / READS.length)) }));
			return summarise(runs);
		})
	);
	// At least `cycles` GitLab cycles by the leader, however long the reads took.
	const leaderCycles = async () => Math.max(...(await Promise.all(replicas.map(cycles))).map((c, k) => c - c0[k]));
	for (let waited = 0; (await leaderCycles()) < o.cycles && waited < 300; waited++) await sleep(1_000);
	const c1 = await Promise.all(replicas.map(cycles));
	const u1 = await Promise.all(replicas.map(upstream));
	const s1 = await sandboxCount();
	const leaderCycleCount = Math.max(...c1.map((c, k) => c - c0[k]));
	results.forge = { sandbox_requests: s1 - s0, leader_cycles: leaderCycleCount, per_cycle: (s1 - s0) / Math.max(1, leaderCycleCount) };

	const rows = [];
	for (const [k, r] of replicas.entries()) {
		const m = await metrics(r);
		const me = list.find((x) => m.some((s) => s.name === 'runner_dashboard_leader' && s.labels.replica === x.id));
		const leads = m.some((s) => s.name === 'runner_dashboard_leader' && s.value === 1);
		const mem = rss(r.child.pid);
		const row = {
			replica: me?.id ?? `replica-${k}`,
			leader: leads,
			read_p99_ms: reads[k].p99,
			read_rps: reads[k].rps,
			read_non2xx: reads[k].non2xx + reads[k].errors,
			rss_mib: mem.rssMiB,
			rss_peak_mib: mem.hwmMiB,
			feed_delay_p99_s: histogramQuantile(m, 'runner_dashboard_replica_feed_delay_seconds', 0.99),
			lag_s: sumMetric(m, 'runner_dashboard_replica_lag_seconds'),
			forge_requests_per_cycle: (u1[k] - u0[k]) / Math.max(1, leaderCycleCount)
		};
		results.per_replica.push(row);
		rows.push([row.replica, row.leader ? 'yes' : '', fmt(row.read_p99_ms, 2), fmt(row.read_rps, 0), row.read_non2xx, `${fmt(row.rss_mib, 0)} (${fmt(row.rss_peak_mib, 0)})`, fmt(row.feed_delay_p99_s, 3), fmt(row.lag_s, 2), fmt(row.forge_requests_per_cycle, 1)]);
	}
	log(table(rows, ['replica', 'leads', 'read p99 ms', 'req/s', 'non-2xx', 'RSS MiB (peak)', 'feed delay p99 s', 'lag s', 'forge req/cycle']));
	log(`forge requests the sandbox answered: ${results.forge.sandbox_requests} over ${leaderCycleCount} GitLab cycles of the leader = ${fmt(results.forge.per_cycle, 1)} per cycle (GitLab and GitHub, drift included)`);
	const worstLag = Math.max(...results.per_replica.map((r) => r.feed_delay_p99_s));
	log(`\nbench:fleet --replicas summary: ${o.replicas} replicas, worst feed delay p99 ${fmt(worstLag, 3)} s (target < 2 s: ${worstLag < 2 ? 'PASS' : 'FAIL'}), worst read p99 ${fmt(Math.max(...results.per_replica.map((r) => r.read_p99_ms)), 2)} ms, forge ${fmt(results.forge.per_cycle, 1)} req/cycle`);
	return results;
}
