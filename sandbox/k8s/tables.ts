// Server-side printing: the `meta.k8s.io/v1` Table kubectl asks for
// (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`). Columns and cell values
// follow the API server's printers (pkg/printers/internalversion) for built-in kinds
// and the CRDs' additionalPrinterColumns for the ARC kinds. Ages are computed on the
// simulated clock, so they agree with the timestamps the simulation writes.

import type { K8sObject } from './store.js';

export interface Column {
	name: string;
	type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
	format: string;
	description: string;
	priority: number;
}

export interface Printer {
	columns: Column[];
	row(obj: K8sObject, now: number): unknown[];
}

const col = (name: string, description: string, opts: Partial<Column> = {}): Column => ({ name, type: 'string', format: '', description, priority: 0, ...opts });
const NAME = col('Name', 'Name must be unique within a namespace.', { format: 'name' });
const AGE = col('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.');
const wide = (c: Column): Column => ({ ...c, priority: 1 });

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration. */
export function humanDuration(ms: number): string {
	const seconds = Math.trunc(ms / 1000);
	if (seconds < -1) return '<invalid>';
	if (seconds < 0) return '0s';
	if (seconds < 120) return `${seconds}s`;
	const minutes = Math.trunc(seconds / 60);
	if (minutes < 10) {
		const s = seconds % 60;
		return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
	}
	if (minutes < 180) return `${minutes}m`;
	const hours = Math.trunc(minutes / 60);
	if (hours < 8) {
		const m = minutes % 60;
		return m === 0 ? `${hours}h` : `${hours}h${m}m`;
	}
	if (hours < 48) return `${hours}h`;
	if (hours < 24 * 8) {
		const h = hours % 24;
		return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
	}
	if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
	if (hours < 24 * 365 * 8) {
		const dy = Math.trunc(hours / 24) % 365;
		return dy === 0 ? `${Math.trunc(hours / 24 / 365)}y` : `${Math.trunc(hours / 24 / 365)}y${dy}d`;
	}
	return `${Math.trunc(hours / 24 / 365)}y`;
}

/** Age of a timestamp on the simulated clock; `<unknown>` when absent, as the printers say. */
export function since(ts: unknown, now: number): string {
	if (typeof ts !== 'string' || ts === '') return '<unknown>';
	const t = Date.parse(ts);
	return Number.isNaN(t) ? '<invalid>' : humanDuration(now - t);
}

const age = (o: K8sObject, now: number) => since(o.metadata.creationTimestamp, now);
const int = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0);
const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
const orNone = (v: unknown) => (v === undefined || v === null || v === '' ? '<none>' : String(v));

/** Dotted-path lookup (`.spec.minRunners`), as the CRD printer columns' JSONPath. */
export function pick(obj: unknown, path: string): unknown {
	let cur: unknown = obj;
	for (const key of path.replace(/^\./, '').split('.')) {
		if (cur === null || typeof cur !== 'object') return undefined;
		cur = (cur as Record<string, unknown>)[key];
	}
	return cur;
}

function formatSelector(sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): string {
	if (!sel) return '<none>';
	const parts = Object.entries(sel.matchLabels ?? {})
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([k, v]) => `${k}=${v}`);
	for (const e of sel.matchExpressions ?? []) {
		const op = e.operator.toLowerCase();
		if (op === 'exists') parts.push(e.key);
		else if (op === 'doesnotexist') parts.push(`!${e.key}`);
		else parts.push(`${e.key} ${op} (${(e.values ?? []).join(',')})`);
	}
	return parts.length > 0 ? parts.join(',') : '<none>';
}

function containerCells(containers: { name?: string; image?: string }[] | undefined): [string, string] {
	const list = containers ?? [];
	return [list.map((c) => str(c.name)).join(','), list.map((c) => str(c.image)).join(',')];
}

const CONTAINERS = wide(col('Containers', 'Names of each container in the template.'));
const IMAGES = wide(col('Images', 'Images referenced by each container in the template.'));
const SELECTOR = wide(col('Selector', 'Label selector for pods.'));

const pod: Printer = {
	columns: [
		NAME,
		col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
		col('Status', 'The aggregate status of the containers in this pod.'),
		col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
		AGE,
		wide(col('IP', 'IP address allocated to the pod.')),
		wide(col('Node', 'NodeName is a request to schedule this pod onto a specific node.')),
		wide(col('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.')),
		wide(col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.'))
	],
	row(o, now) {
		const spec = o.spec ?? {};
		const st = o.status ?? {};
		const total = (spec.containers ?? []).length;
		let ready = 0;
		let restarts = 0;
		let lastRestart = 0;
		let reason: string = st.reason || st.phase || '';
		const noteRestart = (c: any) => {
			restarts += int(c.restartCount);
			const t = Date.parse(c.lastState?.terminated?.finishedAt ?? '');
			if (!Number.isNaN(t) && t > lastRestart) lastRestart = t;
		};
		if ((st.conditions ?? []).some((c: any) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';
		let initializing = false;
		const inits: any[] = st.initContainerStatuses ?? [];
		for (let i = 0; i < inits.length; i++) {
			const c = inits[i];
			noteRestart(c);
			const term = c.state?.terminated;
			const wait = c.state?.waiting;
			if (term && int(term.exitCode) === 0) continue;
			if (term) reason = `Init:${term.reason || (term.signal ? `Signal:${term.signal}` : `ExitCode:${int(term.exitCode)}`)}`;
			else if (wait?.reason && wait.reason !== 'PodInitializing') reason = `Init:${wait.reason}`;
			else reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
			initializing = true;
			break;
		}
		const initialized = (st.conditions ?? []).some((c: any) => c.type === 'Initialized' && c.status === 'True');
		if (!initializing || initialized) {
			restarts = 0;
			lastRestart = 0;
			let hasRunning = false;
			const statuses: any[] = st.containerStatuses ?? [];
			for (let i = statuses.length - 1; i >= 0; i--) {
				const c = statuses[i];
				noteRestart(c);
				const term = c.state?.terminated;
				if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
				else if (term?.reason) reason = term.reason;
				else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${int(term.exitCode)}`;
				else if (c.ready && c.state?.running) {
					hasRunning = true;
					ready++;
				}
			}
			if (reason === 'Completed' && hasRunning) {
				reason = (st.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
			}
		}
		if ((o.metadata as { deletionTimestamp?: string }).deletionTimestamp) {
			if (st.reason === 'NodeLost') reason = 'Unknown';
			else if (st.phase !== 'Succeeded' && st.phase !== 'Failed') reason = 'Terminating';
		}
		const restartCell = restarts !== 0 && lastRestart > 0 ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);
		const gates: any[] = spec.readinessGates ?? [];
		const gateCell =
			gates.length === 0
				? '<none>'
				: `${gates.filter((g) => (st.conditions ?? []).some((c: any) => c.type === g.conditionType && c.status === 'True')).length}/${gates.length}`;
		const ip = st.podIPs?.[0]?.ip ?? st.podIP;
		return [o.metadata.name, `${ready}/${total}`, reason, restartCell, age(o, now), orNone(ip), orNone(spec.nodeName), orNone(st.nominatedNodeName), gateCell];
	}
};

const deployment: Printer = {
	columns: [
		NAME,
		col('Ready', 'Number of the pod with ready state'),
		col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
		col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
		AGE,
		CONTAINERS,
		IMAGES,
		SELECTOR
	],
	row(o, now) {
		const st = o.status ?? {};
		const [names, images] = containerCells(o.spec?.template?.spec?.containers);
		return [o.metadata.name, `${int(st.readyReplicas)}/${int(o.spec?.replicas)}`, int(st.updatedReplicas), int(st.availableReplicas), age(o, now), names, images, formatSelector(o.spec?.selector)];
	}
};

const replicaSet: Printer = {
	columns: [
		NAME,
		col('Desired', 'Replicas is the number of desired replicas.', { type: 'integer' }),
		col('Current', 'Replicas is the most recently observed number of replicas.', { type: 'integer' }),
		col('Ready', 'The number of ready replicas for this replica set.', { type: 'integer' }),
		AGE,
		CONTAINERS,
		IMAGES,
		SELECTOR
	],
	row(o, now) {
		const st = o.status ?? {};
		const [names, images] = containerCells(o.spec?.template?.spec?.containers);
		return [o.metadata.name, int(o.spec?.replicas), int(st.replicas), int(st.readyReplicas), age(o, now), names, images, formatSelector(o.spec?.selector)];
	}
};

/** pkg/printers/internalversion formatHPAMetrics, for autoscaling/v2. */
export function formatHpaMetrics(specs: any[] | undefined, statuses: any[] | undefined): string {
	if (!specs || specs.length === 0) return '<none>';
	const list: string[] = [];
	specs.forEach((spec, i) => {
		const status = statuses?.[i];
		const unknown = '<unknown>';
		switch (spec.type) {
			case 'External': {
				const t = spec.external?.target ?? {};
				if (t.averageValue !== undefined) list.push(`${status?.external?.current?.averageValue ?? unknown}/${t.averageValue} (avg)`);
				else list.push(`${status?.external?.current?.value ?? unknown}/${t.value}`);
				break;
			}
			case 'Pods':
				list.push(`${status?.pods?.current?.averageValue ?? unknown}/${spec.pods?.target?.averageValue}`);
				break;
			case 'Object': {
				const t = spec.object?.target ?? {};
				if (t.averageValue !== undefined) list.push(`${status?.object?.current?.averageValue ?? unknown}/${t.averageValue} (avg)`);
				else list.push(`${status?.object?.current?.value ?? unknown}/${t.value}`);
				break;
			}
			case 'Resource':
			case 'ContainerResource': {
				const key = spec.type === 'Resource' ? 'resource' : 'containerResource';
				const s = spec[key] ?? {};
				const cur = status?.[key]?.current;
				if (s.target?.averageValue !== undefined) list.push(`${s.name}: ${cur?.averageValue ?? unknown}/${s.target.averageValue}`);
				else {
					const current = cur?.averageUtilization !== undefined ? `${cur.averageUtilization}%` : unknown;
					const target = s.target?.averageUtilization !== undefined ? `${s.target.averageUtilization}%` : '<auto>';
					list.push(`${s.name}: ${current}/${target}`);
				}
				break;
			}
			default:
				list.push('<unknown type>');
		}
	});
	if (list.length > 2) return `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...`;
	return list.join(', ');
}

const hpa: Printer = {
	columns: [
		NAME,
		col('Reference', 'scaleTargetRef points to the target resource to scale.'),
		col('Targets', 'metrics contains the specifications for which to use to calculate the desired replica count.'),
		col('MinPods', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
		col('MaxPods', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.'),
		col('Replicas', 'currentReplicas is current number of replicas of pods managed by this autoscaler.'),
		AGE
	],
	row(o, now) {
		const spec = o.spec ?? {};
		const ref = spec.scaleTargetRef ?? {};
		const minPods = spec.minReplicas === undefined || spec.minReplicas === null ? '<unset>' : String(spec.minReplicas);
		return [o.metadata.name, `${str(ref.kind)}/${str(ref.name)}`, formatHpaMetrics(spec.metrics, o.status?.currentMetrics), minPods, int(spec.maxReplicas), int(o.status?.currentReplicas), age(o, now)];
	}
};

const configMap: Printer = {
	columns: [NAME, col('Data', 'Data contains the configuration data.'), AGE],
	row: (o, now) => [o.metadata.name, Object.keys(o.data ?? {}).length + Object.keys((o.binaryData as object | undefined) ?? {}).length, age(o, now)]
};

const event: Printer = {
	columns: [
		col('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
		col('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
		col('Reason', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
		col('Object', 'The object that this event is about.'),
		wide(col('Subobject', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.')),
		wide(col('Source', 'The component reporting this event.')),
		col('Message', 'A human-readable description of the status of this operation.'),
		wide(col('First Seen', 'The time at which the event was first recorded.')),
		wide(col('Count', 'The number of times this event has occurred.')),
		wide(col('Name', 'Name must be unique within a namespace.', { format: 'name' }))
	],
	row(o, now) {
		const e = o as any;
		const first = e.firstTimestamp ? since(e.firstTimestamp, now) : since(e.eventTime, now);
		let last = e.lastTimestamp ? since(e.lastTimestamp, now) : first;
		let count = int(e.count);
		if (e.series) {
			last = since(e.series.lastObservedTime, now);
			count = int(e.series.count);
		} else if (count === 0) count = 1;
		const io = e.involvedObject ?? {};
		const kind = str(io.kind).toLowerCase();
		const target = io.name ? `${kind}/${io.name}` : kind;
		const component = e.source?.component || e.reportingComponent || '';
		const host = e.source?.host || e.reportingInstance || '';
		const source = host ? `${component}, ${host}` : component;
		return [last, str(e.type), str(e.reason), target, str(io.fieldPath), source, str(e.message).trim(), first, count, o.metadata.name];
	}
};

const namespace: Printer = {
	columns: [NAME, col('Status', 'The status of the namespace'), AGE],
	row: (o, now) => [o.metadata.name, str(o.status?.phase || 'Active'), age(o, now)]
};

const service: Printer = {
	columns: [
		NAME,
		col('Type', 'type determines how the Service is exposed.'),
		col('Cluster-IP', 'clusterIP is the IP address of the service.'),
		col('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
		col('Port(s)', 'The list of ports that are exposed by this service.'),
		AGE,
		wide(col('Selector', 'Route service traffic to pods with label keys and values matching this selector.'))
	],
	row(o, now) {
		const spec = o.spec ?? {};
		const ports = ((spec.ports ?? []) as any[]).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');
		const external = (spec.externalIPs ?? []).length > 0 ? spec.externalIPs.join(',') : spec.type === 'LoadBalancer' ? '<pending>' : '<none>';
		const selector = Object.entries((spec.selector ?? {}) as Record<string, string>)
			.sort(([a], [b]) => a.localeCompare(b))
			.map(([k, v]) => `${k}=${v}`)
			.join(',');
		return [o.metadata.name, str(spec.type || 'ClusterIP'), orNone(spec.clusterIPs?.[0] ?? spec.clusterIP), external, ports || '<none>', age(o, now), selector || '<none>'];
	}
};

const lease: Printer = {
	columns: [NAME, col('Holder', 'holderIdentity contains the identity of the holder of a current lease.'), AGE],
	row: (o, now) => [o.metadata.name, str(o.spec?.holderIdentity), age(o, now)]
};

const node: Printer = {
	columns: [
		NAME,
		col('Status', 'The status of the node'),
		col('Roles', 'The roles of the node'),
		AGE,
		col('Version', 'Kubelet Version reported by the node.'),
		wide(col('Internal-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.')),
		wide(col('External-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.')),
		wide(col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).')),
		wide(col('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).")),
		wide(col('Container-Runtime', 'Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).'))
	],
	row(o, now) {
		const st = o.status ?? {};
		const ready = (st.conditions ?? []).find((c: any) => c.type === 'Ready');
		const status = [ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown'];
		if (o.spec?.unschedulable) status.push('SchedulingDisabled');
		const roles = Object.keys(o.metadata.labels ?? {})
			.filter((k) => k.startsWith('node-role.kubernetes.io/'))
			.map((k) => k.slice('node-role.kubernetes.io/'.length))
			.sort();
		const address = (type: string) => orNone((st.addresses ?? []).find((a: any) => a.type === type)?.address);
		const info = st.nodeInfo ?? {};
		return [o.metadata.name, status.join(','), roles.length > 0 ? roles.join(',') : '<none>', age(o, now), str(info.kubeletVersion), address('InternalIP'), address('ExternalIP'), orNone(info.osImage), orNone(info.kernelVersion), orNone(info.containerRuntimeVersion)];
	}
};

/** A custom resource's additionalPrinterColumns (JSONPath limited to dotted paths). */
export interface CrdColumn {
	name: string;
	type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
	path: string;
}

function cellFor(type: CrdColumn['type'], value: unknown, now: number): unknown {
	if (value === undefined || value === null) return null;
	switch (type) {
		case 'integer':
			return typeof value === 'number' && Number.isInteger(value) ? value : null;
		case 'number':
			return typeof value === 'number' ? value : null;
		case 'boolean':
			return typeof value === 'boolean' ? value : null;
		case 'date':
			return typeof value === 'string' ? since(value, now) : null;
		default:
			return typeof value === 'object' ? JSON.stringify(value) : String(value);
	}
}

export function crdPrinter(columns: CrdColumn[]): Printer {
	return {
		columns: [NAME, ...columns.map((c) => col(c.name, `Custom resource definition column (in JSONPath format): ${c.path}`, { type: c.type }))],
		row: (o, now) => [o.metadata.name, ...columns.map((c) => cellFor(c.type, pick(o, c.path), now))]
	};
}

/** What the server prints for a kind without its own printer. */
export const defaultPrinter: Printer = { columns: [NAME, AGE], row: (o, now) => [o.metadata.name, age(o, now)] };

export const printers = { pod, deployment, replicaSet, hpa, configMap, event, namespace, service, lease, node };

export interface TableRow {
	cells: unknown[];
	object?: unknown;
}

export interface Table {
	kind: 'Table';
	apiVersion: string;
	metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
	columnDefinitions: Column[];
	rows: TableRow[];
}
