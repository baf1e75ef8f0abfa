// The cluster's nodes and the scheduler. Two node pools: `ci` (runner pods; starts at
// 16 nodes and, like a cluster autoscaler, adds a node at once whenever a pod fits
// nowhere, up to its maximum) and `system` (3 nodes, fixed). A pod prefers the node
// drawn for it in its home pool and goes to the first node with room otherwise; room
// is allocatable cpu, memory and pod slots minus the requests of the non-terminal pods
// bound there (taken from the store, so pods deleted through the API free their room).
// A pod that fits nowhere stays Pending with PodScheduled=False/Unschedulable and a
// `FailedScheduling` event worded as kube-scheduler words it, and is retried when room
// frees up (at most every 10 s) or every 5 minutes. Pool size and node size can be
// changed (the control API): fewer nodes evict the pods of the nodes removed.
// The kubelet's events (Pulled, Started, Killing) are reported from here too.

import type { K8sObject, ObjectStore, WatchEvent } from '../../k8s/store.js';
import { MINUTE, SECOND } from '../clock.js';
import type { EventRecorder } from './events.js';
import { V1, formatQuantity, kubeTime, parseQuantity } from './meta.js';
import type { Rng } from '../rng.js';
import { POOL_SIZE, nodeIP, nodeName, podStatus, progressPod, type NodePool, type PodRec } from './pods.js';
import type { Writer } from './writer.js';

export const NODE_POOLS: readonly NodePool[] = ['ci', 'system'];
const GIB = 1024 ** 3;

export interface PoolSpec {
	/** Allocatable per node. */
	cpu: number;
	memory: number;
	pods: number;
	/** Node count bounds; equal when the pool does not autoscale. */
	min: number;
	max: number;
}

export const DEFAULT_POOLS: Record<NodePool, PoolSpec> = {
	ci: { cpu: 15.89, memory: 60 * GIB, pods: 110, min: POOL_SIZE.ci, max: 500 },
	system: { cpu: 3.92, memory: 14 * GIB, pods: 110, min: POOL_SIZE.system, max: POOL_SIZE.system }
};

interface NodeRec {
	name: string;
	pool: NodePool;
	index: number;
	ip: string;
	createdAt: number;
	cpu: number;
	memory: number;
	pods: number;
	usedCpu: number;
	usedMemory: number;
	usedPods: number;
}

interface Usage {
	node: string;
	cpu: number;
	memory: number;
}

interface Waiting {
	p: PodRec;
	requests: { cpu: number; memory: number };
	/** How long its container takes to start once bound. */
	startDelay: number;
	lastTry: number;
	/** Room version at the last try: a retry is worth it only after room freed up. */
	roomSeen: number;
	onBound: () => void;
}

const RETRY_MIN_MS = 10 * SECOND;
/** podMaxInUnschedulablePodsDuration */
const RETRY_MAX_MS = 5 * MINUTE;
const SCHEDULER = 'default-scheduler';
const SCHEDULER_INSTANCE = 'default-scheduler-sbx-control-plane';

const requestCache = new WeakMap<object, { cpu: number; memory: number }>();

/** Sum of the containers' resource requests (cpu in cores, memory in bytes). */
export function requestsOf(spec: any): { cpu: number; memory: number } {
	if (spec && typeof spec === 'object') {
		const hit = requestCache.get(spec);
		if (hit) return hit;
	}
	let cpu = 0;
	let memory = 0;
	for (const c of spec?.containers ?? []) {
		const r = c?.resources?.requests ?? {};
		const rc = parseQuantity(r.cpu);
		const rm = parseQuantity(r.memory);
		if (Number.isFinite(rc)) cpu += rc;
		if (Number.isFinite(rm)) memory += rm;
	}
	const out = { cpu, memory };
	if (spec && typeof spec === 'object') requestCache.set(spec, out);
	return out;
}

const terminal = (o: K8sObject) => o.status?.phase === 'Succeeded' || o.status?.phase === 'Failed';
const podKey = (namespace: string, name: string) => `${namespace}/${name}`;

export class Nodes {
	private pools: Record<NodePool, PoolSpec> = { ci: { ...DEFAULT_POOLS.ci }, system: { ...DEFAULT_POOLS.system } };
	private nodes = new Map<string, NodeRec>();
	private usage = new Map<string, Usage>();
	private waiting = new Map<string, Waiting>();
	/** Bumped whenever room frees up or nodes change. */
	private room = 0;
	/** Nodes deleted through the API, to evict from on the next step. */
	private lost: string[] = [];

	constructor(
		private readonly w: Writer,
		private readonly events: EventRecorder,
		store: ObjectStore,
		/** When the stacks were applied: the first nodes are as old. */
		installedAt: number
	) {
		store.watch((e) => this.observe(e));
		for (const pool of NODE_POOLS) for (let n = 1; n <= this.pools[pool].min; n++) this.addNode(pool, n, installedAt);
	}

	/**
	 * Binds a new pod: its preferred node if it has room, else the first node that has,
	 * else a new node of its pool. `create` writes the pod object (after `p.node` is set,
	 * or with no node while it waits); `onBound` is told when a waiting pod gets a node.
	 * A `settled` pod (one the sandbox starts with) has no events; given `rng`, it is
	 * also moved along to where it would be by now before it is written.
	 */
	schedule(p: PodRec, spec: any, at: number, settled: boolean, create: () => K8sObject, onBound: () => void, rng?: Rng): K8sObject {
		const requests = requestsOf(spec);
		const node = this.fit(p, requests, at);
		if (node) {
			this.bind(p, node);
			if (settled && rng) progressPod(rng, p, at);
			p.dirty = false;
			const obj = create();
			if (!settled) this.scheduled(obj, node, at);
			return obj;
		}
		p.unschedulable = this.failure(requests);
		const startDelay = p.readyAt - p.createdAt;
		p.readyAt = Infinity;
		p.dirty = false;
		const obj = create();
		this.waiting.set(podKey(p.namespace, p.name), { p, requests, startDelay, lastTry: at, roomSeen: this.room, onBound });
		this.events.emit(obj, 'Warning', 'FailedScheduling', 'Scheduling', p.unschedulable, SCHEDULER, SCHEDULER_INSTANCE, at);
		return obj;
	}

	/** Retries the pods waiting for room (each step). */
	retry(at: number): void {
		for (const name of this.lost.splice(0)) {
			const n = this.nodes.get(name);
			if (n) this.removeNode(n);
		}
		for (const [key, wt] of this.waiting) {
			const due = (wt.roomSeen !== this.room && at - wt.lastTry >= RETRY_MIN_MS) || at - wt.lastTry >= RETRY_MAX_MS;
			if (!due) continue;
			wt.lastTry = at;
			wt.roomSeen = this.room;
			const p = wt.p;
			const node = this.fit(p, wt.requests, at);
			const obj = this.w.get(V1, 'Pod', p.namespace, p.name);
			if (!obj) {
				this.waiting.delete(key);
				continue;
			}
			if (!node) {
				const message = this.failure(wt.requests);
				if (message !== p.unschedulable) {
					p.unschedulable = message;
					this.w.status(V1, 'Pod', p.namespace, p.name, podStatus(p), false);
				}
				this.events.emit(obj, 'Warning', 'FailedScheduling', 'Scheduling', message, SCHEDULER, SCHEDULER_INSTANCE, at);
				continue;
			}
			this.waiting.delete(key);
			this.bind(p, node);
			p.scheduledAt = at;
			p.readyAt = at + wt.startDelay;
			const bound = this.w.update(V1, 'Pod', p.namespace, p.name, (o) => ({ ...o, spec: { ...o.spec, nodeName: node.name }, status: podStatus(p) })) as K8sObject;
			this.scheduled(bound, node, at);
			wt.onBound();
		}
	}

	/** Pods still waiting for a node. */
	get pendingCount(): number {
		return this.waiting.size;
	}

	// --- kubelet events ---

	/** The container started (the pod went Running). */
	started(p: PodRec, at: number): void {
		const pod = this.w.get(V1, 'Pod', p.namespace, p.name);
		if (!pod) return;
		const opts = { host: p.node, fieldPath: `spec.containers{${p.container}}` };
		this.events.record(pod, 'Normal', 'Pulled', `Container image "${p.image}" already present on machine`, 'kubelet', at, opts);
		this.events.record(pod, 'Normal', 'Started', `Started container ${p.container}`, 'kubelet', at, opts);
	}

	/** A controller deletes a pod whose container runs: the kubelet stops it. */
	killing(p: PodRec, at: number): void {
		if (p.phase !== 'Running' || p.unschedulable !== null) return;
		const pod = this.w.get(V1, 'Pod', p.namespace, p.name);
		if (pod) this.events.record(pod, 'Normal', 'Killing', `Stopping container ${p.container}`, 'kubelet', at, { host: p.node, fieldPath: `spec.containers{${p.container}}` });
	}

	/** A kubelet event about a pod's container (image pulls, back-off). */
	kubelet(p: PodRec, type: 'Normal' | 'Warning', reason: string, message: string, at: number): void {
		const pod = this.w.get(V1, 'Pod', p.namespace, p.name);
		if (pod) this.events.record(pod, type, reason, message, 'kubelet', at, { host: p.node, fieldPath: `spec.containers{${p.container}}` });
	}

	// --- pools (control API) ---

	pool(pool: NodePool): PoolSpec & { nodes: number } {
		let nodes = 0;
		for (const n of this.nodes.values()) if (n.pool === pool) nodes++;
		return { ...this.pools[pool], nodes };
	}

	/**
	 * Resizes a pool: `nodes` fixes its size (no autoscaling) unless `autoscale` keeps it
	 * growing from there; cpu/memory/pods set every node's allocatable. Removing nodes
	 * evicts their pods (deleted; their controllers replace them).
	 */
	setPool(pool: NodePool, change: { nodes?: number; cpu?: number; memory?: number; pods?: number; autoscale?: boolean }, at: number): void {
		const spec = this.pools[pool];
		if (change.cpu !== undefined) spec.cpu = change.cpu;
		if (change.memory !== undefined) spec.memory = change.memory;
		if (change.pods !== undefined) spec.pods = change.pods;
		if (change.nodes !== undefined) {
			spec.min = change.nodes;
			spec.max = change.autoscale ? Math.max(change.nodes, DEFAULT_POOLS[pool].max) : change.nodes;
		} else if (change.autoscale !== undefined) spec.max = change.autoscale ? Math.max(spec.min, DEFAULT_POOLS[pool].max) : spec.min;
		const mine = [...this.nodes.values()].filter((n) => n.pool === pool).sort((a, b) => a.index - b.index);
		for (const n of mine.slice(spec.min)) if (change.nodes !== undefined) this.removeNode(n);
		for (let i = mine.length + 1; i <= spec.min; i++) this.addNode(pool, i, at);
		for (const n of this.nodes.values()) {
			if (n.pool !== pool) continue;
			n.cpu = spec.cpu;
			n.memory = spec.memory;
			n.pods = spec.pods;
			this.writeNode(n);
		}
		this.room++;
	}

	reset(at: number): void {
		for (const pool of NODE_POOLS) {
			const d = DEFAULT_POOLS[pool];
			this.setPool(pool, { nodes: d.min, cpu: d.cpu, memory: d.memory, pods: d.pods, autoscale: d.max > d.min }, at);
		}
	}

	// --- internals ---

	private fits(n: NodeRec, r: { cpu: number; memory: number }): boolean {
		return n.usedPods + 1 <= n.pods && n.usedCpu + r.cpu <= n.cpu + 1e-9 && n.usedMemory + r.memory <= n.memory;
	}

	private fit(p: PodRec, r: { cpu: number; memory: number }, at: number): NodeRec | undefined {
		const preferred = this.nodes.get(p.node);
		if (preferred && this.fits(preferred, r)) return preferred;
		let other: NodeRec | undefined;
		for (const n of this.nodes.values()) {
			if (!this.fits(n, r)) continue;
			if (n.pool === p.pool) return n;
			other ??= n;
		}
		if (other) return other;
		// The autoscaler adds a node to the pod's pool when a fresh node would take it.
		const spec = this.pools[p.pool];
		if (this.pool(p.pool).nodes >= spec.max || r.cpu > spec.cpu || r.memory > spec.memory) return undefined;
		let index = 1;
		for (const n of this.nodes.values()) if (n.pool === p.pool) index = Math.max(index, n.index + 1);
		return this.addNode(p.pool, index, at);
	}

	/** The pod's store write (which follows at once) takes the node's room. */
	private bind(p: PodRec, n: NodeRec): void {
		p.node = n.name;
		p.hostIP = n.ip;
		p.unschedulable = null;
	}

	private scheduled(pod: K8sObject, n: NodeRec, at: number): void {
		this.events.emit(pod, 'Normal', 'Scheduled', 'Binding', `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${n.name}`, SCHEDULER, SCHEDULER_INSTANCE, at);
	}

	/** kube-scheduler's FitError message, for a pod with these requests. */
	private failure(r: { cpu: number; memory: number }): string {
		const total = this.nodes.size;
		if (total === 0) return 'no nodes available to schedule pods';
		const reasons = new Map<string, number>();
		const add = (reason: string) => reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
		for (const n of this.nodes.values()) {
			if (n.usedPods + 1 > n.pods) add('Too many pods');
			if (n.usedCpu + r.cpu > n.cpu + 1e-9) add('Insufficient cpu');
			if (n.usedMemory + r.memory > n.memory) add('Insufficient memory');
		}
		const parts = [...reasons].map(([reason, count]) => `${count} ${reason}`).sort();
		return `0/${total} nodes are available: ${parts.join(', ')}. preemption: 0/${total} nodes are available: ${total} No preemption victims found for incoming pod.`;
	}

	/** Keeps each node's used room in step with the pods in the store. */
	private observe(e: WatchEvent): void {
		const o = e.object;
		if (o.kind !== 'Pod' || o.apiVersion !== V1) {
			// A Node deleted through the API: its pods are evicted on the next step (no writes from inside a watch).
			if (o.kind === 'Node' && o.apiVersion === V1 && e.type === 'DELETED' && this.nodes.has(o.metadata.name)) this.lost.push(o.metadata.name);
			return;
		}
		const key = podKey(o.metadata.namespace ?? '', o.metadata.name);
		const old = this.usage.get(key);
		if (old) {
			const n = this.nodes.get(old.node);
			if (n) {
				n.usedCpu -= old.cpu;
				n.usedMemory -= old.memory;
				n.usedPods--;
			}
			this.usage.delete(key);
		}
		const nodeName = o.spec?.nodeName;
		if (e.type !== 'DELETED' && typeof nodeName === 'string' && nodeName && !terminal(o)) {
			const r = requestsOf(o.spec);
			const n = this.nodes.get(nodeName);
			if (n) {
				n.usedCpu += r.cpu;
				n.usedMemory += r.memory;
				n.usedPods++;
			}
			this.usage.set(key, { node: nodeName, cpu: r.cpu, memory: r.memory });
		} else if (old) this.room++;
		if (e.type === 'DELETED') this.waiting.delete(key);
	}

	private addNode(pool: NodePool, index: number, at: number): NodeRec {
		const spec = this.pools[pool];
		const n: NodeRec = { name: nodeName(pool, index), pool, index, ip: nodeIP(pool, index), createdAt: at, cpu: spec.cpu, memory: spec.memory, pods: spec.pods, usedCpu: 0, usedMemory: 0, usedPods: 0 };
		this.nodes.set(n.name, n);
		// Pods already bound to this name (a node re-added) count again.
		for (const u of this.usage.values()) {
			if (u.node !== n.name) continue;
			n.usedCpu += u.cpu;
			n.usedMemory += u.memory;
			n.usedPods++;
		}
		this.writeNode(n);
		this.room++;
		return n;
	}

	/** The node leaves the cluster: its pods are evicted. */
	private removeNode(n: NodeRec): void {
		this.nodes.delete(n.name);
		for (const [key, u] of [...this.usage]) {
			if (u.node !== n.name) continue;
			const [namespace, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
			this.w.delete(V1, 'Pod', namespace, name);
		}
		this.w.delete(V1, 'Node', undefined, n.name);
	}

	private writeNode(n: NodeRec): void {
		const cpu = (v: number) => (Number.isInteger(v) ? String(v) : `${Math.round(v * 1000)}m`);
		// Kubelets report memory in Ki.
		const mem = (v: number) => `${Math.round(v / 1024)}Ki`;
		// Capacity is allocatable plus what the kubelet and system reserve.
		const ready = kubeTime(n.createdAt);
		const cond = (type: string, status: string, reason: string, message: string) => ({ type, status, lastHeartbeatTime: ready, lastTransitionTime: ready, reason, message });
		this.w.owned(
			{
				apiVersion: V1,
				kind: 'Node',
				metadata: {
					name: n.name,
					labels: {
						'kubernetes.io/hostname': n.name,
						'kubernetes.io/os': 'linux',
						'kubernetes.io/arch': 'amd64',
						'node.kubernetes.io/instance-type': n.pool === 'ci' ? 'sbx-standard-16' : 'sbx-standard-4',
						'topology.kubernetes.io/zone': `sbx-zone-${String.fromCharCode(97 + ((n.index - 1) % 3))}`,
						'sandbox.runner-dashboard.dev/node-pool': n.pool
					},
					creationTimestamp: kubeTime(n.createdAt)
				},
				spec: { podCIDR: `10.244.${n.index % 256}.0/24`, providerID: `sandbox://${n.name}` },
				status: {
					capacity: { cpu: String(Math.max(1, Math.ceil(n.cpu))), memory: mem(n.memory + 2 * GIB), pods: String(n.pods) },
					allocatable: { cpu: cpu(n.cpu), memory: mem(n.memory), pods: String(n.pods) },
					conditions: [
						cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
						cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
						cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
						cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
					],
					addresses: [
						{ type: 'InternalIP', address: n.ip },
						{ type: 'Hostname', address: n.name }
					],
					nodeInfo: {
						architecture: 'amd64',
						operatingSystem: 'linux',
						osImage: 'Ubuntu 22.04.4 LTS',
						kernelVersion: '6.5.0-1025-sandbox',
						containerRuntimeVersion: 'containerd://1.7.20',
						kubeletVersion: 'v1.31.0',
						kubeProxyVersion: 'v1.31.0'
					}
				}
			},
			n.createdAt
		);
	}

	/** Allocatable and used room per node (ground truth for the control API). */
	truth() {
		return [...this.nodes.values()]
			.sort((a, b) => (a.pool === b.pool ? a.index - b.index : a.pool < b.pool ? -1 : 1))
			.map((n) => ({
				name: n.name,
				pool: n.pool,
				cpu: formatQuantity(Math.round(n.cpu * 1000) / 1000),
				cpu_requested: formatQuantity(Math.round(n.usedCpu * 1000) / 1000),
				memory_bytes: n.memory,
				memory_requested_bytes: n.usedMemory,
				pods: n.pods,
				pods_bound: n.usedPods
			}));
	}
}
