// The Kubernetes side of the world: the controllers that act on `world.cluster` (the
// object store the /k8s API serves). Each step they first take in what changed through
// the API since their last step (from the store's event history: deleted pods, new or
// deleted Deployments, HPAs and AutoscalingRunnerSets), then run: the scheduler (pods
// waiting for room), the HPA controller (on the GitLab job load), the
// Deployment/ReplicaSet controllers, and ARC; Events older than their TTL go last.

import type { K8sObject, ObjectStore, WatchEvent } from '../../k8s/store.js';
import type { GitLabSim } from '../gitlab/sim.js';
import type { RunnerKind } from '../gitlab/model.js';
import type { GitHubSim } from '../github/sim.js';
import type { Rng } from '../rng.js';
import { ArcController, type ScaleSetTruth } from './arc.js';
import { HpaController } from './hpa.js';
import type { MetricsSource, PodUsage } from './hpa-metrics.js';
import { APPS_V1, ARC_V1ALPHA1, AUTOSCALING_V2, V1, keyOf, parseQuantity } from './meta.js';
import {
	ARC_CONTROLLER,
	ARC_CONTROLLER_NAMESPACE,
	ARC_RUNNER_NAMESPACE,
	GITLAB_RUNNER_NAMESPACE,
	GITLAB_RUNNER_STACK,
	HPA_METRIC,
	installedAt,
	NAMESPACES,
	RUNNER_TYPES,
	arcControllerDeployment,
	autoscalingRunnerSet,
	isStackScaleSet,
	namespaceObject,
	runnerConfigMap,
	runnerDeployment,
	runnerHpa,
	scaleSetSpec,
	type RunnerType
} from './stacks.js';
import { EventRecorder } from './events.js';
import { Nodes } from './nodes.js';
import { Workloads } from './workloads.js';
import { Writer } from './writer.js';

export const DEFAULT_SCALE_SETS = 3;

export interface HpaTruth {
	name: string;
	namespace: string;
	target: string;
	min: number;
	max: number;
	current: number;
	desired: number;
}

export interface K8sCounts {
	pods: { total: number; by_namespace: Record<string, number>; by_phase: Record<string, number> };
	hpas: HpaTruth[];
	nodes: { total: number; by_pool: Record<string, number> };
	/** Pods no node has room for (PodScheduled=False). */
	unschedulable_pods: number;
	/** Whether the metrics APIs are failing (the control API's metrics fault). */
	metrics_down: boolean;
}

/** Which runner type's HPA a GitLab job counts towards: by its tags when pending, by its runner when running. */
export function kindOfTags(tags: readonly string[]): RunnerKind {
	if (tags.includes('dind')) return 'dind';
	if (tags.includes('nix')) return 'nix';
	return 'docker';
}

export class KubeSim {
	private readonly w: Writer;
	readonly events: EventRecorder;
	/** Nodes, node pools and the scheduler. */
	readonly nodes: Nodes;
	readonly workloads: Workloads;
	readonly hpas: HpaController;
	readonly arc: ArcController;
	/** Store version after our last step: later events were made by someone else. */
	private seenRv = 0;
	/** The metrics APIs (external.metrics.k8s.io) answer 503: the HPAs cannot compute. */
	metricsDown = false;

	constructor(
		private readonly store: ObjectStore,
		rng: Rng,
		private readonly gitlab: GitLabSim,
		private readonly github: GitHubSim,
		scaleSets: number,
		now: number
	) {
		this.w = new Writer(store);
		this.events = new EventRecorder(this.w);
		this.nodes = new Nodes(this.w, this.events, store, installedAt(now));
		this.workloads = new Workloads(this.w, rng, this.events, this.nodes);
		this.hpas = new HpaController(this.w, this.events, this.workloads);
		this.arc = new ArcController(this.w, rng, this.events, github, this.nodes, () => (this.workloads.replicas(ARC_CONTROLLER_NAMESPACE, ARC_CONTROLLER)?.ready ?? 0) > 0);
		this.install(scaleSets, now);
	}

	/** What the GitOps stacks apply, then the controllers' first pass, already settled at `now`. */
	private install(scaleSets: number, now: number): void {
		const installed = installedAt(now);
		for (const ns of NAMESPACES) this.w.create(namespaceObject(ns), installed);
		for (const t of RUNNER_TYPES) {
			const spec = GITLAB_RUNNER_STACK[t];
			this.w.create(runnerConfigMap(spec), installed);
			this.w.create(runnerDeployment(spec), installed);
			this.w.create(runnerHpa(spec), installed);
		}
		this.w.create(arcControllerDeployment(), installed);
		for (let i = 0; i < scaleSets; i++) this.w.create(autoscalingRunnerSet(scaleSetSpec(i)), installed);
		this.observeAll();
		this.workloads.reconcileAll(now, true);
		this.arc.reconcileAll(now, true);
		this.seenRv = Number(this.store.resourceVersion);
	}

	step(_t0: number, t1: number): void {
		this.observeChanges(t1);
		this.nodes.retry(t1);
		let load: Record<RunnerKind, number> | undefined;
		const loadOf = (type: RunnerKind) => (load ??= this.gitlabLoad())[type];
		const metrics: MetricsSource = {
			external: (name, labels) => {
				if (this.metricsDown) return { error: `the server is currently unable to handle the request (get ${name}.external.metrics.k8s.io)` };
				if (name !== HPA_METRIC) return undefined;
				const type = labels.runner_type;
				return type === 'docker' || type === 'dind' || type === 'nix' ? loadOf(type) : undefined;
			},
			pods: (namespace, deployment, resource) => {
				if (this.metricsDown) return { error: 'the server is currently unable to handle the request (get pods.metrics.k8s.io)' };
				return this.podUsage(namespace, deployment, resource, loadOf);
			}
		};
		this.hpas.reconcileAll(t1, metrics);
		this.workloads.reconcileAll(t1);
		this.arc.reconcileAll(t1);
		this.events.expire(t1);
		this.seenRv = Number(this.store.resourceVersion);
	}

	/**
	 * What metrics-server would report for a Deployment's running pods. A runner
	 * manager's usage follows the jobs it supervises (15 % of its request idle, its
	 * request at `concurrent` jobs per pod, at most twice that); other pods sit at 30 %.
	 */
	private podUsage(namespace: string, deployment: string, resource: string, loadOf: (t: RunnerKind) => number): PodUsage[] {
		const dep = this.store.get(APPS_V1, 'Deployment', namespace, deployment);
		const container = dep?.spec?.template?.spec?.containers?.[0] ?? {};
		const request = parseQuantity(container.resources?.requests?.[resource]);
		const running = this.workloads.runningPods(namespace, deployment);
		const type = RUNNER_TYPES.find((t) => namespace === GITLAB_RUNNER_NAMESPACE && GITLAB_RUNNER_STACK[t].name === deployment);
		let busy = 0.3;
		if (type && running.length > 0) busy = 0.15 + 0.85 * Math.min(2, loadOf(type) / (running.length * GITLAB_RUNNER_STACK[type].concurrent));
		const base = Number.isFinite(request) && request > 0 ? request : resource === 'cpu' ? 0.1 : 128 * 1024 ** 2;
		return running.map((pod) => ({ pod, container: String(container.name ?? ''), usage: Math.round(base * busy * 1000) / 1000, request }));
	}

	/** Pending + running GitLab jobs per runner type: the HPAs' external metric. */
	gitlabLoad(): Record<RunnerKind, number> {
		const out: Record<RunnerKind, number> = { docker: 0, dind: 0, nix: 0 };
		for (const r of this.gitlab.runners) if (r.running.length > 0) out[r.kind] += r.running.length;
		if (this.gitlab.board.pending > 0) for (const q of this.gitlab.board.queueSizes()) out[kindOfTags(q.tags)] += q.waiting;
		return out;
	}

	/** Takes in changes made through the API (or the control API) since our last step. */
	private observeChanges(at: number): void {
		if (Number(this.store.resourceVersion) === this.seenRv) return;
		const events = this.store.since(this.seenRv);
		if (events === null) {
			// More changed than the history holds: resync everything.
			this.w.forgetAll();
			this.observeAll();
			this.workloads.verify();
			this.arc.verify(at);
			return;
		}
		for (const e of events) this.observe(e, at);
	}

	private observe(e: WatchEvent, at: number): void {
		const o = e.object;
		const key = keyOf(o);
		// Someone else wrote it: our next status / owned write must not be skipped.
		this.w.forget(key);
		const ns = o.metadata.namespace ?? '';
		if (e.type === 'DELETED') {
			if (o.kind === 'Pod' && o.apiVersion === V1) {
				if (!this.workloads.podGone(key)) this.arc.gone('Pod', key, at);
			} else if (o.kind === 'EphemeralRunner' && o.apiVersion === ARC_V1ALPHA1) this.arc.gone('EphemeralRunner', key, at);
			else if (o.kind === 'ReplicaSet' && o.apiVersion === APPS_V1) this.workloads.replicaSetGone(ns, o.metadata.name);
			else if (o.kind === 'EphemeralRunnerSet' && o.apiVersion === ARC_V1ALPHA1) this.arc.ephemeralRunnerSetGone(ns, o.metadata.name);
			// Deleted Deployments, HPAs and scale sets are noticed by their controllers' next get.
			return;
		}
		this.track(o);
	}

	private track(o: K8sObject): void {
		const ns = o.metadata.namespace ?? 'default';
		if (o.apiVersion === APPS_V1 && o.kind === 'Deployment') this.workloads.track(ns, o.metadata.name);
		else if (o.apiVersion === AUTOSCALING_V2 && o.kind === 'HorizontalPodAutoscaler') this.hpas.track(ns, o.metadata.name);
		else if (o.apiVersion === ARC_V1ALPHA1 && o.kind === 'AutoscalingRunnerSet') this.arc.track(ns, o.metadata.name);
	}

	/** Full resync (start-up, or the event history no longer reaches back far enough). */
	private observeAll(): void {
		for (const o of this.store.list(APPS_V1, 'Deployment')) this.track(o);
		for (const o of this.store.list(AUTOSCALING_V2, 'HorizontalPodAutoscaler')) this.track(o);
		for (const o of this.store.list(ARC_V1ALPHA1, 'AutoscalingRunnerSet')) this.track(o);
	}

	// --- control (out-of-band changes an operator would make with tofu or kubectl) ---

	/** Sets the number of stack-managed scale sets: gh-nix, gh-docker, gh-dind, then gh-extra-N. */
	setScaleSets(n: number, at: number): void {
		const want = new Set(Array.from({ length: n }, (_, i) => scaleSetSpec(i).name));
		for (const ars of this.store.list(ARC_V1ALPHA1, 'AutoscalingRunnerSet', ARC_RUNNER_NAMESPACE)) {
			if (isStackScaleSet(ars.metadata.name) && !want.has(ars.metadata.name)) this.w.delete(ARC_V1ALPHA1, 'AutoscalingRunnerSet', ARC_RUNNER_NAMESPACE, ars.metadata.name);
		}
		for (let i = 0; i < n; i++) {
			const spec = scaleSetSpec(i);
			if (!this.store.get(ARC_V1ALPHA1, 'AutoscalingRunnerSet', ARC_RUNNER_NAMESPACE, spec.name)) this.w.create(autoscalingRunnerSet(spec), at);
		}
	}

	/** Spreads a floor of `n` idle ephemeral runners over the scale sets (their minRunners; maxRunners raised to fit). */
	setEphemeralFloor(n: number): void {
		const sets = this.store.list(ARC_V1ALPHA1, 'AutoscalingRunnerSet');
		sets.forEach((ars, i) => {
			const min = Math.floor(n / sets.length) + (i < n % sets.length ? 1 : 0);
			this.w.update(ARC_V1ALPHA1, 'AutoscalingRunnerSet', ars.metadata.namespace, ars.metadata.name, (o) => {
				const max = typeof o.spec?.maxRunners === 'number' ? Math.max(o.spec.maxRunners, min) : o.spec?.maxRunners;
				return { ...o, spec: { ...o.spec, minRunners: min, ...(max === undefined ? {} : { maxRunners: max }) } };
			});
		});
	}

	/**
	 * Aims for `n` pods in all: what ARC keeps at rest (one listener per scale set, the
	 * runner floors, other Deployments' replicas) is counted, and the rest becomes the
	 * GitLab runner HPAs' minReplicas (split docker 45 / dind 25 / nix 30; maxReplicas raised to fit).
	 * Returns the GitLab runner pods asked for.
	 */
	setPodTarget(n: number): number {
		let fixed = 0;
		for (const ars of this.store.list(ARC_V1ALPHA1, 'AutoscalingRunnerSet')) {
			const min = typeof ars.spec?.minRunners === 'number' ? ars.spec.minRunners : 0;
			const max = typeof ars.spec?.maxRunners === 'number' ? ars.spec.maxRunners : Infinity;
			fixed += 1 + Math.min(min, max);
		}
		const hpaTargets = new Set(RUNNER_TYPES.map((t) => GITLAB_RUNNER_STACK[t].name));
		for (const d of this.store.list(APPS_V1, 'Deployment')) {
			if (!(d.metadata.namespace === 'gitlab-runners' && hpaTargets.has(d.metadata.name))) fixed += typeof d.spec?.replicas === 'number' ? d.spec.replicas : 1;
		}
		const gitlabPods = Math.max(RUNNER_TYPES.length, n - fixed);
		const weights: Record<RunnerType, number> = { docker: 45, dind: 25, nix: 30 };
		let left = gitlabPods;
		RUNNER_TYPES.forEach((t, i) => {
			const min = i === RUNNER_TYPES.length - 1 ? left : Math.max(1, Math.round((gitlabPods * weights[t]) / 100));
			left -= min;
			const spec = GITLAB_RUNNER_STACK[t];
			this.w.update(AUTOSCALING_V2, 'HorizontalPodAutoscaler', 'gitlab-runners', `${spec.name}-hpa`, (o) => ({
				...o,
				spec: { ...o.spec, minReplicas: min, maxReplicas: Math.max(typeof o.spec?.maxReplicas === 'number' ? o.spec.maxReplicas : 0, min) }
			}));
		});
		return gitlabPods;
	}

	// --- ground truth ---

	counts(): K8sCounts {
		const byNamespace: Record<string, number> = {};
		const byPhase: Record<string, number> = {};
		let total = 0;
		for (const p of this.store.scan(V1, 'Pod')) {
			const ns = p.metadata.namespace ?? 'default';
			byNamespace[ns] = (byNamespace[ns] ?? 0) + 1;
			const phase = String(p.status?.phase ?? 'Unknown');
			byPhase[phase] = (byPhase[phase] ?? 0) + 1;
			total++;
		}
		const hpas: HpaTruth[] = this.store.list(AUTOSCALING_V2, 'HorizontalPodAutoscaler').map((h) => ({
			name: h.metadata.name,
			namespace: h.metadata.namespace ?? 'default',
			target: String(h.spec?.scaleTargetRef?.name ?? ''),
			min: typeof h.spec?.minReplicas === 'number' ? h.spec.minReplicas : 1,
			max: h.spec?.maxReplicas,
			current: h.status?.currentReplicas ?? 0,
			desired: h.status?.desiredReplicas ?? 0
		}));
		const sorted = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
		const byPool = { ci: this.nodes.pool('ci').nodes, system: this.nodes.pool('system').nodes };
		return {
			pods: { total, by_namespace: sorted(byNamespace), by_phase: sorted(byPhase) },
			hpas,
			nodes: { total: byPool.ci + byPool.system, by_pool: byPool },
			unschedulable_pods: this.nodes.pendingCount,
			metrics_down: this.metricsDown
		};
	}

	scaleSets(): ScaleSetTruth[] {
		return this.arc.truth();
	}
}
