// The built-in drift map for the runner stacks (tofu/stacks/gitlab-runners and
// tofu/stacks/arc-runners, see docs/drift.md): per runner type T found in
// variables.tf as `deploy_T_runner`, which variable lands in which live field.
import type { DriftMap, FieldMapping } from './map';

const GITLAB_NS = 'gitlab-runners';
const ARC_NS = 'arc-runners';
const EACH_TYPE = '^deploy_(?<T>[a-z0-9_]+)_runner$';

const resources = (prefix: string, at: string): FieldMapping[] => [
	{ path: `${at}.resources.requests.cpu`, variable: `${prefix}cpu_request` },
	{ path: `${at}.resources.requests.memory`, variable: `${prefix}memory_request` },
	{ path: `${at}.resources.limits.cpu`, variable: `${prefix}cpu_limit` },
	{ path: `${at}.resources.limits.memory`, variable: `${prefix}memory_limit` }
];

const configToml = 'data["config.toml"]';

/** The built-in profile; user maps merge into it (or replace it with `replace: true`). */
export const builtinDriftMap: DriftMap = {
	stacks: [
		{
			stack: 'gitlab-runners',
			each: EACH_TYPE,
			objects: [
				{
					kind: 'Deployment',
					apiVersion: 'apps/v1',
					namespace: GITLAB_NS,
					name: '${var.{T}_runner_name}',
					exists: ['deploy_{T}_runner'],
					fields: resources('manager_', 'spec.template.spec.containers[0]')
				},
				{
					kind: 'HorizontalPodAutoscaler',
					apiVersion: 'autoscaling/v2',
					namespace: GITLAB_NS,
					name: '${var.{T}_runner_name}-hpa',
					exists: ['deploy_{T}_runner', '{T}_hpa_enabled'],
					fields: [
						{ path: 'spec.minReplicas', variable: '{T}_hpa_min_replicas' },
						{ path: 'spec.maxReplicas', variable: '{T}_hpa_max_replicas' }
					]
				},
				{
					kind: 'ConfigMap',
					apiVersion: 'v1',
					namespace: GITLAB_NS,
					name: '${var.{T}_runner_name}-config',
					exists: ['deploy_{T}_runner'],
					fields: [
						{ path: configToml, toml: 'concurrent', variable: '{T}_concurrent_jobs' },
						{ path: configToml, toml: 'runners.kubernetes.cpu_request', variable: '{T}_job_cpu_request' },
						{ path: configToml, toml: 'runners.kubernetes.memory_request', variable: '{T}_job_memory_request' },
						{ path: configToml, toml: 'runners.kubernetes.cpu_limit', variable: '{T}_job_cpu_limit' },
						{ path: configToml, toml: 'runners.kubernetes.memory_limit', variable: '{T}_job_memory_limit' }
					]
				}
			]
		},
		{
			stack: 'arc-runners',
			each: EACH_TYPE,
			objects: [
				{
					kind: 'AutoscalingRunnerSet',
					apiVersion: 'actions.github.com/v1alpha1',
					namespace: ARC_NS,
					name: '${var.{T}_runner_name}',
					exists: ['deploy_{T}_runner'],
					fields: [
						{ path: 'spec.minRunners', variable: '{T}_min_runners' },
						{ path: 'spec.maxRunners', variable: '{T}_max_runners' },
						...resources('{T}_', 'spec.template.spec.containers[name=runner]')
					]
				}
			]
		}
	],
	ignore: [
		{
			kind: '*',
			paths: [
				'/metadata/resourceVersion',
				'/metadata/uid',
				'/metadata/generation',
				'/metadata/creationTimestamp',
				'/metadata/managedFields',
				'/metadata/selfLink',
				'/metadata/generateName',
				'/metadata/annotations/deployment.kubernetes.io~1revision',
				'/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration',
				'/status'
			]
		}
	],
	unmanaged: [
		{ kind: 'Deployment', namespace: GITLAB_NS, stack: 'gitlab-runners' },
		{ kind: 'AutoscalingRunnerSet', namespace: ARC_NS, stack: 'arc-runners' }
	]
};
