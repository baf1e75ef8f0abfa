// ARC's metrics: one listener per AutoscalingRunnerSet (`gha_*`, the ghalistener's
// exporter) and the controller (`gha_controller_*`). Gauges are read from the simulated
// scale sets at the moment of the scrape; the job counters and histograms are fed by the
// jobs that start and complete on the scale set's runners, and start again from zero
// whenever the listener restarts (its pod is replaced or its container restarts), as
// a real listener's in-memory registry does.

import { ORG } from '../sim/github/catalog.js';
import type { Conclusion, EphemeralRegistration, GitHubJob, ScaleSet } from '../sim/github/model.js';
import type { ScaleSetJobObserver } from '../sim/github/sim.js';
import { eventName } from '../sim/github/runs.js';
import type { ScaleSetTruth } from '../sim/cluster/arc.js';
import { ARC_V1ALPHA1, V1 } from '../sim/cluster/meta.js';
import { ARC_CONTROLLER, ARC_CONTROLLER_NAMESPACE } from '../sim/cluster/stacks.js';
import type { World } from '../sim/world.js';
import { CounterVec, Exposition, HistogramVec, type Labels, type Sample } from './exposition.js';

/** The buckets ARC's chart configures for the listener's job histograms (`listenerMetrics`). */
export const ARC_DURATION_BUCKETS = [5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600] as const;
/** What the listener reports as gha_max_runners when maxRunners is unset (math.MaxInt32). */
export const UNBOUNDED_MAX_RUNNERS = 2_147_483_647;

const RESULT: Record<Conclusion, string> = { success: 'succeeded', failure: 'failed', cancelled: 'canceled' };

export interface ListenerEndpoint {
	/** AutoscalingRunnerSet name and namespace. */
	name: string;
	namespace: string;
	/** The GitHub runner scale set it listens for. */
	scaleSetName: string;
	listenerPod: string;
	/** The listener pod is Running, so its metrics port answers. */
	up: boolean;
	/** Labels the listener puts on its gauges, from githubConfigUrl. */
	base: { organization: string; repository: string; enterprise: string };
}

/** What one listener process has counted since it started. */
class ListenerCounters {
	readonly started = new CounterVec();
	readonly completed = new CounterVec();
	readonly startup = new HistogramVec(ARC_DURATION_BUCKETS);
	readonly execution = new HistogramVec(ARC_DURATION_BUCKETS);
	constructor(readonly generation: string) {}
}

/** `https://host/org`, `https://host/org/repo` or `https://host/enterprises/ent`, as ARC reads githubConfigUrl. */
export function configScope(url: unknown): { organization: string; repository: string; enterprise: string } {
	const scope = { organization: '', repository: '', enterprise: '' };
	if (typeof url !== 'string') return scope;
	let parts: string[];
	try {
		parts = new URL(url).pathname.split('/').filter(Boolean);
	} catch {
		return scope;
	}
	if (parts[0] === 'enterprises') scope.enterprise = parts[1] ?? '';
	else {
		scope.organization = parts[0] ?? '';
		scope.repository = parts[1] ?? '';
	}
	return scope;
}


export class ArcExporters implements ScaleSetJobObserver {
	/** Keyed by `namespace/name` of the AutoscalingRunnerSet. */
	private listeners = new Map<string, ListenerCounters>();

	constructor(private readonly world: World) {
		world.github.observers.push(this);
	}

	/** One listener per AutoscalingRunnerSet in the store (one ARC has not taken in yet is listed, not up). */
	endpoints(): ListenerEndpoint[] {
		const tracked = new Map(this.world.kube.arc.listeners().map((l) => [`${l.namespace}/${l.name}`, l]));
		const out: ListenerEndpoint[] = [];
		for (const ars of this.world.cluster.list(ARC_V1ALPHA1, 'AutoscalingRunnerSet')) {
			const namespace = ars.metadata.namespace ?? 'default';
			const name = ars.metadata.name;
			const l = tracked.get(`${namespace}/${name}`);
			const listenerPod = l?.listenerName ?? '';
			out.push({
				name,
				namespace,
				scaleSetName: l?.scaleSetName ?? name,
				listenerPod,
				up: l ? (this.generation(listenerPod)?.running ?? false) : false,
				base: configScope(ars.spec?.githubConfigUrl)
			});
		}
		return out.sort((a, b) => (a.namespace !== b.namespace ? (a.namespace < b.namespace ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	}

	endpoint(namespace: string, name: string): ListenerEndpoint | undefined {
		return this.endpoints().find((e) => e.namespace === namespace && e.name === name);
	}

	/** The listener process's identity: its pod's uid and container restart count. */
	private generation(listenerPod: string): { id: string; running: boolean } | undefined {
		const pod = this.world.cluster.get(V1, 'Pod', ARC_CONTROLLER_NAMESPACE, listenerPod);
		if (!pod) return undefined;
		const restarts = Number(pod.status?.containerStatuses?.[0]?.restartCount ?? 0);
		// A crash-looping container is not listening, whatever the pod's phase.
		return { id: `${pod.metadata.uid}/${restarts}`, running: pod.status?.phase === 'Running' && pod.status?.containerStatuses?.[0]?.ready !== false };
	}

	/** The counters of the listener process now running for `namespace/name`, or undefined when none runs. */
	private current(namespace: string, name: string, listenerPod: string): ListenerCounters | undefined {
		const key = `${namespace}/${name}`;
		const gen = listenerPod ? this.generation(listenerPod) : undefined;
		if (!gen?.running) {
			this.listeners.delete(key);
			return undefined;
		}
		let c = this.listeners.get(key);
		if (!c || c.generation !== gen.id) {
			c = new ListenerCounters(gen.id);
			this.listeners.set(key, c);
		}
		return c;
	}

	private forScaleSet(s: ScaleSet): { c: ListenerCounters; enterprise: string } | undefined {
		for (const l of this.world.kube.arc.listeners()) {
			if (l.scaleSetName !== s.name) continue;
			const c = this.current(l.namespace, l.name, l.listenerName);
			if (!c) return undefined;
			const ars = this.world.cluster.get(ARC_V1ALPHA1, 'AutoscalingRunnerSet', l.namespace, l.name);
			return { c, enterprise: configScope(ars?.spec?.githubConfigUrl).enterprise };
		}
		return undefined;
	}

	private jobLabels(job: GitHubJob, enterprise: string): Labels {
		const [owner = ORG.login, repo = ''] = job.repo.split('/');
		return {
			repository: repo,
			organization: owner,
			enterprise,
			job_name: job.name,
			job_workflow_ref: job.workflowRef,
			event_name: eventName(job.workflowRef)
		};
	}

	started(s: ScaleSet, job: GitHubJob, _runner: EphemeralRegistration): void {
		const t = this.forScaleSet(s);
		if (!t) return; // no listener running: nobody counts it
		const l = this.jobLabels(job, t.enterprise);
		t.c.started.inc(l);
		// ARC: RunnerAssignTime - ScaleSetAssignTime; the sandbox assigns a job to its scale set as it arrives.
		t.c.startup.observeMs(l, Math.max(0, (job.startedAt ?? job.createdAt) - job.createdAt));
	}

	completed(s: ScaleSet, job: GitHubJob, _runner: EphemeralRegistration): void {
		const t = this.forScaleSet(s);
		if (!t) return;
		const l = { ...this.jobLabels(job, t.enterprise), job_result: RESULT[job.conclusion ?? 'failure'] };
		t.c.completed.inc(l);
		const started = job.startedAt ?? job.createdAt;
		t.c.execution.observeMs(l, Math.max(0, (job.finishedAt ?? started) - started));
	}

	/** Started/completed counts of the listener now running (for tests), or undefined when it is down. */
	counts(namespace: string, name: string): { started: number; completed: number } | undefined {
		const e = this.endpoint(namespace, name);
		const c = e && this.current(namespace, name, e.listenerPod);
		return c ? { started: c.started.total(), completed: c.completed.total() } : undefined;
	}

	private truth(e: { namespace: string; name: string }): ScaleSetTruth | undefined {
		return this.world.kube.scaleSets().find((s) => s.namespace === e.namespace && s.name === e.name);
	}

	/** The listener's exposition, or undefined when its pod is not running (nothing listens on its port). */
	renderListener(e: ListenerEndpoint): string | undefined {
		const c = this.current(e.namespace, e.name, e.listenerPod);
		const t = this.truth(e);
		if (!c || !t) return undefined;
		const base: Labels = { name: e.name, namespace: e.namespace, repository: e.base.repository, organization: e.base.organization, enterprise: e.base.enterprise };
		const g = (value: number): Sample[] => [{ labels: base, value }];
		const out = new Exposition();
		out.simple('gha_assigned_jobs', 'gauge', 'Number of jobs assigned to this scale set.', g(t.assigned_jobs));
		out.simple('gha_running_jobs', 'gauge', 'Number of jobs running (or about to be run).', g(t.running_jobs));
		out.simple('gha_registered_runners', 'gauge', 'Number of runners registered by the scale set.', g(t.running));
		out.simple('gha_busy_runners', 'gauge', 'Number of registered runners running a job.', g(t.busy));
		out.simple('gha_min_runners', 'gauge', 'Minimum number of runners.', g(t.min_runners));
		out.simple('gha_max_runners', 'gauge', 'Maximum number of runners.', g(t.max_runners ?? UNBOUNDED_MAX_RUNNERS));
		out.simple('gha_desired_runners', 'gauge', 'Number of runners desired by the scale set.', g(t.desired_runners));
		out.simple('gha_idle_runners', 'gauge', 'Number of registered runners not running a job.', g(t.idle));
		out.simple('gha_started_jobs_total', 'counter', 'Total number of jobs started.', c.started.samples());
		out.simple('gha_completed_jobs_total', 'counter', 'Total number of jobs completed.', c.completed.samples());
		out.histogram('gha_job_startup_duration_seconds', 'Time spent waiting for workflow job to get started on the runner owned by the scale set (in seconds).', c.startup.all());
		out.histogram('gha_job_execution_duration_seconds', 'Time spent executing workflow jobs by the scale set (in seconds).', c.execution.all());
		return out.text();
	}

	renderController(): string {
		const truth = new Map(this.world.kube.scaleSets().map((t) => [`${t.namespace}/${t.name}`, t]));
		const rows: { labels: Labels; t: ScaleSetTruth; up: boolean }[] = [];
		for (const e of this.endpoints()) {
			const t = truth.get(`${e.namespace}/${e.name}`);
			if (!t) continue;
			rows.push({ labels: { name: e.name, namespace: e.namespace, repository: e.base.repository, organization: e.base.organization, enterprise: e.base.enterprise }, t, up: e.up });
		}
		const out = new Exposition();
		out.simple('gha_controller_failed_ephemeral_runners', 'gauge', 'Number of ephemeral runners with a failed status.', rows.map((r) => ({ labels: r.labels, value: r.t.failed })));
		out.simple('gha_controller_pending_ephemeral_runners', 'gauge', 'Number of ephemeral runners in a pending state.', rows.map((r) => ({ labels: r.labels, value: r.t.pending })));
		out.simple('gha_controller_running_ephemeral_runners', 'gauge', 'Number of ephemeral runners in a running state.', rows.map((r) => ({ labels: r.labels, value: r.t.running })));
		out.simple('gha_controller_running_listeners', 'gauge', 'Number of listeners in a running state.', rows.map((r) => ({ labels: r.labels, value: r.up ? 1 : 0 })));
		return out.text();
	}

	/** The controller's own Deployment exists (its metrics endpoint is served while it does). */
	controllerPresent(): boolean {
		return this.world.cluster.get('apps/v1', 'Deployment', ARC_CONTROLLER_NAMESPACE, ARC_CONTROLLER) !== undefined;
	}
}
