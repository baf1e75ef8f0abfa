import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxWithWorld, type Sandbox } from '../index.js';
import type { World } from '../sim/world.js';
import { controlOk, state } from '../testing.js';
import { Exposition, HistogramSeries } from './exposition.js';
import { monotonicSeries, parseExposition, sum, type ParsedFamily } from './parse.js';

type TestSandbox = Sandbox & { world: World };
type Endpoint = { job: string; name: string; namespace: string; url: string; labels: Record<string, string>; up: boolean };
type Families = Map<string, ParsedFamily>;

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const PROMTOOL = '/usr/bin/promtool';
const ARS_PATH = (name: string) => `/k8s/apis/actions.github.com/v1alpha1/namespaces/arc-runners/autoscalingrunnersets/${name}`;

const start = (): Promise<TestSandbox> => startSandboxWithWorld({ port: 0, tickMs: 0 });

async function discover(sb: Sandbox): Promise<Endpoint[]> {
	const res = await fetch(`${sb.url}/exporters`);
	expect(res.status).toBe(200);
	return (await res.json()) as Endpoint[];
}

async function scrapeText(sb: Sandbox, path: string): Promise<string> {
	const res = await fetch(`${sb.url}${path}`);
	const text = await res.text();
	if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text}`);
	expect(res.headers.get('content-type')).toBe(CONTENT_TYPE);
	return text;
}

const scrape = async (sb: Sandbox, path: string): Promise<Families> => parseExposition(await scrapeText(sb, path));
const advance = (sb: Sandbox, s: number) => controlOk(sb, '/clock', { advance_s: s });
const listener = (ns: string, name: string) => `/exporters/arc-listener/${ns}/${name}/metrics`;
const manager = (name: string) => `/exporters/gitlab-runner/${name}/metrics`;
const one = (f: Families, family: string) => {
	const samples = f.get(family)?.samples ?? [];
	expect(samples, family).toHaveLength(1);
	return samples[0]!.value;
};

function patchArs(sb: Sandbox, name: string, spec: object): Promise<Response> {
	return fetch(`${sb.url}${ARS_PATH(name)}`, { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: JSON.stringify({ spec }) });
}

describe('exposition writer and parser', () => {
	it('escapes label values and HELP text, writes cumulative histograms, and the parser reads them back', () => {
		const h = new HistogramSeries({ job_name: 'a "quoted" \\ name\nnext line' }, [1, 10]);
		for (const ms of [500, 1000, 1001, 20_000]) h.observeMs(ms);
		const out = new Exposition()
			.simple('x_total', 'counter', 'Counts \\ things\nacross lines', [{ labels: { path: 'C:\\tmp "x"' }, value: 3 }])
			.histogram('d_seconds', 'Durations', [h]);
		const text = out.text();
		expect(text).toBe(
			[
				'# HELP x_total Counts \\\\ things\\nacross lines',
				'# TYPE x_total counter',
				'x_total{path="C:\\\\tmp \\"x\\""} 3',
				'# HELP d_seconds Durations',
				'# TYPE d_seconds histogram',
				'd_seconds_bucket{job_name="a \\"quoted\\" \\\\ name\\nnext line",le="1"} 2',
				'd_seconds_bucket{job_name="a \\"quoted\\" \\\\ name\\nnext line",le="10"} 3',
				'd_seconds_bucket{job_name="a \\"quoted\\" \\\\ name\\nnext line",le="+Inf"} 4',
				'd_seconds_sum{job_name="a \\"quoted\\" \\\\ name\\nnext line"} 22.501',
				'd_seconds_count{job_name="a \\"quoted\\" \\\\ name\\nnext line"} 4',
				''
			].join('\n')
		);
		const parsed = parseExposition(text);
		expect(parsed.get('x_total')).toMatchObject({ type: 'counter', help: 'Counts \\ things\nacross lines', samples: [{ labels: { path: 'C:\\tmp "x"' }, value: 3 }] });
		expect(parsed.get('d_seconds')!.samples[0]!.labels.job_name).toBe('a "quoted" \\ name\nnext line');
	});

	it('the parser rejects what Prometheus would reject or misread', () => {
		const bad = [
			'x 1\n', // no TYPE
			'# HELP x h\n# TYPE x gauge\nx{a="b} 1\n', // unterminated
			'# HELP x h\n# TYPE x gauge\nx{a="\\t"} 1\n', // bad escape
			'# HELP x h\n# TYPE x gauge\nx 1\nx 2\n', // duplicate
			'# HELP x h\n# TYPE x gauge\ny 1\n', // sample of another family
			'# HELP x h\n# TYPE x gauge\nx one\n',
			'# HELP h h\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', // not cumulative
			'# HELP h h\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', // no +Inf
			'# HELP h h\n# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n' // count != +Inf
		];
		for (const text of bad) expect(() => parseExposition(text), text).toThrow();
	});
});

describe('exporters', () => {
	let sb: TestSandbox;
	beforeAll(async () => {
		sb = await start();
		// More GitLab work than the fleet can run (so jobs queue), and enough scale-set jobs.
		await controlOk(sb, '/load', { jobs_per_minute: 1200, github_jobs_per_minute: 40 });
		await advance(sb, 600);
	});
	afterAll(async () => {
		await sb.close();
	});

	it('are listed at /exporters and in Prometheus HTTP SD format; every endpoint scrapes as valid exposition', async () => {
		const eps = await discover(sb);
		expect(eps.map((e) => [e.job, e.namespace, e.name, e.url])).toEqual([
			['gitlab-runner', 'gitlab-runners', 'dind-runner', '/exporters/gitlab-runner/dind-runner/metrics'],
			['gitlab-runner', 'gitlab-runners', 'docker-runner', '/exporters/gitlab-runner/docker-runner/metrics'],
			['gitlab-runner', 'gitlab-runners', 'nix-runner', '/exporters/gitlab-runner/nix-runner/metrics'],
			['arc-listener', 'arc-runners', 'gh-dind', '/exporters/arc-listener/arc-runners/gh-dind/metrics'],
			['arc-listener', 'arc-runners', 'gh-docker', '/exporters/arc-listener/arc-runners/gh-docker/metrics'],
			['arc-listener', 'arc-runners', 'gh-nix', '/exporters/arc-listener/arc-runners/gh-nix/metrics'],
			['arc-controller', 'arc-systems', 'arc-gha-rs-controller', '/exporters/arc-controller/metrics']
		]);
		expect(eps[1]!.labels).toEqual({ namespace: 'gitlab-runners', deployment: 'docker-runner', runner_type: 'docker' });
		expect(eps.every((e) => e.up)).toBe(true);
		expect((await fetch(`${sb.url}/exporters/`)).status).toBe(200);

		const sd = (await (await fetch(`${sb.url}/exporters/http_sd`)).json()) as { targets: string[]; labels: Record<string, string> }[];
		expect(sd).toHaveLength(eps.length);
		expect(sd[4]).toEqual({
			targets: [new URL(sb.url).host],
			labels: { __scheme__: 'http', __metrics_path__: '/exporters/arc-listener/arc-runners/gh-docker/metrics', exporter: 'arc-listener', scale_set: 'gh-docker', scale_set_namespace: 'arc-runners' }
		});

		for (const e of eps) {
			const f = await scrape(sb, e.url);
			expect(f.size, e.url).toBeGreaterThan(0);
			// Target labels never clash with the endpoint's own labels (Prometheus would rename those to exported_*).
			for (const fam of f.values()) for (const smp of fam.samples) for (const k of Object.keys(e.labels)) expect(smp.labels, `${e.url} ${k}`).not.toHaveProperty(k);
		}
		const gl = await scrape(sb, manager('docker-runner'));
		expect([...gl.keys()].sort()).toEqual([
			'gitlab_runner_api_request_statuses_total',
			'gitlab_runner_concurrent',
			'gitlab_runner_errors_total',
			'gitlab_runner_failed_jobs_total',
			'gitlab_runner_job_duration_seconds',
			'gitlab_runner_job_queue_depth',
			'gitlab_runner_job_queue_duration_seconds',
			'gitlab_runner_job_queue_size',
			'gitlab_runner_jobs',
			'gitlab_runner_jobs_total',
			'gitlab_runner_limit',
			'gitlab_runner_version_info'
		]);
		expect(gl.get('gitlab_runner_concurrent')!.samples[0]!.labels).toEqual({});
		expect(Object.keys(gl.get('gitlab_runner_jobs')!.samples[0]!.labels)).toEqual(['runner', 'runner_name', 'system_id', 'state', 'stage', 'executor_stage']);
		expect(gl.get('gitlab_runner_version_info')!.samples[0]!.labels).toMatchObject({ version: '17.5.2', revision: 'c6eae8a4', name: 'gitlab-runner' });
		const buckets = (f: Families, fam: string) => [...new Set(f.get(fam)!.samples.filter((s) => s.name.endsWith('_bucket')).map((s) => s.labels.le))];
		expect(buckets(gl, 'gitlab_runner_job_duration_seconds')).toEqual(['30', '60', '300', '600', '1800', '3600', '7200', '10800', '18000', '36000', '+Inf']);
		expect(buckets(gl, 'gitlab_runner_job_queue_duration_seconds')).toEqual(['1', '3', '10', '30', '60', '120', '300', '900', '1800', '3600', '+Inf']);
		expect(new Set(gl.get('gitlab_runner_failed_jobs_total')!.samples.map((s) => s.labels.failure_reason))).toContain('script_failure');

		const arc = await scrape(sb, listener('arc-runners', 'gh-docker'));
		for (const g of ['assigned_jobs', 'running_jobs', 'registered_runners', 'busy_runners', 'idle_runners', 'min_runners', 'max_runners', 'desired_runners']) {
			expect(arc.get(`gha_${g}`)!.samples.map((s) => s.labels)).toEqual([{ name: 'gh-docker', namespace: 'arc-runners', repository: '', organization: 'sandbox-org', enterprise: '' }]);
		}
		const started = arc.get('gha_started_jobs_total')!.samples;
		expect(started.length).toBeGreaterThan(0);
		expect(Object.keys(started[0]!.labels)).toEqual(['repository', 'organization', 'enterprise', 'job_name', 'job_workflow_ref', 'event_name']);
		expect(started[0]!.labels).toMatchObject({ organization: 'sandbox-org', repository: expect.stringMatching(/^(runner-images|storefront)$/) });
		const completed = arc.get('gha_completed_jobs_total')!.samples;
		expect(new Set(completed.map((s) => s.labels.job_result))).toContain('succeeded');
		expect(Object.keys(arc.get('gha_job_execution_duration_seconds')!.samples[0]!.labels)).toEqual([
			'repository',
			'organization',
			'enterprise',
			'job_name',
			'job_workflow_ref',
			'event_name',
			'job_result',
			'le'
		]);
	});

	it('equal the ground truth at the same simulated time', async () => {
		const s = await state(sb);
		const world = sb.world;
		const gitlab: Record<string, Families> = {};
		for (const kind of ['docker', 'dind', 'nix']) gitlab[kind] = await scrape(sb, manager(`${kind}-runner`));
		// Nothing moved in between (no ticker): the clock is where the state saw it.
		expect((await state(sb)).now).toBe(s.now);

		expect(s.gitlab.jobs.pending).toBeGreaterThan(0);
		let running = 0;
		let pending = 0;
		let started = 0;
		let failed = 0;
		let finished = 0;
		for (const [kind, f] of Object.entries(gitlab)) {
			const truth = s.gitlab.by_runner_type[kind];
			expect(sum(f, 'gitlab_runner_jobs'), kind).toBe(truth.running);
			expect(sum(f, 'gitlab_runner_jobs', { state: 'idle' })).toBe(0);
			expect(one(f, 'gitlab_runner_job_queue_size')).toBe(truth.pending);
			expect(one(f, 'gitlab_runner_job_queue_depth')).toBe(truth.pending);
			expect(one(f, 'gitlab_runner_concurrent')).toBe(truth.capacity);
			expect(truth.running).toBeLessThanOrEqual(truth.capacity);
			running += truth.running;
			pending += truth.pending;
			const jobsTotal = sum(f, 'gitlab_runner_jobs_total');
			expect(sum(f, 'gitlab_runner_job_queue_duration_seconds', {}, 'gitlab_runner_job_queue_duration_seconds_count')).toBe(jobsTotal);
			expect(sum(f, 'gitlab_runner_api_request_statuses_total', { endpoint: 'request_job', status: '201' })).toBe(jobsTotal);
			const done = sum(f, 'gitlab_runner_job_duration_seconds', {}, 'gitlab_runner_job_duration_seconds_count');
			expect(jobsTotal - done, kind).toBe(truth.running);
			const fails = sum(f, 'gitlab_runner_failed_jobs_total');
			expect(sum(f, 'gitlab_runner_errors_total')).toBe(fails);
			started += jobsTotal;
			failed += fails;
			finished += done;
			// Per runner: the limit gauge is the runner's `concurrent` for each of its managers.
			for (const l of f.get('gitlab_runner_limit')!.samples) expect([2, 4]).toContain(l.value);
		}
		expect(running).toBe(s.gitlab.jobs.running);
		expect(pending).toBe(s.gitlab.jobs.pending);
		// Less than a day simulated: no job failed stuck in the queue, so every finished job ran.
		expect(started).toBe(s.gitlab.jobs.running + s.gitlab.jobs.success + s.gitlab.jobs.failed + s.gitlab.jobs.canceled);
		expect(finished).toBe(s.gitlab.jobs.success + s.gitlab.jobs.failed + s.gitlab.jobs.canceled);
		expect(failed).toBe(s.gitlab.jobs.failed);
		// The queue duration histogram holds the real waits: with a backlog, some jobs waited past 60 s.
		const q = gitlab.docker!;
		const le60 = sum(q, 'gitlab_runner_job_queue_duration_seconds', { le: '60' }, 'gitlab_runner_job_queue_duration_seconds_bucket');
		expect(le60).toBeLessThan(sum(q, 'gitlab_runner_job_queue_duration_seconds', {}, 'gitlab_runner_job_queue_duration_seconds_count'));

		const ctl = await scrape(sb, '/exporters/arc-controller/metrics');
		for (const t of s.arc.scale_sets) {
			const f = await scrape(sb, listener(t.namespace, t.name));
			expect({
				assigned: one(f, 'gha_assigned_jobs'),
				running: one(f, 'gha_running_jobs'),
				registered: one(f, 'gha_registered_runners'),
				busy: one(f, 'gha_busy_runners'),
				idle: one(f, 'gha_idle_runners'),
				min: one(f, 'gha_min_runners'),
				max: one(f, 'gha_max_runners'),
				desired: one(f, 'gha_desired_runners')
			}).toEqual({
				assigned: t.assigned_jobs,
				running: t.running_jobs,
				registered: t.running,
				busy: t.busy,
				idle: t.idle,
				min: t.min_runners,
				max: t.max_runners,
				desired: t.desired_runners
			});
			const ss = world.github.scaleSet(t.name)!;
			expect(ss.started).toBeGreaterThan(0);
			expect(sum(f, 'gha_started_jobs_total')).toBe(ss.started);
			expect(sum(f, 'gha_completed_jobs_total')).toBe(ss.completed);
			expect(sum(f, 'gha_job_startup_duration_seconds', {}, 'gha_job_startup_duration_seconds_count')).toBe(ss.started);
			expect(sum(f, 'gha_job_execution_duration_seconds', {}, 'gha_job_execution_duration_seconds_count')).toBe(ss.completed);
			const where = { name: t.name, namespace: t.namespace };
			expect(sum(ctl, 'gha_controller_pending_ephemeral_runners', where)).toBe(t.pending);
			expect(sum(ctl, 'gha_controller_running_ephemeral_runners', where)).toBe(t.running);
			expect(sum(ctl, 'gha_controller_failed_ephemeral_runners', where)).toBe(t.failed);
			expect(sum(ctl, 'gha_controller_running_listeners', where)).toBe(1);
		}
	});

	it('keep counters and histogram buckets monotonic across advances', async () => {
		const paths = (await discover(sb)).map((e) => e.url);
		let before = new Map<string, Map<string, number>>();
		for (const p of paths) before.set(p, monotonicSeries(await scrape(sb, p)));
		const grew = new Map<string, number>();
		for (let round = 0; round < 3; round++) {
			await advance(sb, 120);
			const after = new Map<string, Map<string, number>>();
			for (const p of paths) {
				const now = monotonicSeries(await scrape(sb, p));
				after.set(p, now);
				for (const [key, v] of before.get(p)!) {
					expect(now.has(key), `${p} ${key} vanished`).toBe(true);
					expect(now.get(key)!, `${p} ${key}`).toBeGreaterThanOrEqual(v);
					if (now.get(key)! > v) grew.set(p, (grew.get(p) ?? 0) + 1);
				}
			}
			before = after;
		}
		// Not a frozen snapshot: every job-counting endpoint moved.
		for (const p of paths) if (!p.includes('controller')) expect(grew.get(p) ?? 0, p).toBeGreaterThan(0);
	});

	it('honour faults for target exporters, with plain-text answers', async () => {
		const path = `${sb.url}${manager('docker-runner')}`;
		await controlOk(sb, '/faults', { target: 'exporters', mode: 'error' });
		for (const p of [path, `${sb.url}/exporters`, `${sb.url}${listener('arc-runners', 'gh-nix')}`]) {
			const res = await fetch(p);
			expect(res.status).toBe(500);
			expect(await res.text()).toBe('500 Internal Server Error\n');
		}
		// Other upstreams are untouched.
		expect((await fetch(`${sb.url}/k8s/api`)).status).toBe(200);

		await controlOk(sb, '/faults', { target: 'exporters', mode: 'rate_limit', retry_after_s: 9 });
		const limited = await fetch(path);
		expect(limited.status).toBe(429);
		expect(limited.headers.get('retry-after')).toBe('9');
		await limited.text();

		await controlOk(sb, '/faults', { target: 'exporters', mode: 'refuse' });
		await expect(fetch(path)).rejects.toThrow();

		await controlOk(sb, '/faults', { target: 'exporters', mode: 'timeout' });
		await expect(fetch(path, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
		// A held scrape is answered once the fault is lifted.
		const held = fetch(path);
		await expect.poll(async () => (await state(sb)).held_requests).toBeGreaterThan(0);
		await controlOk(sb, '/faults', { target: 'exporters', mode: 'none' });
		const res = await held;
		expect(res.status).toBe(200);
		parseExposition(await res.text());
	});

	it('answer 404 for unknown endpoints and 405 for writes', async () => {
		for (const p of ['/exporters/gitlab-runner/rocky9-runner/metrics', '/exporters/arc-listener/arc-runners/gh-gpu/metrics', '/exporters/arc-listener/default/gh-nix/metrics', '/exporters/metrics', '/exporters/gitlab-runner/docker-runner']) {
			const res = await fetch(`${sb.url}${p}`);
			expect(res.status, p).toBe(404);
			expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
			await res.text();
		}
		const post = await fetch(`${sb.url}${manager('docker-runner')}`, { method: 'POST' });
		expect(post.status).toBe(405);
		await post.text();
		const head = await fetch(`${sb.url}${manager('docker-runner')}`, { method: 'HEAD' });
		expect(head.status).toBe(200);
	});

	it.skipIf(!existsSync(PROMTOOL))(`pass \`promtool check metrics\` (${existsSync(PROMTOOL) ? PROMTOOL : 'promtool NOT INSTALLED: skipped'})`, async () => {
		const check = (text: string) => spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
		// promtool does fail on broken input (so a pass below means something).
		expect(check('foo{a="b} 1\n').status).not.toBe(0);
		for (const e of await discover(sb)) {
			const r = check(await scrapeText(sb, e.url));
			expect(`${e.url}: ${r.status} ${r.stdout}${r.stderr}`).toBe(`${e.url}: 0 `);
		}
	});
});

describe('exporters follow the cluster', () => {
	let sb: TestSandbox;
	beforeAll(async () => {
		sb = await start();
	});
	afterAll(async () => {
		await sb.close();
	});

	it('a drained scale set (maxRunners 0) strands assigned jobs: gha_assigned_jobs - gha_running_jobs grows, as the ground truth says', async () => {
		await controlOk(sb, '/load', { github_jobs_per_minute: 60 });
		await advance(sb, 300);
		const res = await patchArs(sb, 'gh-docker', { maxRunners: 0 });
		expect(res.status).toBe(200);
		await res.json();
		let lastGap = -1;
		for (let round = 0; round < 3; round++) {
			await advance(sb, 120);
			const s = await state(sb);
			const t = s.arc.scale_sets.find((x: any) => x.name === 'gh-docker');
			const f = await scrape(sb, listener('arc-runners', 'gh-docker'));
			const gap = one(f, 'gha_assigned_jobs') - one(f, 'gha_running_jobs');
			expect(gap).toBe(t.assigned_jobs - t.running_jobs);
			expect(gap).toBeGreaterThan(lastGap);
			expect(one(f, 'gha_max_runners')).toBe(0);
			expect(one(f, 'gha_desired_runners')).toBe(0);
			lastGap = gap;
		}
		// Busy runners finished and nothing new started.
		await advance(sb, 3600);
		const f = await scrape(sb, listener('arc-runners', 'gh-docker'));
		expect(one(f, 'gha_running_jobs')).toBe(0);
		expect(one(f, 'gha_registered_runners')).toBe(0);
		expect(one(f, 'gha_assigned_jobs')).toBeGreaterThan(lastGap);
		await controlOk(sb, '/load', { github_jobs_per_minute: 0 });
	});

	it('listener counters restart from zero when the listener pod is replaced; meanwhile it answers 503', async () => {
		await controlOk(sb, '/load', { github_jobs_per_minute: 60 });
		await advance(sb, 300);
		const path = listener('arc-runners', 'gh-nix');
		const before = await scrape(sb, path);
		expect(sum(before, 'gha_started_jobs_total')).toBeGreaterThan(0);
		const pod = sb.world.kube.arc.listeners().find((l) => l.name === 'gh-nix')!.listenerName;
		const del = await fetch(`${sb.url}/k8s/api/v1/namespaces/arc-systems/pods/${pod}`, { method: 'DELETE' });
		expect(del.status).toBe(200);
		await del.json();

		const down = await fetch(`${sb.url}${path}`);
		expect(down.status).toBe(503);
		await down.text();
		expect((await discover(sb)).find((e) => e.name === 'gh-nix')!.up).toBe(false);
		// The controller still reports the scale set's runners; its listener is not running.
		const ctl = await scrape(sb, '/exporters/arc-controller/metrics');
		expect(sum(ctl, 'gha_controller_running_listeners', { name: 'gh-nix' })).toBe(0);

		// ARC recreates the listener; once its pod runs it counts from zero.
		await advance(sb, 15);
		const startedAtRestart = sb.world.github.scaleSet('gh-nix')!.started;
		const fresh = await scrape(sb, path);
		expect(sum(fresh, 'gha_started_jobs_total')).toBeLessThan(sum(before, 'gha_started_jobs_total'));
		await advance(sb, 300);
		const later = await scrape(sb, path);
		const counted = sum(later, 'gha_started_jobs_total');
		expect(counted).toBeGreaterThan(0);
		expect(counted).toBe(sb.world.github.scaleSet('gh-nix')!.started - (startedAtRestart - sum(fresh, 'gha_started_jobs_total')));

		// A container restart (same pod, restartCount + 1) is a new listener process too.
		const newPod = sb.world.kube.arc.listeners().find((l) => l.name === 'gh-nix')!.listenerName;
		const p = sb.world.cluster.get('v1', 'Pod', 'arc-systems', newPod)!;
		const [cs] = p.status.containerStatuses;
		sb.world.cluster.upsert({ ...p, status: { ...p.status, containerStatuses: [{ ...cs, restartCount: cs.restartCount + 1 }] } });
		const restarted = await scrape(sb, path);
		expect(restarted.get('gha_started_jobs_total')!.samples).toEqual([]);
		expect(one(restarted, 'gha_assigned_jobs')).toBe(one(later, 'gha_assigned_jobs'));
		await controlOk(sb, '/load', { github_jobs_per_minute: 0 });
	});

	it('endpoints come and go with AutoscalingRunnerSets', async () => {
		await controlOk(sb, '/fleet', { scale_sets: 4 });
		// Listed at once; its listener answers once ARC has started it.
		expect((await discover(sb)).find((e) => e.name === 'gh-extra-1')).toMatchObject({ job: 'arc-listener', up: false });
		const early = await fetch(`${sb.url}${listener('arc-runners', 'gh-extra-1')}`);
		expect(early.status).toBe(503);
		await early.text();
		await advance(sb, 15);
		expect((await discover(sb)).find((e) => e.name === 'gh-extra-1')!.up).toBe(true);
		const f = await scrape(sb, listener('arc-runners', 'gh-extra-1'));
		expect(one(f, 'gha_max_runners')).toBe(10);
		await controlOk(sb, '/fleet', { scale_sets: 3 });
		await advance(sb, 5);
		expect((await discover(sb)).map((e) => e.name)).not.toContain('gh-extra-1');
		const gone = await fetch(`${sb.url}${listener('arc-runners', 'gh-extra-1')}`);
		expect(gone.status).toBe(404);
		await gone.text();
		// gha_max_runners for an unbounded scale set is what the listener reports: MaxInt32.
		const res = await fetch(`${sb.url}${ARS_PATH('gh-dind')}`, {
			method: 'PATCH',
			headers: { 'Content-Type': 'application/json-patch+json' },
			body: JSON.stringify([{ op: 'remove', path: '/spec/maxRunners' }])
		});
		expect(res.status).toBe(200);
		await res.json();
		expect(one(await scrape(sb, listener('arc-runners', 'gh-dind')), 'gha_max_runners')).toBe(2_147_483_647);
	});
});
