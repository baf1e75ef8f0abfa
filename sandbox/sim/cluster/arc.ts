// The ARC controller and listeners (actions-runner-controller, runner scale set mode)
// for every AutoscalingRunnerSet in the store. Per scale set: a GitHub runner scale
// set, an AutoscalingListener with its pod in the controller namespace, one
// EphemeralRunnerSet, and one EphemeralRunner (+ pod) per runner. The listener asks
// for min(minRunners + assigned jobs, maxRunners) runners, as ARC's listener does;
// runners start, register with GitHub, run one job each and are removed. Spec is read
// from the store every step: patching maxRunners to 0 drains the scale set (idle
// runners go, busy ones finish, assigned jobs stay assigned but do not run).

import type { K8sObject, NewObject } from '../../k8s/store.js';
import { MINUTE, SECOND } from '../clock.js';
import { ORG } from '../github/catalog.js';
import { assignedCount, type EphemeralRegistration, type GitHubJob } from '../github/model.js';
import type { GitHubSim } from '../github/sim.js';
import type { Rng } from '../rng.js';
import type { EventRecorder } from './events.js';
import { ARC_V1ALPHA1, V1, fnv32, kubeTime, objectKey, ownerRef, suffix } from './meta.js';
import type { Nodes } from './nodes.js';
import { newPod, podObject, podStatus, podWake, progressPod, terminatePod, type PodRec } from './pods.js';
import { ARC_CONTROLLER_NAMESPACE, ARC_VERSION } from './stacks.js';
import type { Writer } from './writer.js';

export type RunnerPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/** Chance that a runner pod fails to start (image pull, node trouble); ARC retries up to 5 times. */
const START_FAILURE = 0.02;
const MAX_FAILURES = 5;
/** How long a permanently failed EphemeralRunner stays visible before it is cleaned up. */
const FAILED_LINGER_MS = 10 * MINUTE;
/** The kubelet's image pull and crash back-off: 10 s doubling to 5 min. */
const BACKOFF_MIN_MS = 10 * SECOND;
const BACKOFF_MAX_MS = 5 * MINUTE;

/** What the control API can do to a scale set's listener. */
export type ListenerMode = 'running' | 'stopped' | 'crashloop';

/** ARC's hash.FNVHashString: FNV-32a of the text, its decimal digits in the API server's safe alphabet. */
export function arcHash(text: string): string {
	const SAFE = 'bcdfghjklmnpqrstvwxz2456789';
	return [...String(fnv32(text))].map((d) => SAFE[d.charCodeAt(0) % SAFE.length]).join('');
}

/** A label map as text, computed once per map (status writes keep the scale set's labels object). */
const labelTexts = new WeakMap<object, string>();
function labelsText(labels: Record<string, string> | undefined): string {
	if (!labels) return '';
	let t = labelTexts.get(labels);
	if (t === undefined) labelTexts.set(labels, (t = JSON.stringify(labels)));
	return t;
}

/** Go's time.Duration.String for whole seconds: 10s, 1m20s, 5m0s. */
function goDuration(ms: number): string {
	const s = Math.round(ms / 1000);
	return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

/** scaleSetListenerName: `<AutoscalingRunnerSet>-<hash of its namespace, 8 chars>-listener`. */
export const listenerNameOf = (namespace: string, name: string) => `${name}-${arcHash(namespace).slice(0, 8)}-listener`;

interface RunnerRec {
	name: string;
	phase: RunnerPhase;
	createdAt: number;
	pod: PodRec | null;
	failures: Record<string, string>;
	reg: EphemeralRegistration | null;
	/** The job shown in status (kept after the job finished). */
	job: GitHubJob | null;
	finishedAt: number | null;
	reason: string | null;
	message: string | null;
	dirty: boolean;
	/** Its pod was deleted behind ARC's back: counted, but nothing runs (a "phantom runner"). */
	phantom: boolean;
	/** Held Pending (its image never pulls) until released; when the next back-off event is due. */
	frozen: { nextBackOff: number; backoff: number } | null;
}

interface SetState {
	namespace: string;
	name: string;
	/** The GitHub scale set's name (spec.runnerScaleSetName when first seen). */
	scaleSetName: string;
	scaleSetId: number;
	ersName: string;
	ersUid: string;
	listenerName: string;
	listener: PodRec | null;
	listenerMode: ListenerMode;
	/** While crash-looping: when the container next restarts (and crashes), and the back-off after that. */
	crash: { next: number; backoff: number } | null;
	runners: Map<string, RunnerRec>;
	desired: number;
	adopted: boolean;
	listenerSig: string;
	/** What the last reconcile saw, and when something next changes by itself. */
	sig: string;
	wake: number;
}

export interface ScaleSetTruth {
	name: string;
	namespace: string;
	min_runners: number;
	max_runners: number | null;
	desired_runners: number;
	current_runners: number;
	pending: number;
	running: number;
	failed: number;
	idle: number;
	busy: number;
	assigned_jobs: number;
	running_jobs: number;
	/** The listener pod's state: running, pending, crashloop, stopped (no pod). */
	listener: string;
	/** EphemeralRunners counted whose pod is gone. */
	phantom_runners: string[];
	/** EphemeralRunners held Pending by the control API. */
	frozen_runners: string[];
}

const intOr = (v: unknown, d: number): number => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : d);

export class ArcController {
	private sets = new Map<string, SetState>();
	/** EphemeralRunner / pod key → its scale set, to notice deletions made through the API. */
	private index = new Map<string, SetState>();

	constructor(
		private readonly w: Writer,
		private readonly rng: Rng,
		private readonly events: EventRecorder,
		private readonly github: GitHubSim,
		private readonly nodes: Nodes,
		/** Whether the ARC controller has a running pod; without one nothing reconciles. */
		private readonly controllerUp: () => boolean = () => true
	) {}

	track(namespace: string, name: string): void {
		const key = objectKey(ARC_V1ALPHA1, 'AutoscalingRunnerSet', namespace, name);
		if (this.sets.has(key)) return;
		this.sets.set(key, {
			namespace,
			name,
			scaleSetName: name,
			scaleSetId: 0,
			ersName: `${name}-${suffix(this.rng)}`,
			ersUid: '',
			listenerName: listenerNameOf(namespace, name),
			listener: null,
			listenerMode: 'running',
			crash: null,
			runners: new Map(),
			desired: -1,
			adopted: false,
			listenerSig: '',
			sig: '',
			wake: -Infinity
		});
	}

	keys(): string[] {
		return [...this.sets.keys()];
	}

	reconcileAll(at: number, settled = false): void {
		if (!settled && !this.controllerUp()) return;
		for (const key of [...this.sets.keys()]) this.reconcile(key, at, settled);
	}

	/** An object we own was deleted through the API. Returns true if it was ours. */
	gone(kind: string, key: string, at: number): boolean {
		const st = this.index.get(key);
		if (!st) return false;
		this.index.delete(key);
		st.wake = -Infinity;
		if (kind === 'Pod' && st.listener && key === objectKey(V1, 'Pod', ARC_CONTROLLER_NAMESPACE, st.listenerName)) {
			st.listener = null;
			return true;
		}
		// A runner whose EphemeralRunner or pod is deleted is gone; a job on it fails.
		for (const r of st.runners.values()) {
			if (key === objectKey(ARC_V1ALPHA1, 'EphemeralRunner', st.namespace, r.name) || key === objectKey(V1, 'Pod', st.namespace, r.name)) {
				this.removeRunner(st, r, at);
				return true;
			}
		}
		return true;
	}

	/** After a resync: drop runners whose EphemeralRunner or pod is no longer in the store. */
	verify(at: number): void {
		for (const st of this.sets.values()) {
			for (const r of [...st.runners.values()]) {
				const erGone = !this.w.get(ARC_V1ALPHA1, 'EphemeralRunner', st.namespace, r.name);
				const podGone = r.pod !== null && !this.w.get(V1, 'Pod', st.namespace, r.name);
				if (erGone || podGone) this.removeRunner(st, r, at);
			}
			if (st.listener && !this.w.get(V1, 'Pod', ARC_CONTROLLER_NAMESPACE, st.listenerName)) st.listener = null;
			if (st.ersUid && !this.w.get(ARC_V1ALPHA1, 'EphemeralRunnerSet', st.namespace, st.ersName)) st.ersUid = '';
			st.wake = -Infinity;
		}
	}

	ephemeralRunnerSetGone(namespace: string, name: string): void {
		for (const st of this.sets.values()) if (st.namespace === namespace && st.ersName === name) st.ersUid = '';
	}

	reconcile(key: string, at: number, settled = false): void {
		const st = this.sets.get(key);
		if (!st) return;
		const ars = this.w.get(ARC_V1ALPHA1, 'AutoscalingRunnerSet', st.namespace, st.name);
		if (!ars) return this.teardown(key, st, at);
		// Nothing to do until the spec or the scale set's jobs change, or a pod starts or restarts.
		const known = this.github.scaleSet(st.scaleSetName);
		const sig = known ? `${ars.metadata.resourceVersion}|${assignedCount(known)}|${known.started}|${known.completed}|${known.running}` : '';
		const quiet =
			sig === st.sig &&
			at < st.wake &&
			st.ersUid &&
			(st.listener || st.listenerMode === 'stopped') &&
			this.w.current(ARC_V1ALPHA1, 'AutoscalingRunnerSet', st.namespace, st.name) &&
			this.w.current(ARC_V1ALPHA1, 'EphemeralRunnerSet', st.namespace, st.ersName);
		if (sig && quiet) return;
		const spec = ars.spec ?? {};
		if (!st.adopted) {
			st.scaleSetName = typeof spec.runnerScaleSetName === 'string' && spec.runnerScaleSetName ? spec.runnerScaleSetName : st.name;
		}
		const ss = this.github.ensureScaleSet(st.scaleSetName, spec.runnerGroup);
		st.scaleSetId = ss.id;
		if (!st.adopted) {
			st.adopted = true;
			this.w.update(ARC_V1ALPHA1, 'AutoscalingRunnerSet', st.namespace, st.name, (o) => ({
				...o,
				metadata: { ...o.metadata, annotations: { ...(o.metadata.annotations ?? {}), 'runner-scale-set-id': String(ss.id) } }
			}));
		}
		const minRunners = intOr(spec.minRunners, 0);
		const maxRunners = spec.maxRunners === undefined || spec.maxRunners === null ? Infinity : intOr(spec.maxRunners, 0);
		const fresh = this.w.get(ARC_V1ALPHA1, 'AutoscalingRunnerSet', st.namespace, st.name) as K8sObject;
		this.writeListener(st, fresh, minRunners, maxRunners, at, settled);

		for (const r of [...st.runners.values()]) this.progress(st, r, at, settled);

		// ARC's listener: min(minRunners + assigned jobs, maxRunners). Without a working
		// listener nobody updates the EphemeralRunnerSet: the last count stands.
		const listening = st.listenerMode === 'running' || st.desired < 0;
		const desired = listening ? Math.min(Math.min(minRunners, maxRunners) + assignedCount(ss), maxRunners) : st.desired;
		if (!st.ersUid) {
			st.desired = desired;
			st.ersUid = this.w.owned(this.ersObject(st, fresh), at).metadata.uid;
		} else if (desired !== st.desired || this.w.get(ARC_V1ALPHA1, 'EphemeralRunnerSet', st.namespace, st.ersName)?.spec?.replicas !== desired) {
			// The listener owns spec.replicas: someone else's value is put back.
			st.desired = desired;
			this.w.update(ARC_V1ALPHA1, 'EphemeralRunnerSet', st.namespace, st.ersName, (o) => ({ ...o, spec: { ...o.spec, replicas: desired } }));
		}
		let active = 0;
		for (const r of st.runners.values()) if (r.phase === 'Pending' || (r.phase === 'Running' && !r.reg?.done)) active++;
		for (; active < desired; active++) this.createRunner(st, fresh, at, settled);
		if (active > desired) this.scaleDown(st, active - desired, at);

		let pending = 0;
		let running = 0;
		let failed = 0;
		for (const r of st.runners.values()) {
			if (r.phase === 'Pending') pending++;
			else if (r.phase === 'Running') running++;
			else if (r.phase === 'Failed') failed++;
			if (r.dirty) this.writeRunner(st, r);
		}
		const counts = { pendingEphemeralRunners: pending, runningEphemeralRunners: running, failedEphemeralRunners: failed };
		const statusSig = `${st.runners.size}|${pending}|${running}|${failed}`;
		this.w.statusIf(ARC_V1ALPHA1, 'EphemeralRunnerSet', st.namespace, st.ersName, statusSig, () => ({ currentReplicas: st.runners.size, ...counts }));
		this.w.statusIf(ARC_V1ALPHA1, 'AutoscalingRunnerSet', st.namespace, st.name, statusSig, () => ({ currentRunners: st.runners.size, phase: 'Running', ...counts }));
		const after = this.github.scaleSet(st.scaleSetName);
		const arsRv = this.w.get(ARC_V1ALPHA1, 'AutoscalingRunnerSet', st.namespace, st.name)?.metadata.resourceVersion;
		st.sig = after ? `${arsRv}|${assignedCount(after)}|${after.started}|${after.completed}|${after.running}` : '';
		st.wake = st.listener ? podWake(st.listener) : st.listenerMode === 'stopped' ? Infinity : -Infinity;
		if (st.listenerMode === 'crashloop') st.wake = Math.min(st.wake, st.crash?.next ?? at);
		for (const r of st.runners.values()) {
			if (r.frozen) st.wake = Math.min(st.wake, r.frozen.nextBackOff);
			else if (r.phase === 'Pending' && r.pod) st.wake = Math.min(st.wake, r.pod.readyAt);
			else if (r.phase === 'Failed') st.wake = Math.min(st.wake, (r.finishedAt ?? at) + FAILED_LINGER_MS);
		}
	}

	private progress(st: SetState, r: RunnerRec, at: number, settled: boolean): void {
		if (r.frozen) {
			if (r.pod && at >= r.frozen.nextBackOff) {
				this.nodes.kubelet(r.pod, 'Normal', 'BackOff', `Back-off pulling image "${r.pod.image}"`, at);
				r.frozen.backoff = Math.min(2 * r.frozen.backoff, BACKOFF_MAX_MS);
				r.frozen.nextBackOff = at + r.frozen.backoff;
			}
			return;
		}
		if (r.phase === 'Failed') {
			if (at - (r.finishedAt ?? at) >= FAILED_LINGER_MS) this.removeRunner(st, r, at);
			return;
		}
		const pod = r.pod;
		if (r.phase === 'Pending' && pod && at >= pod.readyAt) {
			if (!settled && this.rng.chance(START_FAILURE)) return this.podFailed(st, r, at);
			progressPod(this.rng, pod, at);
			if (!settled) this.nodes.started(pod, at);
			r.reg = this.github.register(st.scaleSetName, r.name, at);
			r.phase = 'Running';
			r.dirty = true;
		}
		if (r.phase === 'Running' && r.reg) {
			if (r.reg.job && r.reg.job !== r.job) {
				r.job = r.reg.job;
				r.dirty = true;
			}
			if (r.reg.done) {
				// The runner process exits after its one job; ARC then deletes the runner.
				// Watchers see it Succeeded, then deleted, within the step.
				this.github.deregister(r.reg, at);
				r.phase = 'Succeeded';
				r.finishedAt = at;
				if (pod) terminatePod(pod, at, true);
				this.writeRunner(st, r);
				this.removeRunner(st, r, at);
			}
		}
	}

	/** The runner pod failed to start: ARC records the failure and retries with a new pod, up to 5 times. */
	private podFailed(st: SetState, r: RunnerRec, at: number): void {
		const uid = r.pod ? this.w.get(V1, 'Pod', st.namespace, r.name)?.metadata.uid : undefined;
		r.failures[uid ?? `pod-${Object.keys(r.failures).length + 1}`] = kubeTime(at);
		this.deletePod(st, r);
		const er = this.w.get(ARC_V1ALPHA1, 'EphemeralRunner', st.namespace, r.name);
		const n = Object.keys(r.failures).length;
		if (n >= MAX_FAILURES) {
			r.phase = 'Failed';
			r.finishedAt = at;
			r.reason = 'TooManyPodFailures';
			r.message = `Pod has failed to start more than ${MAX_FAILURES} times`;
			if (er) this.events.record(er, 'Warning', 'TooManyPodFailures', r.message, 'ephemeralrunner-controller', at);
		} else {
			if (er) this.events.record(er, 'Warning', 'RunnerPodFailed', `Runner pod failed to start, retrying (failure ${n})`, 'ephemeralrunner-controller', at);
			this.createPod(st, r, at, at + SECOND * (10 * 2 ** n + this.rng.int(10)));
		}
		r.dirty = true;
	}

	private createRunner(st: SetState, ars: K8sObject, at: number, settled: boolean): RunnerRec {
		let name = `${st.ersName}-runner-${suffix(this.rng)}`;
		while (st.runners.has(name)) name = `${st.ersName}-runner-${suffix(this.rng)}`;
		const createdAt = settled ? at - this.rng.range(MINUTE, 120 * MINUTE) : at;
		const r: RunnerRec = { name, phase: 'Pending', createdAt, pod: null, failures: {}, reg: null, job: null, finishedAt: null, reason: null, message: null, dirty: false, phantom: false, frozen: null };
		st.runners.set(name, r);
		const podSpec = ars.spec?.template?.spec ?? {};
		const owner = { apiVersion: ARC_V1ALPHA1, kind: 'EphemeralRunnerSet', name: st.ersName, uid: st.ersUid, controller: true, blockOwnerDeletion: true };
		this.w.create(
			{
				apiVersion: ARC_V1ALPHA1,
				kind: 'EphemeralRunner',
				metadata: {
					name,
					namespace: st.namespace,
					labels: this.runnerLabels(st),
					annotations: {
						'actions.github.com/runner-group-name': String(ars.spec?.runnerGroup ?? 'default'),
						'actions.github.com/runner-scale-set-name': st.scaleSetName,
						'actions.github.com/patch-id': '0'
					},
					ownerReferences: [owner],
					creationTimestamp: kubeTime(createdAt)
				},
				spec: {
					githubConfigUrl: ars.spec?.githubConfigUrl,
					githubConfigSecret: ars.spec?.githubConfigSecret,
					runnerScaleSetId: st.scaleSetId,
					metadata: { labels: this.runnerLabels(st) },
					spec: podSpec
				},
				status: this.runnerStatus(r)
			},
			at
		);
		this.index.set(objectKey(ARC_V1ALPHA1, 'EphemeralRunner', st.namespace, name), st);
		this.createPod(st, r, createdAt, settled ? at : at + SECOND * (8 + this.rng.int(22)), ars, settled);
		if (settled && r.pod && r.pod.unschedulable === null) this.progress(st, r, at, true);
		return r;
	}

	private createPod(st: SetState, r: RunnerRec, at: number, readyAt: number, ars?: K8sObject, settled = false): void {
		const spec = (ars ?? this.w.get(ARC_V1ALPHA1, 'AutoscalingRunnerSet', st.namespace, st.name))?.spec?.template?.spec ?? {};
		const container = spec.containers?.[0] ?? {};
		const pod = newPod(this.rng, { name: r.name, namespace: st.namespace, container: String(container.name ?? 'runner'), image: String(container.image ?? ''), pool: 'ci', createdAt: at, readyAt });
		pod.dirty = false;
		r.pod = pod;
		const er = this.w.get(ARC_V1ALPHA1, 'EphemeralRunner', st.namespace, r.name);
		const owner = er ? [ownerRef(er)] : [];
		const podSpec = { ...spec, restartPolicy: 'Never' };
		this.nodes.schedule(
			pod,
			podSpec,
			at,
			settled,
			() => this.w.create(podObject(pod, { labels: this.runnerLabels(st), ownerReferences: owner }, podSpec), at),
			() => {
				st.wake = -Infinity;
			}
		);
		this.index.set(objectKey(V1, 'Pod', st.namespace, r.name), st);
	}

	private deletePod(st: SetState, r: RunnerRec): void {
		if (!r.pod) return;
		this.index.delete(objectKey(V1, 'Pod', st.namespace, r.name));
		this.w.delete(V1, 'Pod', st.namespace, r.name);
		r.pod = null;
	}

	/** Scale-down removes runners without a job: pending ones and idle registered ones, newest first (a held one stays held). */
	private scaleDown(st: SetState, n: number, at: number): void {
		const idle = [...st.runners.values()].filter((r) => !r.frozen && (r.phase === 'Pending' || (r.phase === 'Running' && r.reg !== null && r.reg.job === null)));
		for (const r of idle.reverse().slice(0, n)) {
			if (r.pod) this.nodes.killing(r.pod, at);
			this.removeRunner(st, r, at);
		}
	}

	private removeRunner(st: SetState, r: RunnerRec, at: number): void {
		if (r.reg) this.github.deregister(r.reg, at);
		this.deletePod(st, r);
		const key = objectKey(ARC_V1ALPHA1, 'EphemeralRunner', st.namespace, r.name);
		this.index.delete(key);
		this.w.delete(ARC_V1ALPHA1, 'EphemeralRunner', st.namespace, r.name);
		st.runners.delete(r.name);
	}

	private writeRunner(st: SetState, r: RunnerRec): void {
		r.dirty = false;
		this.w.status(ARC_V1ALPHA1, 'EphemeralRunner', st.namespace, r.name, this.runnerStatus(r), false);
		if (r.pod?.dirty) {
			r.pod.dirty = false;
			this.w.status(V1, 'Pod', st.namespace, r.name, podStatus(r.pod), false);
		}
	}

	private runnerStatus(r: RunnerRec) {
		const job = r.job;
		return {
			phase: r.phase,
			ready: r.phase === 'Running',
			...(r.reason ? { reason: r.reason, message: r.message ?? '' } : {}),
			...(r.reg ? { runnerId: r.reg.id, runnerName: r.reg.name } : {}),
			...(Object.keys(r.failures).length > 0 ? { failures: { ...r.failures } } : {}),
			...(job
				? {
						jobRequestId: job.requestId,
						jobId: String(job.id),
						jobRepositoryName: job.repo,
						jobWorkflowRef: job.workflowRef,
						workflowRunId: job.runId,
						jobDisplayName: job.name
					}
				: {})
		};
	}

	private runnerLabels(st: SetState): Record<string, string> {
		return {
			'actions.github.com/scale-set-name': st.name,
			'actions.github.com/scale-set-namespace': st.namespace,
			'actions.github.com/organization': ORG.login,
			'actions-ephemeral-runner': 'True',
			'app.kubernetes.io/component': 'runner',
			'app.kubernetes.io/part-of': 'gha-runner-scale-set',
			'app.kubernetes.io/managed-by': 'gha-rs-controller',
			'app.kubernetes.io/version': ARC_VERSION
		};
	}

	private ersObject(st: SetState, ars: K8sObject): NewObject {
		return {
			apiVersion: ARC_V1ALPHA1,
			kind: 'EphemeralRunnerSet',
			metadata: {
				name: st.ersName,
				namespace: st.namespace,
				labels: {
					'app.kubernetes.io/component': 'runner-set',
					'app.kubernetes.io/part-of': 'gha-runner-scale-set',
					'app.kubernetes.io/version': ARC_VERSION,
					'actions.github.com/scale-set-name': st.name,
					'actions.github.com/scale-set-namespace': st.namespace
				},
				annotations: { 'actions.github.com/runner-scale-set-name': st.scaleSetName, 'runner-scale-set-id': String(st.scaleSetId) },
				ownerReferences: [ownerRef(ars)]
			},
			spec: {
				replicas: st.desired,
				patchID: 0,
				ephemeralRunnerSpec: {
					githubConfigUrl: ars.spec?.githubConfigUrl,
					githubConfigSecret: ars.spec?.githubConfigSecret,
					runnerScaleSetId: st.scaleSetId,
					metadata: { labels: this.runnerLabels(st) },
					spec: ars.spec?.template?.spec ?? {}
				}
			}
		};
	}

	/** The AutoscalingListener object and its pod in the controller namespace. */
	private writeListener(st: SetState, ars: K8sObject, minRunners: number, maxRunners: number, at: number, settled: boolean): void {
		// ARC's labels: the scale set's own, then its identity, then those from githubConfigUrl.
		const labels = {
			...(ars.metadata.labels ?? {}),
			'actions.github.com/scale-set-name': st.name,
			'actions.github.com/scale-set-namespace': st.namespace,
			'app.kubernetes.io/component': 'runner-scale-set-listener',
			'app.kubernetes.io/part-of': 'gha-runner-scale-set',
			'app.kubernetes.io/version': ARC_VERSION,
			'actions.github.com/organization': ORG.login
		};
		const image = `ghcr.io/actions/gha-runner-scale-set-controller:${ARC_VERSION}`;
		const sig = `${st.scaleSetId}|${st.ersName}|${minRunners}|${maxRunners}|${ars.spec?.githubConfigUrl}|${ars.spec?.githubConfigSecret}|${labelsText(ars.metadata.labels)}`;
		const unchanged = sig === st.listenerSig && this.w.current(ARC_V1ALPHA1, 'AutoscalingListener', ARC_CONTROLLER_NAMESPACE, st.listenerName, 'object');
		st.listenerSig = sig;
		const listener = unchanged ? undefined : this.w.owned(
			{
				apiVersion: ARC_V1ALPHA1,
				kind: 'AutoscalingListener',
				metadata: { name: st.listenerName, namespace: ARC_CONTROLLER_NAMESPACE, labels },
				spec: {
					githubConfigUrl: ars.spec?.githubConfigUrl,
					githubConfigSecret: ars.spec?.githubConfigSecret,
					runnerScaleSetId: st.scaleSetId,
					autoscalingRunnerSetNamespace: st.namespace,
					autoscalingRunnerSetName: st.name,
					ephemeralRunnerSetName: st.ersName,
					minRunners,
					...(maxRunners === Infinity ? {} : { maxRunners }),
					image
				}
			},
			at
		);
		if (st.listenerMode === 'stopped') {
			if (st.listener) this.dropListener(st, at);
			return;
		}
		if (!st.listener) {
			const createdAt = settled ? at - this.rng.range(MINUTE, 20 * 24 * 60 * MINUTE) : at;
			const pod = newPod(this.rng, { name: st.listenerName, namespace: ARC_CONTROLLER_NAMESPACE, container: 'listener', image, pool: 'system', createdAt, readyAt: createdAt + 5 * SECOND, meanRestartMs: 10 * 24 * 60 * MINUTE });
			st.listener = pod;
			st.crash = null;
			const owner = listener ?? this.w.get(ARC_V1ALPHA1, 'AutoscalingListener', ARC_CONTROLLER_NAMESPACE, st.listenerName);
			const spec = {
				serviceAccountName: st.listenerName,
				terminationGracePeriodSeconds: 60,
				containers: [{ name: 'listener', image, command: ['/ghalistener'], env: [{ name: 'LISTENER_CONFIG_PATH', value: '/etc/gha-listener/config.json' }] }]
			};
			this.nodes.schedule(
				pod,
				spec,
				at,
				settled,
				() => this.w.create(podObject(pod, { labels, ownerReferences: owner ? [ownerRef(owner)] : [] }, spec), at),
				() => {
					st.wake = -Infinity;
				},
				this.rng
			);
			this.index.set(objectKey(V1, 'Pod', ARC_CONTROLLER_NAMESPACE, st.listenerName), st);
			return;
		}
		const pod = st.listener;
		const was = pod.phase;
		if (st.listenerMode === 'crashloop' && pod.phase === 'Running') this.crashLoop(st, pod, at);
		else if (progressPod(this.rng, pod, at) && was === 'Pending' && pod.phase === 'Running') this.nodes.started(pod, at);
		if (pod.dirty) {
			pod.dirty = false;
			this.w.status(V1, 'Pod', ARC_CONTROLLER_NAMESPACE, st.listenerName, podStatus(pod), false);
		}
	}

	/** The listener container exits with an error on every start; the kubelet restarts it with back-off. */
	private crashLoop(st: SetState, pod: PodRec, at: number): void {
		st.crash ??= { next: at, backoff: BACKOFF_MIN_MS };
		if (at < st.crash.next) return;
		const uid = this.w.get(V1, 'Pod', ARC_CONTROLLER_NAMESPACE, pod.name)?.metadata.uid ?? '';
		pod.lastTermination = { reason: 'Error', exitCode: 1, startedAt: pod.waiting ? st.crash.next - 1000 : (pod.runningSince ?? at), finishedAt: at };
		pod.restartCount++;
		const backoff = st.crash.backoff;
		pod.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${goDuration(backoff)} restarting failed container=${pod.container} pod=${pod.name}_${pod.namespace}(${uid})` };
		pod.dirty = true;
		this.nodes.kubelet(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${pod.container} in pod ${pod.name}_${pod.namespace}(${uid})`, at);
		st.crash = { next: at + backoff, backoff: Math.min(2 * backoff, BACKOFF_MAX_MS) };
	}

	private dropListener(st: SetState, at: number): void {
		if (!st.listener) return;
		this.nodes.killing(st.listener, at);
		this.index.delete(objectKey(V1, 'Pod', ARC_CONTROLLER_NAMESPACE, st.listenerName));
		this.w.delete(V1, 'Pod', ARC_CONTROLLER_NAMESPACE, st.listenerName);
		st.listener = null;
		st.crash = null;
	}

	// --- faults the control API injects ---

	private setOf(namespace: string, name: string): SetState | undefined {
		return this.sets.get(objectKey(ARC_V1ALPHA1, 'AutoscalingRunnerSet', namespace, name));
	}

	/** Stops the scale set's listener (its pod goes and is not replaced), makes it crash-loop, or lets it run again. */
	setListener(namespace: string, name: string, mode: ListenerMode, at: number): boolean {
		const st = this.setOf(namespace, name);
		if (!st) return false;
		const prev = st.listenerMode;
		st.listenerMode = mode;
		st.wake = -Infinity;
		if (prev === 'crashloop' && mode === 'running' && st.listener) {
			const pod = st.listener;
			pod.waiting = null;
			pod.runningSince = at;
			pod.nextRestartAt = Infinity;
			pod.dirty = true;
			st.crash = null;
		}
		if (mode === 'stopped') this.dropListener(st, at);
		return true;
	}

	/**
	 * Deletes a runner's pod behind ARC's back: ARC keeps counting the EphemeralRunner
	 * (its status still says what it was) while no runner process exists — GitHub drops
	 * the registration. An idle registered runner is picked first, else a pending one.
	 */
	orphan(namespace: string, name: string, at: number): { ephemeralRunner: string; pod: string; phase: RunnerPhase } | string {
		const st = this.setOf(namespace, name);
		if (!st) return `autoscalingrunnerset ${namespace}/${name} not found`;
		const candidates = [...st.runners.values()].filter((r) => r.pod && !r.phantom && !r.frozen);
		const r =
			candidates.find((c) => c.phase === 'Running' && c.reg !== null && c.reg.job === null && !c.reg.done) ?? candidates.find((c) => c.phase === 'Pending');
		if (!r || !r.pod) return `scale set ${name} has no idle or pending runner with a pod to orphan`;
		const pod = r.pod.name;
		// Forgotten first, so the deletion reaches no controller.
		this.index.delete(objectKey(V1, 'Pod', st.namespace, r.name));
		this.w.delete(V1, 'Pod', st.namespace, r.name);
		r.pod = null;
		r.phantom = true;
		if (r.reg) this.github.deregister(r.reg, at);
		return { ephemeralRunner: r.name, pod, phase: r.phase };
	}

	/** Holds a runner Pending (its image pull keeps failing): the oldest pending one, else a new one. */
	freeze(namespace: string, name: string, at: number): { ephemeralRunner: string } | string {
		const st = this.setOf(namespace, name);
		if (!st) return `autoscalingrunnerset ${namespace}/${name} not found`;
		const ars = this.w.get(ARC_V1ALPHA1, 'AutoscalingRunnerSet', st.namespace, st.name);
		if (!ars || !st.ersUid) return `scale set ${name} is not running yet`;
		const r = [...st.runners.values()].find((c) => c.phase === 'Pending' && c.pod && !c.frozen && !c.phantom && c.pod.unschedulable === null) ?? this.createRunner(st, ars, at, false);
		const pod = r.pod as PodRec;
		r.frozen = { nextBackOff: at + BACKOFF_MIN_MS, backoff: BACKOFF_MIN_MS };
		pod.readyAt = Infinity;
		pod.waiting = { reason: 'ImagePullBackOff', message: `Back-off pulling image "${pod.image}"` };
		pod.dirty = true;
		r.dirty = true;
		this.nodes.kubelet(pod, 'Normal', 'Pulling', `Pulling image "${pod.image}"`, at);
		this.nodes.kubelet(pod, 'Warning', 'Failed', `Failed to pull image "${pod.image}": rpc error: code = DeadlineExceeded desc = failed to pull and unpack image "${pod.image}": failed to resolve reference "${pod.image}": context deadline exceeded`, at);
		this.nodes.kubelet(pod, 'Warning', 'Failed', 'Error: ErrImagePull', at);
		this.writeRunner(st, r);
		st.wake = -Infinity;
		return { ephemeralRunner: r.name };
	}

	/** Lets the held runners of a scale set start. Returns their names. */
	release(namespace: string, name: string, at: number): string[] | undefined {
		const st = this.setOf(namespace, name);
		if (!st) return undefined;
		const out: string[] = [];
		for (const r of st.runners.values()) {
			if (!r.frozen || !r.pod) continue;
			r.frozen = null;
			r.pod.waiting = null;
			r.pod.readyAt = at + 5 * SECOND;
			r.pod.dirty = true;
			this.writeRunner(st, r);
			out.push(r.name);
		}
		st.wake = -Infinity;
		return out;
	}

	/** The AutoscalingRunnerSet was deleted: ARC removes the listener, runners and the GitHub scale set. */
	private teardown(key: string, st: SetState, at: number): void {
		for (const r of [...st.runners.values()]) this.removeRunner(st, r, at);
		this.w.delete(ARC_V1ALPHA1, 'EphemeralRunnerSet', st.namespace, st.ersName);
		this.index.delete(objectKey(V1, 'Pod', ARC_CONTROLLER_NAMESPACE, st.listenerName));
		this.w.delete(V1, 'Pod', ARC_CONTROLLER_NAMESPACE, st.listenerName);
		this.w.delete(ARC_V1ALPHA1, 'AutoscalingListener', ARC_CONTROLLER_NAMESPACE, st.listenerName);
		this.github.removeScaleSet(st.scaleSetName, at);
		this.sets.delete(key);
	}

	/** Read-only: per tracked AutoscalingRunnerSet, its GitHub scale set's name and its listener pod's name (in the controller namespace). */
	listeners(): { namespace: string; name: string; scaleSetName: string; listenerName: string }[] {
		return [...this.sets.values()].map((st) => ({ namespace: st.namespace, name: st.name, scaleSetName: st.scaleSetName, listenerName: st.listenerName }));
	}

	truth(): ScaleSetTruth[] {
		const out: ScaleSetTruth[] = [];
		for (const st of this.sets.values()) {
			const ars = this.w.get(ARC_V1ALPHA1, 'AutoscalingRunnerSet', st.namespace, st.name);
			if (!ars) continue;
			const ss = this.github.scaleSet(st.scaleSetName);
			let pending = 0;
			let running = 0;
			let failed = 0;
			let busy = 0;
			for (const r of st.runners.values()) {
				if (r.phase === 'Pending') pending++;
				else if (r.phase === 'Running') {
					running++;
					if (r.reg?.job && !r.reg.done) busy++;
				} else if (r.phase === 'Failed') failed++;
			}
			const max = ars.spec?.maxRunners;
			const listenerPod = st.listener;
			const listener = !listenerPod ? 'stopped' : listenerPod.waiting ? 'crashloop' : listenerPod.phase === 'Running' ? 'running' : 'pending';
			out.push({
				name: st.name,
				namespace: st.namespace,
				min_runners: intOr(ars.spec?.minRunners, 0),
				max_runners: typeof max === 'number' ? max : null,
				desired_runners: Math.max(0, st.desired),
				current_runners: st.runners.size,
				pending,
				running,
				failed,
				idle: running - busy,
				busy,
				assigned_jobs: ss ? assignedCount(ss) : 0,
				running_jobs: ss ? ss.running : 0,
				listener,
				phantom_runners: [...st.runners.values()].filter((r) => r.phantom).map((r) => r.name),
				frozen_runners: [...st.runners.values()].filter((r) => r.frozen).map((r) => r.name)
			});
		}
		return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	}
}
