// Every Kubernetes API access the dashboard makes: which (API group, resource, verb), in
// which class of configured namespaces, for what, and what in the deploy module grants
// it. Derived from the watched-resource table (RESOURCES) plus the drain patch, so adding a
// watched kind adds its rows here. tests/kubernetes-access.test.ts records what the code
// really sends to an API server and compares it with this table; tests/deploy-module.test.ts
// derives the module's Role rules from it. A permission check (SelfSubjectAccessReview per
// row and namespace) is built from accessReviews() below (the source check).
import { RESOURCES, SCOPE_CLASSES, type ClusterNamespaces, type NamespaceClass, type ResourceKind } from './resources';

/** RBAC verbs the dashboard uses (of Kubernetes' get/list/watch/create/update/patch/delete…). */
export type Verb = 'list' | 'watch' | 'patch';

/** A list of namespaces in a `sources.kubernetes[]` entry of the configuration file. */
export type { NamespaceClass };

export interface NamespaceClassInfo {
	/** What the operator puts there. */
	holds: string;
	/** The deploy module's variable listing these namespaces; a Role and RoleBinding per entry. */
	moduleVariable: 'runner_namespaces' | 'arc_namespaces' | 'arc_controller_namespaces';
	/** That Role's resource name in the module (`kubernetes_role_v1.<name>`, object `<var.name>-<name>`). */
	moduleRole: 'runners' | 'arc' | 'arc_controller';
}

export const NAMESPACE_CLASSES: Record<NamespaceClass, NamespaceClassInfo> = {
	gitlab_runner_namespaces: {
		holds: 'GitLab runner manager Deployments, their HPAs, config.toml ConfigMaps and job pods',
		moduleVariable: 'runner_namespaces',
		moduleRole: 'runners'
	},
	arc_runner_namespaces: {
		holds: 'ARC AutoscalingRunnerSets, EphemeralRunnerSets, EphemeralRunners and their runner pods',
		moduleVariable: 'arc_namespaces',
		moduleRole: 'arc'
	},
	arc_controller_namespaces: {
		holds: "the ARC controller's pod and the scale sets' listener pods",
		moduleVariable: 'arc_controller_namespaces',
		moduleRole: 'arc_controller'
	}
};

export interface KubernetesAccess {
	/** API group; '' is the core group. */
	group: string;
	/** Resource (plural), as RBAC names it. */
	resource: string;
	verb: Verb;
	namespaces: NamespaceClass;
	/** The feature that needs it. */
	why: string;
	grantedBy: { moduleVariable: NamespaceClassInfo['moduleVariable']; moduleRole: NamespaceClassInfo['moduleRole'] };
}

// An informer (client-node's ListWatch) lists a collection, then watches it from the
// list's resourceVersion and lists again on 410 Gone; the drift CLI lists once. Nothing
// reads a single object by name (no `get`): the views read the informers' caches.
const WATCH_VERBS: readonly Verb[] = ['list', 'watch'];

// A Record over every kind, so a kind added to RESOURCES does not typecheck until it says why.
const WHY_WATCHED: Record<ResourceKind, string> = {
	Pod: 'Pods page: runner manager, job and ARC runner pods with phase, restarts and node',
	Deployment: 'Autoscalers page (the HPA target) and drift of runner manager Deployments',
	HorizontalPodAutoscaler: 'Autoscalers page and drift of HPA min/max replicas',
	ConfigMap: "Drift of each runner manager's config.toml",
	AutoscalingRunnerSet: 'Scale sets page, drain state and drift of min/max runners',
	EphemeralRunnerSet: 'Scale sets page: current and desired runner counts',
	EphemeralRunner: "Scale sets page: a scale set's runners, and which scale set a GitHub runner belongs to",
	ArcControllerPod: "Scale sets page and alerts: whether the ARC controller and each scale set's listener are up",
	Event: 'Why not scaling: the scheduler, HPA, deployment and ARC controllers\' and the kubelet\'s Events on the autoscaler and runner views'
};

/** The scale-set drain lever: a merge patch of an AutoscalingRunnerSet (spec.maxRunners and an annotation). */
export const DRAIN_PATCH = { group: 'actions.github.com', version: 'v1alpha1', resource: 'autoscalingrunnersets' } as const;

export function groupOf(apiVersion: string): string {
	return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

function row(group: string, resource: string, verb: Verb, namespaces: NamespaceClass, why: string): KubernetesAccess {
	const { moduleVariable, moduleRole } = NAMESPACE_CLASSES[namespaces];
	return { group, resource, verb, namespaces, why, grantedBy: { moduleVariable, moduleRole } };
}

/** Every namespaced (group, resource, verb) the dashboard uses, per namespace class. */
export const KUBERNETES_ACCESS: readonly KubernetesAccess[] = [
	...RESOURCES.flatMap((spec) =>
		SCOPE_CLASSES[spec.scope].flatMap((ns) => WATCH_VERBS.map((verb) => row(groupOf(spec.apiVersion), spec.plural, verb, ns, WHY_WATCHED[spec.kind])))
	),
	row(DRAIN_PATCH.group, DRAIN_PATCH.resource, 'patch', 'arc_runner_namespaces', 'Drain and undrain of a scale set (sets spec.maxRunners, remembers the previous value in an annotation)')
];

export interface NonResourceAccess {
	path: string;
	verb: 'get';
	why: string;
	/** Not the module: Kubernetes' default ClusterRole system:public-info-viewer allows it to everyone. */
	grantedBy: 'system:public-info-viewer';
}

/** Requests outside any resource: allowed by Kubernetes' defaults, listed so a check can cover them too. */
export const NON_RESOURCE_ACCESS: readonly NonResourceAccess[] = [
	{ path: '/version', verb: 'get', why: 'Health probe of the API server, so a hung watch still shows as a failing source', grantedBy: 'system:public-info-viewer' }
];

export interface PolicyRule {
	apiGroups: string[];
	resources: string[];
	verbs: Verb[];
}

/** The RBAC rules a Role in one namespace class needs: one rule per API group and verb set, sorted. */
export function roleRules(namespaces: NamespaceClass, access: readonly KubernetesAccess[] = KUBERNETES_ACCESS): PolicyRule[] {
	const verbsOf = new Map<string, Set<Verb>>();
	for (const a of access) {
		if (a.namespaces !== namespaces) continue;
		const key = `${a.group}\u0000${a.resource}`;
		if (!verbsOf.has(key)) verbsOf.set(key, new Set());
		verbsOf.get(key)!.add(a.verb);
	}
	const rules = new Map<string, PolicyRule>();
	for (const [key, verbs] of verbsOf) {
		const [group, resource] = key.split('\u0000') as [string, string];
		const sorted = [...verbs].sort();
		const id = `${group}\u0000${sorted.join(',')}`;
		if (!rules.has(id)) rules.set(id, { apiGroups: [group], resources: [], verbs: sorted });
		rules.get(id)!.resources.push(resource);
	}
	const out = [...rules.values()].map((r) => ({ ...r, resources: r.resources.sort() }));
	const order = (r: PolicyRule) => `${r.apiGroups[0]}\u0000${r.verbs.join(',')}`;
	return out.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/** SelfSubjectAccessReview resource attributes for every access in the configured namespaces, with why and what grants it. */
export function accessReviews(namespaces: ClusterNamespaces, access: readonly KubernetesAccess[] = KUBERNETES_ACCESS) {
	return access.flatMap((a) =>
		[...new Set(namespaces[a.namespaces])].map((namespace) => ({ namespace, group: a.group, resource: a.resource, verb: a.verb, why: a.why, grantedBy: a.grantedBy }))
	);
}

export interface ReviewAccess {
	group: string;
	resource: string;
	verb: 'create';
	why: string;
	/** Kubernetes' default ClusterRole that allows it to every authenticated user. */
	grantedBy: 'system:basic-user';
}

/** What `runner-dashboard check` (and the dashboard's start-up check) creates to learn who it is and what it may do. */
export const REVIEW_ACCESS: readonly ReviewAccess[] = [
	{ group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews', verb: 'create', why: 'The source check: may the dashboard use each row above in each namespace', grantedBy: 'system:basic-user' },
	{ group: 'authentication.k8s.io', resource: 'selfsubjectreviews', verb: 'create', why: 'The source check: who the API server takes the dashboard to be (Kubernetes 1.28+)', grantedBy: 'system:basic-user' }
];
