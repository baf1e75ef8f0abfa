// Capacity against a real Prometheus (Debian's binary) scraping the sandbox's exporters
// every second. The sandbox's clock moves only when the test advances it, so between
// advances every exporter holds still and instant values can be compared exactly:
// - the dashboard's panels (source prometheus) equal hand-written PromQL asked of the
//   same Prometheus at the same evaluation time;
// - running and pending jobs equal the sandbox's ground truth;
// - the built-in scraper (the same app, ?source=scraper) equals Prometheus on gauges,
//   agrees on quantiles to within the histogram's resolution, and counts jobs and
//   failures exactly as the exporters' counters moved; Prometheus's increase() is within
//   a stated tolerance of that (see the test);
// - Prometheus stopped → the last values, stale, with their age; restarted → fresh again.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, createToken, eventually, freePort, root, startApp, waitForUrl, type RunningApp } from './helpers/app';
import { startPrometheus, type RunningPrometheus } from './helpers/prometheus';

type Row = Record<string, unknown> & { forge: 'gitlab' | 'github'; group: string | null; failures: Record<string, number> };
type Snapshot = { source: string; as_of: string; age_s: number; stale: boolean; error: string | null; covered_s: number; items: Row[] };

let sandboxProc: ChildProcess;
let sandboxUrl: string;
let app: RunningApp;
let prom: RunningPrometheus;
let token: string;
let configDir: string;
/** Exporter counter sums per group when both Prometheus and the scraper had their first samples, before anything moved. */
let before: Map<string, number>;

const get = async (path: string) => {
	const r = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
	return { status: r.status, body: await r.json() };
};
const snapshot = async (q = '') => (await get(`/api/v1/capacity?window=1h${q}`)).body as Snapshot;
/** A snapshot Prometheus answered in time (on a busy machine an answer can take longer than the 3 s before stale is served). */
const fresh = () => eventually(() => snapshot(), (s) => !s.stale && s.error === null, 60_000, 'a fresh capacity snapshot');
const sandbox = (path: string, body?: unknown) =>
	fetch(`${sandboxUrl}/_sandbox/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const key = (forge: string, group: string | null, what: string) => `${forge}/${group ?? '*'}/${what}`;

/** Counter sums per group and in total, straight from Prometheus's latest samples (no rate, no extrapolation). */
async function counterSums(): Promise<Map<string, number>> {
	const out = new Map<string, number>();
	const add = async (forge: string, label: string, expr: string, what: string) => {
		for (const r of await prom.query(`sum by (${label}) (${expr})`)) out.set(key(forge, r.metric[label] ?? null, what), Number(r.value[1]));
		for (const r of await prom.query(`sum(${expr})`)) out.set(key(forge, null, what), Number(r.value[1]));
	};
	await add('gitlab', 'runner_type', 'gitlab_runner_jobs_total', 'jobs');
	await add('gitlab', 'runner_type', 'gitlab_runner_failed_jobs_total', 'failed');
	await add('github', 'scale_set', 'gha_started_jobs_total', 'jobs');
	await add('github', 'scale_set', 'gha_completed_jobs_total{job_result!="succeeded"}', 'failed');
	return out;
}

beforeAll(async () => {
	// The sandbox on its own first, with a clock that moves only on request.
	const port = await freePort();
	sandboxUrl = `http://127.0.0.1:${port}`;
	sandboxProc = spawn(process.execPath, [cliPath, 'sandbox', '--port', String(port), '--tick-ms', '0'], { cwd: root, stdio: 'ignore' });
	await waitForUrl(`${sandboxUrl}/_sandbox/state`);
	// Busy enough that jobs queue (pending and waits move, HPAs and scale sets scale). Two simulated hours of it
	// before anyone scrapes, so nearly every counter series (per runner manager, per ARC job name) already exists.
	await sandbox('load', { jobs_per_minute: 600, github_jobs_per_minute: 120 });
	await sandbox('clock', { advance_s: 7200 });

	const promPort = await freePort();
	configDir = mkdtempSync(join(tmpdir(), 'rd-capacity-'));
	writeFileSync(join(configDir, 'config.yaml'), `metrics:\n  prometheus:\n    url: http://127.0.0.1:${promPort}\n    timeout_seconds: 10\n`);
	app = await startApp({ sandbox: false, env: { RUNNER_DASHBOARD_SANDBOX_URL: sandboxUrl, RUNNER_DASHBOARD_CONFIG: join(configDir, 'config.yaml') } });
	token = createToken(app, 'capacity', 'viewer');
	prom = await startPrometheus({ sdUrl: `${sandboxUrl}/exporters/http_sd`, port: promPort });
	// 3 runner managers, 3 ARC listeners and the ARC controller, all scraped.
	await eventually(() => prom.query('count(up == 1)'), (r) => Number(r[0]?.value[1]) === 7, 30_000, 'Prometheus scraping all 7 exporters');
	await eventually(() => snapshot('&source=scraper'), (s) => s.items.length > 0, 30_000, 'the scraper’s first scrape');
	await sleep(2_000);
	before = await counterSums();
	for (let i = 0; i < 6; i++) {
		await sandbox('clock', { advance_s: 120 });
		// Longer than one scrape interval of both (Prometheus 1 s, the scraper 5 s with a sandbox).
		await sleep(6_500);
	}
}, 180_000);

afterAll(async () => {
	await prom?.remove();
	await app?.stop();
	sandboxProc?.kill('SIGTERM');
	if (configDir) rmSync(configDir, { recursive: true, force: true });
});

/** The same panels written out by hand, per group (`by`) and for the forge (`by ()`). */
const PROMQL: Record<'gitlab' | 'github', Record<string, (by: string) => string>> = {
	gitlab: {
		pending: (by) => `sum by (${by}) (gitlab_runner_job_queue_size)`,
		running: (by) => `sum by (${by}) (gitlab_runner_jobs)`,
		saturation: (by) => `sum by (${by}) (gitlab_runner_jobs) / sum by (${by}) (gitlab_runner_concurrent)`,
		wait_p50_s: (by) => `histogram_quantile(0.5, sum by (${by ? `${by}, ` : ''}le) (rate(gitlab_runner_job_queue_duration_seconds_bucket[1h])))`,
		wait_p95_s: (by) => `histogram_quantile(0.95, sum by (${by ? `${by}, ` : ''}le) (rate(gitlab_runner_job_queue_duration_seconds_bucket[1h])))`,
		duration_p50_s: (by) => `histogram_quantile(0.5, sum by (${by ? `${by}, ` : ''}le) (rate(gitlab_runner_job_duration_seconds_bucket[1h])))`,
		duration_p95_s: (by) => `histogram_quantile(0.95, sum by (${by ? `${by}, ` : ''}le) (rate(gitlab_runner_job_duration_seconds_bucket[1h])))`,
		jobs_per_minute: (by) => `sum by (${by}) (rate(gitlab_runner_jobs_total[1h])) * 60`
	},
	github: {
		pending: (by) => `sum by (${by && 'name'}) (gha_assigned_jobs) - sum by (${by && 'name'}) (gha_running_jobs)`,
		running: (by) => `sum by (${by && 'name'}) (gha_running_jobs)`,
		saturation: (by) => `sum by (${by && 'name'}) (gha_busy_runners) / sum by (${by && 'name'}) (gha_registered_runners)`,
		wait_p50_s: (by) => `histogram_quantile(0.5, sum by (${by ? `${by}, ` : ''}le) (rate(gha_job_startup_duration_seconds_bucket[1h])))`,
		wait_p95_s: (by) => `histogram_quantile(0.95, sum by (${by ? `${by}, ` : ''}le) (rate(gha_job_startup_duration_seconds_bucket[1h])))`,
		duration_p50_s: (by) => `histogram_quantile(0.5, sum by (${by ? `${by}, ` : ''}le) (rate(gha_job_execution_duration_seconds_bucket[1h])))`,
		duration_p95_s: (by) => `histogram_quantile(0.95, sum by (${by ? `${by}, ` : ''}le) (rate(gha_job_execution_duration_seconds_bucket[1h])))`,
		jobs_per_minute: (by) => `sum by (${by}) (rate(gha_started_jobs_total[1h])) * 60`
	}
};
const GROUP_LABEL = { gitlab: 'runner_type', github: 'scale_set' } as const;

function num(v: string): number | null {
	const n = Number(v);
	return Number.isFinite(n) ? n : null;
}

describe('capacity from Prometheus', () => {
	it('answers every panel with the value the same PromQL gives at the same evaluation time', async () => {
		const snap = await fresh();
		expect(snap).toMatchObject({ source: 'prometheus', stale: false, error: null });
		const t = Date.parse(snap.as_of) / 1000;
		expect(Number.isInteger(t)).toBe(true);
		expect(snap.items.filter((r) => r.forge === 'gitlab').map((r) => r.group)).toEqual([null, 'dind', 'docker', 'nix']);
		expect(snap.items.filter((r) => r.forge === 'github').map((r) => r.group)).toEqual([null, 'gh-dind', 'gh-docker', 'gh-nix']);
		let compared = 0;
		for (const forge of ['gitlab', 'github'] as const) {
			for (const [panel, expr] of Object.entries(PROMQL[forge])) {
				const label = forge === 'github' && ['pending', 'running', 'saturation'].includes(panel) ? 'name' : GROUP_LABEL[forge];
				const direct = new Map<string | null, number | null>();
				for (const r of await prom.query(expr(GROUP_LABEL[forge]), t)) direct.set(r.metric[label]!, num(r.value[1]));
				for (const r of await prom.query(expr(''), t)) direct.set(null, num(r.value[1]));
				for (const row of snap.items.filter((r) => r.forge === forge)) {
					expect(row[panel], `${forge} ${row.group ?? 'total'} ${panel}`).toBe(direct.has(row.group) ? direct.get(row.group) : null);
					if (row[panel] !== null) compared++;
				}
			}
			const reason = forge === 'gitlab' ? 'failure_reason' : 'job_result';
			const failed = forge === 'gitlab' ? 'gitlab_runner_failed_jobs_total' : 'gha_completed_jobs_total{job_result!="succeeded"}';
			for (const r of await prom.query(`sum by (${GROUP_LABEL[forge]}, ${reason}) (increase(${failed}[1h]))`, t)) {
				const row = snap.items.find((i) => i.forge === forge && i.group === r.metric[GROUP_LABEL[forge]])!;
				expect(row.failures[r.metric[reason]!], `${forge} ${row.group} failures ${r.metric[reason]}`).toBe(num(r.value[1]));
				compared++;
			}
		}
		// Load was high: most panels have values (quantiles need observations, ARC saturation registered runners).
		expect(compared).toBeGreaterThan(60);
	});

	it('shows running and pending jobs equal to the sandbox’s ground truth, with jobs queueing under load', async () => {
		const snap = await fresh();
		const state = await sandbox('state');
		let pendingTotal = 0;
		for (const [kind, truth] of Object.entries(state.gitlab.by_runner_type as Record<string, { running: number; pending: number }>)) {
			const row = snap.items.find((r) => r.forge === 'gitlab' && r.group === kind)!;
			expect([row.running, row.pending], `gitlab ${kind}`).toEqual([truth.running, truth.pending]);
			pendingTotal += truth.pending;
		}
		expect(snap.items.find((r) => r.forge === 'gitlab' && r.group === null)!.running).toBe(state.gitlab.jobs.running);
		expect(pendingTotal).toBeGreaterThan(0);
		for (const s of state.arc.scale_sets as { name: string; running_jobs: number; assigned_jobs: number }[]) {
			const row = snap.items.find((r) => r.forge === 'github' && r.group === s.name)!;
			expect([row.running, row.pending], `scale set ${s.name}`).toEqual([s.running_jobs, s.assigned_jobs - s.running_jobs]);
		}
	});

	it('gives series on the step grid, with the latest point equal to the instant value', async () => {
		const { status, body } = await eventually(
			() => get('/api/v1/capacity/series?panel=running&window=1h&forge=gitlab'),
			(r) => r.status !== 200 || (!r.body.stale && r.body.error === null),
			60_000,
			'fresh series'
		);
		expect(status).toBe(200);
		expect(body).toMatchObject({ panel: 'running', window: '1h', step_s: 15, range_s: 60, source: 'prometheus', stale: false });
		expect(body.series.map((s: { group: string | null }) => s.group)).toEqual([null, 'dind', 'docker', 'nix']);
		const docker = body.series.find((s: { group: string | null }) => s.group === 'docker');
		expect(docker.points).toHaveLength(241);
		expect(docker.points[1][0] - docker.points[0][0]).toBe(15);
		const last = docker.points.at(-1);
		const [direct] = await prom.query('sum(gitlab_runner_jobs{runner_type="docker"})', last[0]);
		expect(last[1]).toBe(Number(direct!.value[1]));
		const week = (await get('/api/v1/capacity/series?panel=wait_p95_s&window=7d')).body;
		expect(week.step_s).toBe(900);
		expect(week.series[0].points.length).toBeLessThanOrEqual(1000);
	});

	it('answers bad parameters with 400 and a message', async () => {
		for (const q of ['window=2h', 'window=1h&forge=bitbucket', 'window=1h&unknown=1', 'window=1h&source=graphite']) {
			const r = await get(`/api/v1/capacity?${q}`);
			expect(r.status, q).toBe(400);
			expect(r.body.error.message.length).toBeGreaterThan(5);
		}
		expect((await get('/api/v1/capacity/series?window=1h')).status).toBe(400);
		expect((await get('/api/v1/capacity/series?window=1h&panel=nope')).status).toBe(400);
		const gitlabOnly = (await get('/api/v1/capacity?window=1h&forge=gitlab&group=nix')).body as Snapshot;
		expect(gitlabOnly.items.map((r) => [r.forge, r.group])).toEqual([['gitlab', 'nix']]);
	});
});

describe('the built-in scraper beside Prometheus', () => {
	it('agrees on gauges exactly, on quantiles within the histogram’s resolution, and counts what the exporters counted', async () => {
		const scr = await snapshot('&source=scraper');
		const pr = await fresh();
		expect(scr).toMatchObject({ source: 'scraper', stale: false });
		const after = await counterSums();
		const buckets = {
			gitlab: { wait: [1, 3, 10, 30, 60, 120, 300, 900, 1800, 3600], duration: [30, 60, 300, 600, 1800, 3600, 7200, 10800, 18000, 36000] },
			github: { wait: [5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600], duration: [5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600] }
		};
		/** Width of the bucket holding v: the histogram cannot resolve finer. */
		const width = (bounds: number[], v: number) => {
			const i = bounds.findIndex((b) => v <= b);
			return i <= 0 ? (bounds[0] ?? 1) : bounds[i]! - bounds[i - 1]!;
		};
		let quantiles = 0;
		for (const p of pr.items) {
			const s = scr.items.find((r) => r.forge === p.forge && r.group === p.group)!;
			const what = `${p.forge} ${p.group ?? 'total'}`;
			expect(s, what).toBeDefined();
			// The simulation holds still between advances, and both read the same exporters after the last one.
			for (const g of ['pending', 'running', 'saturation']) expect(s[g], `${what} ${g}`).toBe(p[g]);
			for (const q of ['wait_p50_s', 'wait_p95_s', 'duration_p50_s', 'duration_p95_s']) {
				if (p[q] === null) continue;
				const bounds = buckets[p.forge][q.startsWith('wait') ? 'wait' : 'duration'];
				expect(s[q], `${what} ${q}`).not.toBeNull();
				expect(Math.abs((s[q] as number) - (p[q] as number)), `${what} ${q}: scraper ${s[q]} vs Prometheus ${p[q]}`).toBeLessThanOrEqual(
					Math.max(width(bounds, p[q] as number), width(bounds, s[q] as number))
				);
				quantiles++;
			}
			// Jobs and failures: the scraper's increase over what it covered is exactly the exporters' counter movement
			// (its first scrape was before anything moved, a series born since counts from zero, no listener restarted).
			// Prometheus's increase() over the hour extrapolates half a scrape interval past its first sample (~1 % of
			// this one-minute span) and misses the first value of a series born between two scrapes (few after the
			// warm-up), so it must be within −10 %/+5 % of the truth.
			const jobs = after.get(key(p.forge, p.group, 'jobs'))! - (before.get(key(p.forge, p.group, 'jobs')) ?? 0);
			expect(jobs, `${what} jobs started`).toBeGreaterThan(0);
			expect(((s.jobs_per_minute as number) * scr.covered_s) / 60, `${what} scraper jobs`).toBeCloseTo(jobs, 6);
			const promJobs = (p.jobs_per_minute as number) * 60;
			expect(promJobs, `${what} Prometheus jobs`).toBeGreaterThanOrEqual(jobs * 0.9);
			expect(promJobs, `${what} Prometheus jobs`).toBeLessThanOrEqual(jobs * 1.05);
			const failed = after.get(key(p.forge, p.group, 'failed'))! - (before.get(key(p.forge, p.group, 'failed')) ?? 0);
			const scraperFailed = Object.values(s.failures).reduce((a, b) => a + b, 0);
			expect(scraperFailed, `${what} failures`).toBeCloseTo(failed, 6);
		}
		expect(quantiles).toBeGreaterThan(20);
	});
});

describe('Prometheus down, then back', () => {
	it('serves the last values marked stale with their age and reports the source down; recovers after a restart', async () => {
		const last = await fresh();
		const lastSeries = (await get('/api/v1/capacity/series?panel=pending&window=1h')).body;
		expect(last.stale).toBe(false);
		await prom.stop();
		await sleep(6_000); // past the answer cache
		const s = await snapshot();
		expect(s.stale).toBe(true);
		expect(s.source).toBe('prometheus');
		expect(s.error).toMatch(/Prometheus unreachable|did not answer/);
		expect(s.as_of).toBe(last.as_of);
		expect(s.age_s).toBeGreaterThanOrEqual(6);
		expect(s.items).toEqual(last.items);
		const series = (await get('/api/v1/capacity/series?panel=pending&window=1h')).body;
		expect(series).toMatchObject({ stale: true, as_of: lastSeries.as_of });
		expect(series.series).toEqual(lastSeries.series);
		const src = (await get('/api/v1/sources')).body.items.find((x: { name: string }) => x.name === 'prometheus');
		expect(src).toMatchObject({ kind: 'prometheus', status: 'down' });
		expect(src.last_error).toMatch(/Prometheus/);
		expect(await (await fetch(`${app.url}/readyz`)).json()).toEqual({ status: 'ready' });

		await prom.restart();
		// Right after a restart Prometheus can answer before it has replayed or re-scraped every series (an
		// honest null for a group); recovery means fresh answers with the values back.
		const docker = (x: Snapshot) => x.items.find((r) => r.forge === 'gitlab' && r.group === 'docker');
		const recovered = await eventually(() => snapshot(), (x) => !x.stale && x.error === null && docker(x)?.running != null, 60_000, 'fresh capacity after the restart');
		expect(Date.parse(recovered.as_of)).toBeGreaterThan(Date.parse(last.as_of));
		expect(recovered.items.find((r) => r.forge === 'gitlab' && r.group === 'docker')!.running).toBe(last.items.find((r) => r.forge === 'gitlab' && r.group === 'docker')!.running);
		await eventually(async () => (await get('/api/v1/sources')).body.items.find((x: { name: string }) => x.name === 'prometheus').status, (st) => st === 'ok', 20_000, 'source ok');
	});

	it('serves the scraper’s last values stale while the exporters fail, and fresh ones after', async () => {
		const last = await snapshot('&source=scraper');
		expect(last.stale).toBe(false);
		await sandbox('faults', { target: 'exporters', mode: 'error' });
		try {
			const s = await eventually(() => snapshot('&source=scraper'), (x) => x.stale, 30_000, 'scraper capacity stale');
			expect(s.error).toMatch(/500/);
			expect(s.items.find((r) => r.forge === 'gitlab' && r.group === 'docker')!.running).toBe(last.items.find((r) => r.forge === 'gitlab' && r.group === 'docker')!.running);
			expect(Date.parse(s.as_of)).toBeLessThanOrEqual(Date.parse(last.as_of) + 10_000);
		} finally {
			await sandbox('faults', { target: 'exporters', mode: 'none' });
		}
		await eventually(() => snapshot('&source=scraper'), (x) => !x.stale && x.error === null, 60_000, 'scraper capacity fresh again');
	});

	it('never logged an unhandled rejection', () => {
		expect(app.output()).not.toMatch(/unhandled rejection|uncaught/i);
	});
});
