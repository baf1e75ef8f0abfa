// The GitLab runner managers' metrics (`gitlab-runner` listening on :9252), one
// exporter per runner-type Deployment in `gitlab-runners`. The simulated GitLab fleet
// and the runner stack are two views of one install (docs/sandbox.md), so the
// `docker-runner` manager is taken to serve every GitLab runner of kind `docker` — one
// `[[runners]]` entry per runner, one `system_id` per active runner manager — and its
// counters follow the jobs those runners start and finish in the simulation.

import { APPS_V1, hexOf } from '../sim/cluster/meta.js';
import { GITLAB_RUNNER_NAMESPACE, RUNNER_TYPES, type RunnerType } from '../sim/cluster/stacks.js';
import { kindOfTags } from '../sim/cluster/sim.js';
import { revisionOf } from '../sim/gitlab/fleet.js';
import { runnerCapacity, type Job, type Runner, type RunnerKind } from '../sim/gitlab/model.js';
import type { GitLabJobObserver } from '../sim/gitlab/sim.js';
import type { World } from '../sim/world.js';
import { CounterVec, Exposition, HistogramVec, type Labels } from './exposition.js';

/** gitlab-runner's own buckets. */
export const JOB_DURATION_BUCKETS = [30, 60, 300, 600, 1800, 3600, 7200, 10800, 18000, 36000] as const;
export const QUEUE_DURATION_BUCKETS = [1, 3, 10, 30, 60, 120, 300, 900, 1800, 3600] as const;

/** Per runner kind: what the manager has counted since the sandbox started. */
class ManagerCounters {
	readonly jobsTotal = new CounterVec();
	readonly failed = new CounterVec();
	readonly errors = new CounterVec();
	readonly requests = new CounterVec();
	readonly jobDuration = new HistogramVec(JOB_DURATION_BUCKETS);
	readonly queueDuration = new HistogramVec(QUEUE_DURATION_BUCKETS);
}

export interface GitLabManagerEndpoint {
	/** Deployment name, e.g. `docker-runner`. */
	name: string;
	namespace: string;
	kind: RunnerKind;
	/** `gitlab-runner` image tag's version, e.g. `17.5.2`. */
	version: string;
}

export interface RunnerTypeTruth {
	/** Jobs running on runners of this kind. */
	running: number;
	/** Pending jobs that count towards this runner type (by their tags, as the HPAs count them). */
	pending: number;
	/** Jobs the kind's connected runners can run at once: `concurrent` × active managers, summed. */
	capacity: number;
	/** Connected runners of this kind (their managers export series). */
	connected_runners: number;
}

const isKind = (v: unknown): v is RunnerKind => v === 'docker' || v === 'dind' || v === 'nix';

/** Ground truth per runner type, as `/_sandbox/state` reports it (`gitlab.by_runner_type`). */
export function gitlabByRunnerType(world: World): Record<RunnerKind, RunnerTypeTruth> {
	const out = Object.fromEntries(RUNNER_TYPES.map((t) => [t, { running: 0, pending: 0, capacity: 0, connected_runners: 0 }])) as Record<RunnerType, RunnerTypeTruth>;
	for (const r of world.gitlab.runners) {
		const t = out[r.kind];
		t.running += r.running.length;
		if (r.connected) {
			t.connected_runners++;
			t.capacity += runnerCapacity(r);
		}
	}
	if (world.gitlab.board.pending > 0) for (const q of world.gitlab.board.queueSizes()) out[kindOfTags(q.tags)].pending += q.waiting;
	return out;
}

export class GitLabExporters implements GitLabJobObserver {
	private counters = new Map<RunnerKind, ManagerCounters>(RUNNER_TYPES.map((t) => [t, new ManagerCounters()]));
	private tokens = new Map<number, string>();

	constructor(private readonly world: World) {
		world.gitlab.observers.push(this);
		// Jobs already running when the sandbox starts were counted by their manager when it took them.
		for (const r of world.gitlab.runners) for (const job of r.running) this.started(job, r);
	}

	/** The runner managers: Deployments in `gitlab-runners` labelled with a runner type the GitLab fleet has. */
	endpoints(): GitLabManagerEndpoint[] {
		const out: GitLabManagerEndpoint[] = [];
		for (const d of this.world.cluster.list(APPS_V1, 'Deployment', GITLAB_RUNNER_NAMESPACE)) {
			const kind = d.metadata.labels?.['runner-type'];
			if (!isKind(kind)) continue;
			const image = String(d.spec?.template?.spec?.containers?.[0]?.image ?? '');
			const version = /:(?:[a-z0-9]+-)?v?(\d+\.\d+\.\d+)/.exec(image)?.[1] ?? '0.0.0';
			out.push({ name: d.metadata.name, namespace: GITLAB_RUNNER_NAMESPACE, kind, version });
		}
		return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	}

	endpoint(name: string): GitLabManagerEndpoint | undefined {
		return this.endpoints().find((e) => e.name === name);
	}

	/** The short token gitlab-runner puts in the `runner` label; stable per (seed, runner id). */
	private token(r: Runner): string {
		let t = this.tokens.get(r.id);
		if (t === undefined) {
			t = `t1_${hexOf(`runner-token/${this.world.seed}/${r.id}`, 6)}`;
			this.tokens.set(r.id, t);
		}
		return t;
	}

	private runnerLabels(r: Runner, systemId: string | null): Labels {
		return { runner: this.token(r), runner_name: r.configName, system_id: systemId ?? '' };
	}

	started(job: Job, r: Runner): void {
		const c = this.counters.get(r.kind);
		if (!c) return;
		const l = this.runnerLabels(r, job.systemId);
		c.jobsTotal.inc(l);
		c.queueDuration.observeMs(l, Math.max(0, (job.startedAt ?? job.createdAt) - job.createdAt));
		c.requests.inc({ runner: l.runner as string, system_id: l.system_id as string, endpoint: 'request_job', status: '201' });
	}

	finished(job: Job, r: Runner): void {
		const c = this.counters.get(r.kind);
		if (!c || job.startedAt === null) return;
		const l = this.runnerLabels(r, job.systemId);
		c.jobDuration.observeMs(l, Math.max(0, (job.finishedAt ?? job.startedAt) - job.startedAt));
		c.requests.inc({ runner: l.runner as string, system_id: l.system_id as string, endpoint: 'update_job', status: '200' });
		if (job.status === 'failed') {
			const reason = job.failureReason ?? 'unknown_failure';
			c.failed.inc({ ...l, failure_reason: reason });
			// gitlab-runner logs a script failure as a warning, a lost runner or a timeout as an error.
			c.errors.inc({ level: reason === 'script_failure' ? 'warning' : 'error' });
		}
	}

	/** Counters of one runner kind (for tests and ground truth). */
	totals(kind: RunnerKind): { jobs: number; failed: number; finished: number } {
		const c = this.counters.get(kind) as ManagerCounters;
		return { jobs: c.jobsTotal.total(), failed: c.failed.total(), finished: c.jobDuration.count() };
	}

	render(e: GitLabManagerEndpoint): string {
		const c = this.counters.get(e.kind) as ManagerCounters;
		const runners = this.world.gitlab.runners.filter((r) => r.kind === e.kind);
		const out = new Exposition();

		// Gauges over the runners' active managers (the processes that poll GitLab now).
		const jobs: { labels: Labels; value: number }[] = [];
		const limits: { labels: Labels; value: number }[] = [];
		let concurrent = 0;
		for (const r of runners) {
			if (!r.connected) continue;
			concurrent += runnerCapacity(r);
			const perManager = new Map<string, number>();
			for (const m of r.managers) if (m.active) perManager.set(m.systemId, 0);
			for (const j of r.running) {
				const sid = j.systemId ?? '';
				perManager.set(sid, (perManager.get(sid) ?? 0) + 1);
			}
			for (const [sid, n] of perManager) {
				const l = this.runnerLabels(r, sid);
				jobs.push({ labels: { ...l, state: 'idle', stage: 'idle', executor_stage: 'idle' }, value: 0 });
				if (n > 0) jobs.push({ labels: { ...l, state: 'running', stage: 'step_script', executor_stage: 'kubernetes_run' }, value: n });
				limits.push({ labels: { runner: l.runner as string, system_id: sid }, value: r.concurrent });
			}
		}
		// Jobs of this type still running on a runner that is no longer connected cannot exist
		// (a disconnect fails them), so the gauges above hold every running job of the kind.
		let pending = 0;
		if (this.world.gitlab.board.pending > 0) {
			for (const q of this.world.gitlab.board.queueSizes()) if (kindOfTags(q.tags) === e.kind) pending += q.waiting;
		}

		out.simple('gitlab_runner_api_request_statuses_total', 'counter', 'The total number of api requests, partitioned by runner, system_id, endpoint and status.', c.requests.samples());
		out.simple('gitlab_runner_concurrent', 'gauge', 'The current value of concurrent setting', [{ labels: {}, value: concurrent }]);
		out.simple('gitlab_runner_errors_total', 'counter', 'The number of caught errors.', [
			{ labels: { level: 'error' }, value: c.errors.get({ level: 'error' }) },
			{ labels: { level: 'warning' }, value: c.errors.get({ level: 'warning' }) }
		]);
		out.simple('gitlab_runner_failed_jobs_total', 'counter', 'Total number of failed jobs', c.failed.samples());
		out.histogram('gitlab_runner_job_duration_seconds', 'Histogram of job durations', c.jobDuration.all());
		out.histogram('gitlab_runner_job_queue_duration_seconds', 'A histogram representing job queue duration.', c.queueDuration.all());
		out.simple('gitlab_runner_job_queue_depth', 'gauge', 'A gauge representing the search depth in the queue for the runner', [{ labels: {}, value: pending }]);
		out.simple('gitlab_runner_job_queue_size', 'gauge', 'A gauge representing the size of the queue for the runner', [{ labels: {}, value: pending }]);
		out.simple('gitlab_runner_jobs', 'gauge', 'The current number of running builds.', jobs);
		out.simple('gitlab_runner_jobs_total', 'counter', 'Total number of handled jobs', c.jobsTotal.samples());
		out.simple('gitlab_runner_limit', 'gauge', 'The current value of limit setting', limits);
		out.simple('gitlab_runner_version_info', 'gauge', 'A metric with a constant \'1\' value labeled by different build stats fields.', [
			{
				labels: {
					architecture: 'amd64',
					branch: `${e.version.split('.').slice(0, 2).join('-')}-stable`,
					built_at: '2024-11-20 15:13:09 +0000',
					go_version: 'go1.22.7',
					kernel_version: '6.1.0-28-cloud-amd64',
					name: 'gitlab-runner',
					os: 'linux',
					revision: revisionOf(e.version),
					version: e.version
				},
				value: 1
			}
		]);
		return out.text();
	}
}
