// The kinds the dashboard watches, where they live, and how to list them with the
// typed clients (CustomObjectsApi for ARC's CRDs).
import { AppsV1Api, AutoscalingV2Api, CoreV1Api, CustomObjectsApi, EventsV1Api, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';

export type ResourceKind = 'Pod' | 'Deployment' | 'HorizontalPodAutoscaler' | 'ConfigMap' | 'AutoscalingRunnerSet' | 'EphemeralRunnerSet' | 'EphemeralRunner' | 'Event' | 'ArcControllerPod';

export interface ResourceSpec {
	kind: ResourceKind;
	apiVersion: string;
	plural: string;
	/** Which configured namespaces hold it. */
	scope: 'gitlab' | 'arc' | 'both' | 'arc_controller';
}

export const RESOURCES: ResourceSpec[] = [
	{ kind: 'Pod', apiVersion: 'v1', plural: 'pods', scope: 'both' },
	{ kind: 'Deployment', apiVersion: 'apps/v1', plural: 'deployments', scope: 'gitlab' },
	{ kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v2', plural: 'horizontalpodautoscalers', scope: 'gitlab' },
	{ kind: 'ConfigMap', apiVersion: 'v1', plural: 'configmaps', scope: 'gitlab' },
	{ kind: 'AutoscalingRunnerSet', apiVersion: 'actions.github.com/v1alpha1', plural: 'autoscalingrunnersets', scope: 'arc' },
	{ kind: 'EphemeralRunnerSet', apiVersion: 'actions.github.com/v1alpha1', plural: 'ephemeralrunnersets', scope: 'arc' },
	{ kind: 'EphemeralRunner', apiVersion: 'actions.github.com/v1alpha1', plural: 'ephemeralrunners', scope: 'arc' },
	// The API server keeps Events for its --event-ttl (an hour by default) and deletes them;
	// the informer follows, so the cache is bounded by what the cluster keeps.
	{ kind: 'Event', apiVersion: 'events.k8s.io/v1', plural: 'events', scope: 'both' },
	// Pods of the ARC controller namespaces (the controller's and one listener per scale set),
	// kept apart from the runner pods so the Pods page and capacity never count them.
	{ kind: 'ArcControllerPod', apiVersion: 'v1', plural: 'pods', scope: 'arc_controller' }
];

/** The configuration's namespace lists of a cluster, each holding one class of objects. */
export type NamespaceClass = 'gitlab_runner_namespaces' | 'arc_runner_namespaces' | 'arc_controller_namespaces';

/** The configured namespaces of a cluster, by class (a Kubernetes source's configuration is one). */
export type ClusterNamespaces = Record<NamespaceClass, string[]>;

/** The namespace classes a watched kind's scope covers. */
export const SCOPE_CLASSES: Record<ResourceSpec['scope'], NamespaceClass[]> = {
	gitlab: ['gitlab_runner_namespaces'],
	arc: ['arc_runner_namespaces'],
	both: ['gitlab_runner_namespaces', 'arc_runner_namespaces'],
	arc_controller: ['arc_controller_namespaces']
};

/** Where a watched kind lives: the namespaces of its scope, each once. */
export function namespacesOf(spec: ResourceSpec, ns: ClusterNamespaces): string[] {
	return [...new Set(SCOPE_CLASSES[spec.scope].flatMap((c) => ns[c]))];
}

export function resourcePath(spec: ResourceSpec, namespace: string): string {
	const base = spec.apiVersion === 'v1' ? '/api/v1' : `/apis/${spec.apiVersion}`;
	return `${base}/namespaces/${namespace}/${spec.plural}`;
}

type Lister = () => Promise<KubernetesListObject<KubernetesObject>>;

/** A call that never answers must fail, so the informer reports it and retries (client-node sets no timeout). */
export function withTimeout<T>(list: () => Promise<T>, ms: number, what: string): () => Promise<T> {
	return () =>
		new Promise<T>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
			list().then(
				(v) => (clearTimeout(timer), resolve(v)),
				(e) => (clearTimeout(timer), reject(e))
			);
		});
}

export function lister(kc: KubeConfig, spec: ResourceSpec, namespace: string, timeoutMs = 10_000): Lister {
	return withTimeout(typedLister(kc, spec, namespace), timeoutMs, `list ${resourcePath(spec, namespace)}`);
}

function typedLister(kc: KubeConfig, spec: ResourceSpec, namespace: string): Lister {
	switch (spec.kind) {
		case 'Pod':
		case 'ArcControllerPod':
			return () => kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace }) as never;
		case 'ConfigMap':
			return () => kc.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace }) as never;
		case 'Deployment':
			return () => kc.makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace }) as never;
		case 'Event':
			return () => kc.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace }) as never;
		case 'HorizontalPodAutoscaler':
			return () => kc.makeApiClient(AutoscalingV2Api).listNamespacedHorizontalPodAutoscaler({ namespace }) as never;
		default: {
			const [group, version] = spec.apiVersion.split('/') as [string, string];
			return () => kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ group, version, namespace, plural: spec.plural }) as never;
		}
	}
}
