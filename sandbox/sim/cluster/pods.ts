// Pods as the kubelet reports them: scheduled on a node (or Pending and unschedulable
// while no node has room, see nodes.ts), Pending while the container starts, Running
// (with restarts now and then), Succeeded or Failed when their one container exits.
// Controllers keep a PodRec per pod and write status when it changes.

import type { NewObject } from '../../k8s/store.js';
import type { Rng } from '../rng.js';
import { V1, hexOf, kubeTime } from './meta.js';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';
export type NodePool = 'ci' | 'system';

/** Nodes per pool the cluster starts with (a pod's preferred node is drawn among them). */
export const POOL_SIZE: Record<NodePool, number> = { ci: 16, system: 3 };
const POOL_SUBNET: Record<NodePool, number> = { ci: 1, system: 2 };

/** A node's address: `10.0.<pool subnet>.<10 + n>`, continuing in further subnets past 240 nodes. */
export function nodeIP(pool: NodePool, n: number): string {
	const block = Math.floor((n - 1) / 240);
	return `10.0.${POOL_SUBNET[pool] + 16 * block}.${10 + n - 240 * block}`;
}

export const nodeName = (pool: NodePool, n: number) => `sbx-${pool}-pool-${n}`;

export interface Termination {
	reason: string;
	exitCode: number;
	startedAt: number;
	finishedAt: number;
}

export interface PodRec {
	name: string;
	namespace: string;
	phase: PodPhase;
	createdAt: number;
	/** When the container is (or was) up. */
	readyAt: number;
	runningSince: number | null;
	/** The node it runs on; while unschedulable, the node it would have preferred. */
	node: string;
	hostIP: string;
	pool: NodePool;
	/** When it was bound to its node (creation, unless it waited for room). */
	scheduledAt: number;
	/** The scheduler's message while no node has room; null once bound. */
	unschedulable: string | null;
	/** The container is held waiting (ImagePullBackOff, CrashLoopBackOff) with this reason and message. */
	waiting: { reason: string; message: string } | null;
	podIP: string;
	container: string;
	image: string;
	restartCount: number;
	/** Mean time between random container restarts (Infinity: never). */
	meanRestartMs: number;
	nextRestartAt: number;
	lastTermination: Termination | null;
	/** How the container ended, once the pod is Succeeded or Failed. */
	termination: Termination | null;
	/** Status changed since it was last written. */
	dirty: boolean;
	/** The container's id, for the restart count it was made for. */
	containerId: string | null;
	containerIdFor: number;
}

export function newPod(
	rng: Rng,
	o: { name: string; namespace: string; container: string; image: string; pool: NodePool; createdAt: number; readyAt: number; meanRestartMs?: number }
): PodRec {
	const n = 1 + rng.int(POOL_SIZE[o.pool]);
	return {
		name: o.name,
		namespace: o.namespace,
		phase: 'Pending',
		createdAt: o.createdAt,
		readyAt: o.readyAt,
		runningSince: null,
		node: nodeName(o.pool, n),
		hostIP: nodeIP(o.pool, n),
		pool: o.pool,
		scheduledAt: o.createdAt,
		unschedulable: null,
		waiting: null,
		podIP: `10.244.${rng.int(64)}.${2 + rng.int(250)}`,
		container: o.container,
		image: o.image,
		restartCount: 0,
		meanRestartMs: o.meanRestartMs ?? Infinity,
		nextRestartAt: Infinity,
		lastTermination: null,
		termination: null,
		dirty: true,
		containerId: null,
		containerIdFor: -1
	};
}

/** Moves a pod along: Pending → Running at readyAt, random restarts while Running. Returns true when it changed. */
export function progressPod(rng: Rng, p: PodRec, at: number): boolean {
	// A held container (image pull back-off, crash loop) is moved along by whoever holds it.
	if (p.waiting) return p.dirty;
	if (p.phase === 'Pending' && at >= p.readyAt) {
		p.phase = 'Running';
		p.runningSince = p.readyAt;
		p.nextRestartAt = p.meanRestartMs === Infinity ? Infinity : p.readyAt + rng.exp(p.meanRestartMs);
		p.dirty = true;
	}
	if (p.phase === 'Running' && p.nextRestartAt <= at) {
		const oom = rng.chance(0.6);
		p.lastTermination = { reason: oom ? 'OOMKilled' : 'Error', exitCode: oom ? 137 : 1, startedAt: p.runningSince ?? p.readyAt, finishedAt: p.nextRestartAt };
		p.restartCount++;
		p.runningSince = p.nextRestartAt + 1000 * (1 + rng.int(10));
		p.nextRestartAt = p.runningSince + rng.exp(p.meanRestartMs);
		p.dirty = true;
	}
	return p.dirty;
}

/** Ends the pod's container: Succeeded with exit 0, or Failed. */
export function terminatePod(p: PodRec, at: number, ok: boolean, reason = ok ? 'Completed' : 'Error'): void {
	p.termination = { reason, exitCode: ok ? 0 : 1, startedAt: p.runningSince ?? at, finishedAt: at };
	p.phase = ok ? 'Succeeded' : 'Failed';
	p.dirty = true;
}

function condition(type: string, ok: boolean, since: number, reason?: string) {
	return { type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: kubeTime(since), ...(reason ? { reason } : {}) };
}

const terminated = (t: Termination) => ({
	terminated: { exitCode: t.exitCode, reason: t.reason, startedAt: kubeTime(t.startedAt), finishedAt: kubeTime(t.finishedAt), containerID: '' }
});

const imageIds = new Map<string, string>();

/** When the pod next changes by itself (starts, or restarts); Infinity when it will not. */
export function podWake(p: PodRec): number {
	if (p.phase === 'Pending') return p.readyAt;
	if (p.phase === 'Running') return p.nextRestartAt;
	return Infinity;
}

export function podStatus(p: PodRec): Record<string, any> {
	if (p.unschedulable !== null) {
		// Never bound: only the scheduler has spoken.
		return {
			phase: 'Pending',
			conditions: [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: kubeTime(p.createdAt), reason: 'Unschedulable', message: p.unschedulable }],
			qosClass: 'Burstable'
		};
	}
	const running = p.phase === 'Running' && !p.waiting;
	const done = p.phase === 'Succeeded' || p.phase === 'Failed';
	const readySince = running ? (p.runningSince ?? p.readyAt) : done && p.termination ? p.termination.finishedAt : p.createdAt;
	if (p.containerId === null || p.containerIdFor !== p.restartCount) {
		p.containerId = `containerd://${hexOf(`${p.namespace}/${p.name}/${p.restartCount}`, 64)}`;
		p.containerIdFor = p.restartCount;
	}
	const containerID = p.containerId;
	const imageID = imageIds.get(p.image) ?? `${p.image.split(':')[0]}@sha256:${hexOf(p.image, 64)}`;
	imageIds.set(p.image, imageID);
	const state = p.waiting
		? { waiting: { ...p.waiting } }
		: running
			? { running: { startedAt: kubeTime(p.runningSince ?? p.readyAt) } }
			: done && p.termination
				? { terminated: { ...terminated(p.termination).terminated, containerID } }
				: { waiting: { reason: 'ContainerCreating' } };
	// A container that has run (then crashed) has an id; one waiting for its image has none.
	const hasContainer = p.phase !== 'Pending';
	return {
		phase: p.phase,
		conditions: [
			condition('PodReadyToStartContainers', p.phase !== 'Pending', p.phase === 'Pending' ? p.scheduledAt : p.readyAt),
			condition('Initialized', true, p.scheduledAt, done ? 'PodCompleted' : undefined),
			condition('Ready', running, readySince, running ? undefined : done ? 'PodCompleted' : 'ContainersNotReady'),
			condition('ContainersReady', running, readySince, running ? undefined : done ? 'PodCompleted' : 'ContainersNotReady'),
			condition('PodScheduled', true, p.scheduledAt)
		],
		hostIP: p.hostIP,
		hostIPs: [{ ip: p.hostIP }],
		...(p.phase === 'Pending' ? {} : { podIP: p.podIP, podIPs: [{ ip: p.podIP }] }),
		startTime: kubeTime(p.scheduledAt),
		containerStatuses: [
			{
				name: p.container,
				image: p.image,
				imageID: hasContainer ? imageID : '',
				...(hasContainer ? { containerID } : {}),
				ready: running,
				started: running,
				restartCount: p.restartCount,
				state,
				lastState: p.lastTermination ? terminated(p.lastTermination) : {}
			}
		],
		qosClass: 'Burstable'
	};
}

/** The whole Pod object: `spec` is the pod template's spec; the node is filled in. */
export function podObject(p: PodRec, meta: { labels: Record<string, string>; annotations?: Record<string, string>; ownerReferences: NewObject['metadata']['ownerReferences'] }, spec: any): NewObject {
	return {
		apiVersion: V1,
		kind: 'Pod',
		metadata: {
			name: p.name,
			namespace: p.namespace,
			labels: meta.labels,
			...(meta.annotations ? { annotations: meta.annotations } : {}),
			ownerReferences: meta.ownerReferences,
			creationTimestamp: kubeTime(p.createdAt)
		},
		spec: {
			restartPolicy: 'Always',
			terminationGracePeriodSeconds: 30,
			dnsPolicy: 'ClusterFirst',
			schedulerName: 'default-scheduler',
			serviceAccountName: 'default',
			...spec,
			...(p.unschedulable === null ? { nodeName: p.node } : {})
		},
		status: podStatus(p)
	};
}
