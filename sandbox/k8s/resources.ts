// The resource types the simulated API server serves: what discovery advertises,
// what the request paths resolve to, which field selectors each kind supports and
// how `kubectl get` prints it. Objects themselves live in the ObjectStore.

import { fromEventsV1, toEventsV1 } from './events.js';
import type { K8sObject } from './store.js';
import { crdPrinter, defaultPrinter, printers, type Printer } from './tables.js';

/** A resource served as another version of a stored kind (converted on the way in and out). */
export interface View {
	storage: { apiVersion: string; kind: string };
	toView(o: K8sObject): K8sObject;
	fromView(o: Record<string, any>): Record<string, any>;
}

export interface ResourceType {
	/** '' for the core group. */
	group: string;
	version: string;
	plural: string;
	singular: string;
	kind: string;
	namespaced: boolean;
	shortNames: string[];
	categories: string[];
	/** Has a /status subresource: writes to the object keep status, writes to /status change only status. */
	statusSubresource: boolean;
	/** A custom resource (CRD): no strategic merge patch, as on a real API server. */
	custom: boolean;
	/** Field selectors beyond metadata.name and metadata.namespace. */
	fields: Record<string, (o: any) => unknown>;
	printer: Printer;
	verbs: readonly string[];
	/** Create-only and never stored: the answer is computed (SelfSubjectAccessReview and kin). */
	review: boolean;
	/** Served from objects stored under another version (events.k8s.io/v1 Events are core v1 Events). */
	view?: View;
}

export const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] as const;
export const STATUS_VERBS = ['get', 'patch', 'update'] as const;
const CREATE_ONLY = ['create'] as const;

export const apiVersionOf = (rt: { group: string; version: string }) => (rt.group ? `${rt.group}/${rt.version}` : rt.version);

/** Where objects of a served resource live in the store. */
export const storageOf = (rt: ResourceType) => rt.view?.storage ?? { apiVersion: apiVersionOf(rt), kind: rt.kind };

type Def = Omit<ResourceType, 'shortNames' | 'categories' | 'statusSubresource' | 'custom' | 'fields' | 'verbs' | 'review'> & Partial<ResourceType>;
const def = (d: Def): ResourceType => ({ shortNames: [], categories: [], statusSubresource: false, custom: false, fields: {}, verbs: VERBS, review: false, ...d });
const review = (group: string, kind: string, plural: string): ResourceType =>
	def({ group, version: 'v1', plural, singular: plural.slice(0, -1), kind, namespaced: false, verbs: CREATE_ONLY, review: true, printer: defaultPrinter });

/** Events, in the core group or events.k8s.io (a view of the core ones). */
const eventsIn = (group: string, fields: ResourceType['fields'], view?: View): ResourceType =>
	def({ group, version: 'v1', plural: 'events', singular: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'], fields, printer: printers.event, ...(view ? { view } : {}) });

/** The involved object's fields, under the names each Event version selects them by. */
const involvedFields = (prefix: string) =>
	Object.fromEntries(['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'].map((f) => [`${prefix}.${f}`, (o: any) => o.involvedObject?.[f]]));

const ARC = 'actions.github.com';

export const RESOURCES: readonly ResourceType[] = [
	def({ group: '', version: 'v1', plural: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'], statusSubresource: true, fields: { 'status.phase': (o) => o.status?.phase }, printer: printers.namespace }),
	def({
		group: '',
		version: 'v1',
		plural: 'pods',
		singular: 'pod',
		kind: 'Pod',
		namespaced: true,
		shortNames: ['po'],
		categories: ['all'],
		statusSubresource: true,
		fields: {
			'spec.nodeName': (o) => o.spec?.nodeName,
			'spec.restartPolicy': (o) => o.spec?.restartPolicy,
			'spec.schedulerName': (o) => o.spec?.schedulerName,
			'spec.serviceAccountName': (o) => o.spec?.serviceAccountName,
			'spec.hostNetwork': (o) => String(o.spec?.hostNetwork ?? false),
			'status.phase': (o) => o.status?.phase,
			'status.podIP': (o) => o.status?.podIP,
			'status.nominatedNodeName': (o) => o.status?.nominatedNodeName
		},
		printer: printers.pod
	}),
	def({ group: '', version: 'v1', plural: 'configmaps', singular: 'configmap', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'], printer: printers.configMap }),
	eventsIn('', {
		...involvedFields('involvedObject'),
		reason: (o) => o.reason,
		reportingComponent: (o) => o.reportingComponent,
		source: (o) => o.source?.component,
		type: (o) => o.type
	}),
	def({
		group: '',
		version: 'v1',
		plural: 'nodes',
		singular: 'node',
		kind: 'Node',
		namespaced: false,
		shortNames: ['no'],
		statusSubresource: true,
		fields: { 'spec.unschedulable': (o) => String(o.spec?.unschedulable ?? false) },
		printer: printers.node
	}),
	def({ group: '', version: 'v1', plural: 'services', singular: 'service', kind: 'Service', namespaced: true, shortNames: ['svc'], categories: ['all'], statusSubresource: true, printer: printers.service }),
	def({ group: 'apps', version: 'v1', plural: 'deployments', singular: 'deployment', kind: 'Deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'], statusSubresource: true, printer: printers.deployment }),
	def({ group: 'apps', version: 'v1', plural: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'], categories: ['all'], statusSubresource: true, printer: printers.replicaSet }),
	// Group order as the API server lists them: apps, events, authentication, authorization, autoscaling, … then CRDs.
	// Field labels as events.k8s.io converts them to the stored Event's; rows printed from the stored object (one printer for both versions).
	eventsIn(
		'events.k8s.io',
		{ ...involvedFields('regarding'), reason: (o) => o.reason, reportingController: (o) => o.reportingComponent, type: (o) => o.type },
		{ storage: { apiVersion: 'v1', kind: 'Event' }, toView: toEventsV1, fromView: fromEventsV1 }
	),
	review('authentication.k8s.io', 'SelfSubjectReview', 'selfsubjectreviews'),
	review('authorization.k8s.io', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews'),
	review('authorization.k8s.io', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews'),
	def({
		group: 'autoscaling',
		version: 'v2',
		plural: 'horizontalpodautoscalers',
		singular: 'horizontalpodautoscaler',
		kind: 'HorizontalPodAutoscaler',
		namespaced: true,
		shortNames: ['hpa'],
		categories: ['all'],
		statusSubresource: true,
		printer: printers.hpa
	}),
	def({ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', singular: 'lease', kind: 'Lease', namespaced: true, printer: printers.lease }),
	def({
		group: ARC,
		version: 'v1alpha1',
		plural: 'autoscalingrunnersets',
		singular: 'autoscalingrunnerset',
		kind: 'AutoscalingRunnerSet',
		namespaced: true,
		statusSubresource: true,
		custom: true,
		printer: crdPrinter([
			{ name: 'Minimum Runners', type: 'integer', path: '.spec.minRunners' },
			{ name: 'Maximum Runners', type: 'integer', path: '.spec.maxRunners' },
			{ name: 'Current Runners', type: 'integer', path: '.status.currentRunners' },
			{ name: 'Phase', type: 'string', path: '.status.phase' },
			{ name: 'Pending Runners', type: 'integer', path: '.status.pendingEphemeralRunners' },
			{ name: 'Running Runners', type: 'integer', path: '.status.runningEphemeralRunners' },
			{ name: 'Finished Runners', type: 'integer', path: '.status.finishedEphemeralRunners' },
			{ name: 'Deleting Runners', type: 'integer', path: '.status.deletingEphemeralRunners' }
		])
	}),
	def({
		group: ARC,
		version: 'v1alpha1',
		plural: 'ephemeralrunnersets',
		singular: 'ephemeralrunnerset',
		kind: 'EphemeralRunnerSet',
		namespaced: true,
		statusSubresource: true,
		custom: true,
		printer: crdPrinter([
			{ name: 'DesiredReplicas', type: 'integer', path: '.spec.replicas' },
			{ name: 'CurrentReplicas', type: 'integer', path: '.status.currentReplicas' },
			{ name: 'Pending Runners', type: 'integer', path: '.status.pendingEphemeralRunners' },
			{ name: 'Running Runners', type: 'integer', path: '.status.runningEphemeralRunners' },
			{ name: 'Finished Runners', type: 'integer', path: '.status.finishedEphemeralRunners' },
			{ name: 'Deleting Runners', type: 'integer', path: '.status.deletingEphemeralRunners' }
		])
	}),
	def({
		group: ARC,
		version: 'v1alpha1',
		plural: 'ephemeralrunners',
		singular: 'ephemeralrunner',
		kind: 'EphemeralRunner',
		namespaced: true,
		statusSubresource: true,
		custom: true,
		printer: crdPrinter([
			{ name: 'GitHub Config URL', type: 'string', path: '.spec.githubConfigUrl' },
			{ name: 'RunnerId', type: 'number', path: '.status.runnerId' },
			{ name: 'Status', type: 'string', path: '.status.phase' },
			{ name: 'JobRepository', type: 'string', path: '.status.jobRepositoryName' },
			{ name: 'JobWorkflowRef', type: 'string', path: '.status.jobWorkflowRef' },
			{ name: 'WorkflowRunId', type: 'number', path: '.status.workflowRunId' },
			{ name: 'JobDisplayName', type: 'string', path: '.status.jobDisplayName' },
			{ name: 'Message', type: 'string', path: '.status.message' },
			{ name: 'Age', type: 'date', path: '.metadata.creationTimestamp' }
		])
	})
];

export interface GroupVersion {
	group: string;
	version: string;
	resources: ResourceType[];
}

/** Served group versions in discovery order (core first, then groups as registered). */
export const GROUP_VERSIONS: readonly GroupVersion[] = (() => {
	const out: GroupVersion[] = [];
	for (const rt of RESOURCES) {
		let gv = out.find((g) => g.group === rt.group && g.version === rt.version);
		if (!gv) out.push((gv = { group: rt.group, version: rt.version, resources: [] }));
		gv.resources.push(rt);
	}
	return out;
})();

export function findResource(group: string, version: string, plural: string): ResourceType | undefined {
	return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** The served resource type of a stored object, if any (the stored version, not a view of it). */
export function resourceOfObject(apiVersion: string, kind: string): ResourceType | undefined {
	return RESOURCES.find((r) => !r.view && apiVersionOf(r) === apiVersion && r.kind === kind);
}

/** Served resources of a group by plural, whatever the version (what authorization names). */
export function resourcesNamed(group: string, plural: string): ResourceType[] {
	return RESOURCES.filter((r) => r.group === group && r.plural === plural);
}
