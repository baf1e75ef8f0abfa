// The Deployment and ReplicaSet controllers, for every Deployment in the store: one
// ReplicaSet per pod template (`<deployment>-<pod-template-hash>`), pods
// `<replicaset>-<5 chars>` created and deleted to match `spec.replicas` as read from
// the store each step, and Deployment/ReplicaSet status written back. A changed pod
// template replaces every pod at once (a simplified rollout).

import type { K8sObject } from '../../k8s/store.js';
import { HOUR, DAY } from '../clock.js';
import type { Rng } from '../rng.js';
import { APPS_V1, V1, kubeTime, objectKey, ownerRef, suffix, templateHash } from './meta.js';
import { newPod, podObject, podStatus, podWake, progressPod, type NodePool, type PodRec } from './pods.js';
import { GITLAB_RUNNER_NAMESPACE, ARC_RUNNER_NAMESPACE } from './stacks.js';
import type { EventRecorder } from './events.js';
import type { Nodes } from './nodes.js';
import type { Writer } from './writer.js';

interface DeploymentState {
	name: string;
	namespace: string;
	hash: string | null;
	rsName: string;
	rsUid: string;
	pods: PodRec[];
	replicas: number;
	available: { ok: boolean; since: number };
	progressing: { done: boolean; since: number };
	/** What the last status write was computed from. */
	sig: string;
	/** Deployment version after our last reconcile, and when a pod next changes by itself. */
	seenRv: string;
	wake: number;
}

/** Runner managers restart now and then (OOM kills, lost GitLab connections). */
const MEAN_RESTART_MS: Record<string, number> = { [GITLAB_RUNNER_NAMESPACE]: 3 * DAY };

export class Workloads {
	private deployments = new Map<string, DeploymentState>();
	/** Pod key → its deployment, to notice pods deleted through the API. */
	private podOwner = new Map<string, DeploymentState>();

	constructor(
		private readonly w: Writer,
		private readonly rng: Rng,
		private readonly events: EventRecorder,
		private readonly nodes: Nodes
	) {}

	track(namespace: string, name: string): void {
		const key = objectKey(APPS_V1, 'Deployment', namespace, name);
		if (this.deployments.has(key)) return;
		this.deployments.set(key, {
			name,
			namespace,
			hash: null,
			rsName: '',
			rsUid: '',
			pods: [],
			replicas: -1,
			available: { ok: false, since: 0 },
			progressing: { done: false, since: 0 },
			sig: '',
			seenRv: '',
			wake: -Infinity
		});
	}

	keys(): string[] {
		return [...this.deployments.keys()];
	}

	/** Pods of a deployment (status.replicas) and how many are ready; undefined if not tracked. */
	replicas(namespace: string, name: string): { replicas: number; ready: number } | undefined {
		const st = this.deployments.get(objectKey(APPS_V1, 'Deployment', namespace, name));
		if (!st) return undefined;
		let ready = 0;
		for (const p of st.pods) if (p.phase === 'Running') ready++;
		return { replicas: st.pods.length, ready };
	}

	/** Names of a deployment's Running pods (what metrics-server has usage for). */
	runningPods(namespace: string, name: string): string[] {
		const st = this.deployments.get(objectKey(APPS_V1, 'Deployment', namespace, name));
		return st ? st.pods.filter((p) => p.phase === 'Running' && !p.waiting).map((p) => p.name) : [];
	}

	/** A pod was deleted by someone else; the ReplicaSet replaces it on the next reconcile. */
	podGone(podKey: string): boolean {
		const st = this.podOwner.get(podKey);
		if (!st) return false;
		this.podOwner.delete(podKey);
		st.pods = st.pods.filter((p) => objectKey(V1, 'Pod', p.namespace, p.name) !== podKey);
		st.wake = -Infinity;
		return true;
	}

	/** After a resync: forget pods that are no longer in the store (deleted while we were not looking). */
	verify(): void {
		for (const st of this.deployments.values()) {
			for (const p of st.pods) if (!this.w.get(V1, 'Pod', p.namespace, p.name)) this.podGone(objectKey(V1, 'Pod', p.namespace, p.name));
			if (st.rsName && !this.w.get(APPS_V1, 'ReplicaSet', st.namespace, st.rsName)) st.rsUid = '';
		}
	}

	/** The ReplicaSet vanished: write it again on the next reconcile. */
	replicaSetGone(namespace: string, name: string): void {
		for (const st of this.deployments.values()) if (st.namespace === namespace && st.rsName === name) st.rsUid = '';
	}

	reconcileAll(at: number, settled = false): void {
		for (const key of [...this.deployments.keys()]) this.reconcile(key, at, settled);
	}

	/**
	 * One pass of the controllers for one Deployment. `settled` creates pods that have
	 * been running for a while already (the state the sandbox starts in).
	 */
	reconcile(key: string, at: number, settled = false): void {
		const st = this.deployments.get(key);
		if (!st) return;
		const dep = this.w.get(APPS_V1, 'Deployment', st.namespace, st.name);
		if (!dep) return this.remove(key, st, at);
		// Nothing to do until the Deployment changes or a pod starts or restarts.
		if (dep.metadata.resourceVersion === st.seenRv && at < st.wake && st.rsUid && this.w.current(APPS_V1, 'Deployment', st.namespace, st.name)) return;
		const template = dep.spec?.template ?? {};
		const want = Number.isInteger(dep.spec?.replicas) && dep.spec.replicas >= 0 ? (dep.spec.replicas as number) : 1;
		const hash = templateHash(template);
		if (st.hash !== hash) this.rollout(st, dep, hash, at);
		if (!st.rsUid) st.rsUid = this.writeReplicaSet(st, dep, want, at).metadata.uid;

		if (want !== st.replicas) {
			if (st.replicas >= 0) {
				const verb = want > st.replicas ? 'up' : 'down';
				this.events.record(dep, 'Normal', 'ScalingReplicaSet', `Scaled ${verb} replica set ${st.rsName} to ${want} from ${st.pods.length}`, 'deployment-controller', at);
			}
			st.replicas = want;
			st.rsUid = this.writeReplicaSet(st, dep, want, at).metadata.uid;
		}
		while (st.pods.length < want) this.createPod(st, template, at, settled);
		if (st.pods.length > want) this.scaleDown(st, st.pods.length - want, at);

		for (const p of st.pods) {
			const was = p.phase;
			if (progressPod(this.rng, p, at)) {
				p.dirty = false;
				this.w.status(V1, 'Pod', p.namespace, p.name, podStatus(p), false);
				if (was === 'Pending' && p.phase === 'Running') this.nodes.started(p, at);
			}
		}
		this.writeStatus(st, dep, want, at);
		st.seenRv = this.w.get(APPS_V1, 'Deployment', st.namespace, st.name)?.metadata.resourceVersion ?? '';
		st.wake = Infinity;
		for (const p of st.pods) st.wake = Math.min(st.wake, podWake(p));
	}

	private rollout(st: DeploymentState, dep: K8sObject, hash: string, at: number): void {
		if (st.hash !== null) {
			// The old ReplicaSet stays, scaled to zero, as revision history.
			this.w.update(APPS_V1, 'ReplicaSet', st.namespace, st.rsName, (rs) => ({ ...rs, spec: { ...rs.spec, replicas: 0 }, status: { replicas: 0, observedGeneration: rs.metadata.generation } }));
			this.scaleDown(st, st.pods.length, at);
			this.events.record(dep, 'Normal', 'ScalingReplicaSet', `Scaled down replica set ${st.rsName} to 0`, 'deployment-controller', at);
		}
		st.hash = hash;
		st.rsName = `${st.name}-${hash}`;
		st.rsUid = '';
		st.replicas = -1;
	}

	private writeReplicaSet(st: DeploymentState, dep: K8sObject, replicas: number, at: number): K8sObject {
		const template = dep.spec?.template ?? {};
		const labels = { ...(template.metadata?.labels ?? {}), 'pod-template-hash': st.hash ?? '' };
		return this.w.owned(
			{
				apiVersion: APPS_V1,
				kind: 'ReplicaSet',
				metadata: {
					name: st.rsName,
					namespace: st.namespace,
					labels,
					annotations: {
						'deployment.kubernetes.io/desired-replicas': String(replicas),
						'deployment.kubernetes.io/max-replicas': String(replicas + Math.ceil(replicas / 4)),
						'deployment.kubernetes.io/revision': dep.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '1'
					},
					ownerReferences: [ownerRef(dep)]
				},
				spec: {
					replicas,
					selector: { matchLabels: { ...(dep.spec?.selector?.matchLabels ?? {}), 'pod-template-hash': st.hash ?? '' } },
					template: { ...template, metadata: { ...(template.metadata ?? {}), labels } }
				}
			},
			at
		);
	}

	private createPod(st: DeploymentState, template: any, at: number, settled: boolean): void {
		const container = template.spec?.containers?.[0] ?? {};
		let name = `${st.rsName}-${suffix(this.rng)}`;
		while (this.podOwner.has(objectKey(V1, 'Pod', st.namespace, name))) name = `${st.rsName}-${suffix(this.rng)}`;
		const createdAt = settled ? at - this.rng.range(HOUR, 7 * DAY) : at;
		const pool: NodePool = st.namespace === GITLAB_RUNNER_NAMESPACE || st.namespace === ARC_RUNNER_NAMESPACE ? 'ci' : 'system';
		const p = newPod(this.rng, {
			name,
			namespace: st.namespace,
			container: String(container.name ?? 'main'),
			image: String(container.image ?? 'registry.k8s.io/pause:3.10'),
			pool,
			createdAt,
			readyAt: createdAt + 1000 * (3 + this.rng.int(10)),
			meanRestartMs: MEAN_RESTART_MS[st.namespace] ?? 20 * DAY
		});
		const labels = { ...(template.metadata?.labels ?? {}), 'pod-template-hash': st.hash ?? '' };
		const owner = { apiVersion: APPS_V1, kind: 'ReplicaSet', name: st.rsName, uid: st.rsUid, controller: true, blockOwnerDeletion: true };
		const spec = template.spec ?? {};
		this.nodes.schedule(
			p,
			spec,
			at,
			settled,
			() => this.w.create(podObject(p, { labels, annotations: template.metadata?.annotations, ownerReferences: [owner] }, spec), at),
			() => {
				st.wake = -Infinity;
			},
			this.rng
		);
		st.pods.push(p);
		this.podOwner.set(objectKey(V1, 'Pod', p.namespace, p.name), st);
	}

	/** Deletes `n` pods the way a ReplicaSet picks them: not-ready ones first, then the newest. */
	private scaleDown(st: DeploymentState, n: number, at: number): void {
		const order = [...st.pods].sort((a, b) => Number(a.phase === 'Running') - Number(b.phase === 'Running') || b.createdAt - a.createdAt);
		const gone = new Set(order.slice(0, n));
		for (const p of gone) {
			this.nodes.killing(p, at);
			this.w.delete(V1, 'Pod', p.namespace, p.name);
			this.podOwner.delete(objectKey(V1, 'Pod', p.namespace, p.name));
		}
		st.pods = st.pods.filter((p) => !gone.has(p));
	}

	private writeStatus(st: DeploymentState, dep: K8sObject, want: number, at: number): void {
		let ready = 0;
		for (const p of st.pods) if (p.phase === 'Running') ready++;
		const n = st.pods.length;
		const available = ready >= want - Math.floor(want / 4);
		if (available !== st.available.ok || st.available.since === 0) st.available = { ok: available, since: at };
		const done = ready === n && n === want;
		if (done !== st.progressing.done || st.progressing.since === 0) st.progressing = { done, since: at };
		const rsGen = this.w.get(APPS_V1, 'ReplicaSet', st.namespace, st.rsName)?.metadata.generation ?? 1;
		// Most steps change nothing here: skip building the status objects then.
		const sig = `${want}|${n}|${ready}|${dep.metadata.generation}|${rsGen}|${st.available.since}|${st.progressing.since}`;
		if (sig === st.sig && this.w.current(APPS_V1, 'Deployment', st.namespace, st.name) && this.w.current(APPS_V1, 'ReplicaSet', st.namespace, st.rsName)) return;
		st.sig = sig;
		const omitZero = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== 0));
		this.w.status(APPS_V1, 'ReplicaSet', st.namespace, st.rsName, {
			...omitZero({ replicas: n, fullyLabeledReplicas: n, readyReplicas: ready, availableReplicas: ready }),
			observedGeneration: rsGen
		});
		const t = (since: number) => kubeTime(since);
		this.w.status(APPS_V1, 'Deployment', st.namespace, st.name, {
			observedGeneration: dep.metadata.generation ?? 1,
			...omitZero({ replicas: n, updatedReplicas: n, readyReplicas: ready, availableReplicas: ready, unavailableReplicas: Math.max(0, want - ready) }),
			conditions: [
				{
					type: 'Available',
					status: available ? 'True' : 'False',
					lastUpdateTime: t(st.available.since),
					lastTransitionTime: t(st.available.since),
					reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
					message: available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.'
				},
				{
					type: 'Progressing',
					status: 'True',
					lastUpdateTime: t(st.progressing.since),
					lastTransitionTime: t(st.progressing.since),
					reason: done ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
					message: done ? `ReplicaSet "${st.rsName}" has successfully progressed.` : `ReplicaSet "${st.rsName}" is progressing.`
				}
			]
		});
	}

	/** The Deployment was deleted: garbage-collect its ReplicaSet and pods. */
	private remove(key: string, st: DeploymentState, at: number): void {
		this.scaleDown(st, st.pods.length, at);
		if (st.rsName) this.w.delete(APPS_V1, 'ReplicaSet', st.namespace, st.rsName);
		this.deployments.delete(key);
	}
}
