// What the GitOps stacks install into the simulated cluster, as `tofu apply` would:
// the GitLab runner stack (per runner type a Deployment, its HPA and its config.toml
// ConfigMap in `gitlab-runners`) and the ARC stack (the controller in `arc-systems`,
// one AutoscalingRunnerSet per runner type in `arc-runners`). Names and defaults
// follow the GloriousFlywheel stacks (docs/sandbox.md lists them).

import type { NewObject } from '../../k8s/store.js';
import { DAY } from '../clock.js';
import { GITHUB_CONFIG_URL } from '../github/catalog.js';
import { APPS_V1, ARC_V1ALPHA1, AUTOSCALING_V2, V1 } from './meta.js';

export const GITLAB_RUNNER_NAMESPACE = 'gitlab-runners';
export const ARC_CONTROLLER_NAMESPACE = 'arc-systems';
export const ARC_RUNNER_NAMESPACE = 'arc-runners';
/** Where the dashboard itself runs (its ServiceAccount, its Lease). */
export const DASHBOARD_NAMESPACE = 'runner-dashboard';
export const NAMESPACES = ['default', 'kube-system', GITLAB_RUNNER_NAMESPACE, ARC_CONTROLLER_NAMESPACE, ARC_RUNNER_NAMESPACE, DASHBOARD_NAMESPACE];

/** When the stacks were applied: a month before the simulation starts (whatever its origin). */
export function installedAt(origin: number): number {
	return origin - 30 * DAY;
}

export const RUNNER_TYPES = ['docker', 'dind', 'nix'] as const;
export type RunnerType = (typeof RUNNER_TYPES)[number];

/** The external metric the runner HPAs scale on: pending + running GitLab jobs for the runner type. */
export const HPA_METRIC = 'gitlab_ci_jobs';
export const GITLAB_RUNNER_IMAGE = 'registry.gitlab.com/gitlab-org/gitlab-runner:alpine-v17.5.2';
export const ARC_VERSION = '0.12.1';
export const ACTIONS_RUNNER_IMAGE = 'ghcr.io/actions/actions-runner:2.323.0';
export const ARC_SECRET = 'arc-github-secret';
export const ARC_RUNNER_GROUP = 'arc-runners';
export const ARC_CONTROLLER = 'arc-gha-rs-controller';

export interface Resources {
	requests: { cpu: string; memory: string };
	limits: { cpu: string; memory: string };
}

const res = (cpuReq: string, memReq: string, cpuLim: string, memLim: string): Resources => ({
	requests: { cpu: cpuReq, memory: memReq },
	limits: { cpu: cpuLim, memory: memLim }
});

/** `manager_cpu_request` etc.: the runner manager container, shared by every runner type. */
export const MANAGER_RESOURCES = res('100m', '128Mi', '500m', '512Mi');

export interface GitLabRunnerTypeSpec {
	type: RunnerType;
	name: string;
	/** `T_concurrent_jobs`: jobs one manager pod runs at once; also the HPA's per-pod target. */
	concurrent: number;
	/** `T_job_cpu_request` etc.: resources of the job pods the Kubernetes executor starts. */
	job: Resources;
	jobImage: string;
	privileged: boolean;
	hpa: { min: number; max: number };
}

export const GITLAB_RUNNER_STACK: Record<RunnerType, GitLabRunnerTypeSpec> = {
	docker: { type: 'docker', name: 'docker-runner', concurrent: 12, job: res('500m', '1Gi', '2', '4Gi'), jobImage: 'alpine:3.20', privileged: false, hpa: { min: 2, max: 8 } },
	dind: { type: 'dind', name: 'dind-runner', concurrent: 6, job: res('1', '2Gi', '4', '8Gi'), jobImage: 'docker:27-dind', privileged: true, hpa: { min: 1, max: 4 } },
	nix: { type: 'nix', name: 'nix-runner', concurrent: 10, job: res('1', '2Gi', '4', '8Gi'), jobImage: 'nixos/nix:2.24.9', privileged: false, hpa: { min: 1, max: 6 } }
};

export interface ScaleSetSpec {
	name: string;
	minRunners: number;
	maxRunners: number;
	resources: Resources;
}

/** `T_runner_name`, `T_min_runners`, `T_max_runners`, `T_cpu_request`... of the arc-runners stack. */
export const BASE_SCALE_SETS: readonly ScaleSetSpec[] = [
	{ name: 'gh-nix', minRunners: 0, maxRunners: 10, resources: res('1', '2Gi', '4', '8Gi') },
	{ name: 'gh-docker', minRunners: 1, maxRunners: 20, resources: res('500m', '1Gi', '2', '4Gi') },
	{ name: 'gh-dind', minRunners: 0, maxRunners: 5, resources: res('1', '2Gi', '4', '8Gi') }
];

/** Scale set `i` of a fleet of any size: the three stack ones, then `gh-extra-1`, `gh-extra-2`, ... */
export function scaleSetSpec(i: number): ScaleSetSpec {
	return BASE_SCALE_SETS[i] ?? { name: `gh-extra-${i - BASE_SCALE_SETS.length + 1}`, minRunners: 0, maxRunners: 10, resources: res('500m', '1Gi', '2', '4Gi') };
}

export function isStackScaleSet(name: string): boolean {
	return BASE_SCALE_SETS.some((s) => s.name === name) || /^gh-extra-\d+$/.test(name);
}

export function namespaceObject(name: string): NewObject {
	return {
		apiVersion: V1,
		kind: 'Namespace',
		metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
		spec: { finalizers: ['kubernetes'] },
		status: { phase: 'Active' }
	};
}

function runnerLabels(t: GitLabRunnerTypeSpec): Record<string, string> {
	return {
		'app.kubernetes.io/name': t.name,
		'app.kubernetes.io/instance': t.name,
		'app.kubernetes.io/component': 'runner-manager',
		'app.kubernetes.io/part-of': 'gitlab-runners',
		'runner-type': t.type
	};
}

export function runnerConfigMap(t: GitLabRunnerTypeSpec): NewObject {
	const [jr, jl] = [t.job.requests, t.job.limits];
	const toml = [
		`concurrent = ${t.concurrent}`,
		'check_interval = 3',
		'log_level = "info"',
		'listen_address = ":9252"',
		'',
		'[[runners]]',
		`  name = "${t.name}"`,
		'  url = "https://gitlab.sandbox.invalid/"',
		'  executor = "kubernetes"',
		`  limit = ${t.concurrent}`,
		'  [runners.kubernetes]',
		`    namespace = "${GITLAB_RUNNER_NAMESPACE}"`,
		`    image = "${t.jobImage}"`,
		`    privileged = ${t.privileged}`,
		`    cpu_request = "${jr.cpu}"`,
		`    memory_request = "${jr.memory}"`,
		`    cpu_limit = "${jl.cpu}"`,
		`    memory_limit = "${jl.memory}"`,
		''
	].join('\n');
	return {
		apiVersion: V1,
		kind: 'ConfigMap',
		metadata: { name: `${t.name}-config`, namespace: GITLAB_RUNNER_NAMESPACE, labels: { ...runnerLabels(t), 'app.kubernetes.io/managed-by': 'opentofu' } },
		data: { 'config.toml': toml }
	};
}

export function runnerDeployment(t: GitLabRunnerTypeSpec): NewObject {
	const labels = runnerLabels(t);
	return {
		apiVersion: APPS_V1,
		kind: 'Deployment',
		metadata: {
			name: t.name,
			namespace: GITLAB_RUNNER_NAMESPACE,
			labels: { ...labels, 'app.kubernetes.io/managed-by': 'opentofu' },
			annotations: { 'deployment.kubernetes.io/revision': '1' }
		},
		spec: {
			replicas: t.hpa.min,
			revisionHistoryLimit: 10,
			progressDeadlineSeconds: 600,
			selector: { matchLabels: { 'app.kubernetes.io/name': t.name, 'app.kubernetes.io/instance': t.name } },
			strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
			template: {
				metadata: { labels, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9252' } },
				spec: {
					serviceAccountName: 'gitlab-runner',
					terminationGracePeriodSeconds: 3600,
					containers: [
						{
							name: 'gitlab-runner',
							image: GITLAB_RUNNER_IMAGE,
							args: ['run'],
							ports: [{ name: 'metrics', containerPort: 9252, protocol: 'TCP' }],
							resources: MANAGER_RESOURCES,
							volumeMounts: [{ name: 'config', mountPath: '/etc/gitlab-runner' }]
						}
					],
					volumes: [{ name: 'config', configMap: { name: `${t.name}-config` } }]
				}
			}
		}
	};
}

export function runnerHpa(t: GitLabRunnerTypeSpec): NewObject {
	return {
		apiVersion: AUTOSCALING_V2,
		kind: 'HorizontalPodAutoscaler',
		metadata: {
			name: `${t.name}-hpa`,
			namespace: GITLAB_RUNNER_NAMESPACE,
			labels: { ...runnerLabels(t), 'app.kubernetes.io/managed-by': 'opentofu' }
		},
		spec: {
			scaleTargetRef: { apiVersion: APPS_V1, kind: 'Deployment', name: t.name },
			minReplicas: t.hpa.min,
			maxReplicas: t.hpa.max,
			metrics: [
				{
					type: 'External',
					external: {
						metric: { name: HPA_METRIC, selector: { matchLabels: { runner_type: t.type } } },
						target: { type: 'AverageValue', averageValue: String(t.concurrent) }
					}
				}
			],
			behavior: {
				scaleUp: {
					stabilizationWindowSeconds: 0,
					selectPolicy: 'Max',
					policies: [
						{ type: 'Pods', value: 4, periodSeconds: 15 },
						{ type: 'Percent', value: 100, periodSeconds: 15 }
					]
				},
				scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] }
			}
		}
	};
}

export function arcControllerDeployment(): NewObject {
	const labels = {
		'app.kubernetes.io/name': 'gha-rs-controller',
		'app.kubernetes.io/instance': 'arc',
		'app.kubernetes.io/part-of': 'gha-rs-controller',
		'app.kubernetes.io/version': ARC_VERSION
	};
	return {
		apiVersion: APPS_V1,
		kind: 'Deployment',
		metadata: { name: ARC_CONTROLLER, namespace: ARC_CONTROLLER_NAMESPACE, labels: { ...labels, 'app.kubernetes.io/managed-by': 'Helm' } },
		spec: {
			replicas: 1,
			revisionHistoryLimit: 10,
			progressDeadlineSeconds: 600,
			selector: { matchLabels: { 'app.kubernetes.io/name': 'gha-rs-controller', 'app.kubernetes.io/instance': 'arc' } },
			strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
			template: {
				metadata: { labels, annotations: { 'kubectl.kubernetes.io/default-container': 'manager' } },
				spec: {
					serviceAccountName: ARC_CONTROLLER,
					containers: [
						{
							name: 'manager',
							image: `ghcr.io/actions/gha-runner-scale-set-controller:${ARC_VERSION}`,
							args: ['--auto-scaling-runner-set-only', '--log-level=debug', '--log-format=text', '--update-strategy=immediate', '--metrics-addr=:8080', '--listener-metrics-addr=:8080', '--listener-metrics-endpoint=/metrics'],
							ports: [{ name: 'metrics', containerPort: 8080, protocol: 'TCP' }],
							resources: res('100m', '128Mi', '500m', '512Mi')
						}
					]
				}
			}
		}
	};
}

export function autoscalingRunnerSet(s: ScaleSetSpec): NewObject {
	return {
		apiVersion: ARC_V1ALPHA1,
		kind: 'AutoscalingRunnerSet',
		metadata: {
			name: s.name,
			namespace: ARC_RUNNER_NAMESPACE,
			labels: {
				'app.kubernetes.io/name': s.name,
				'app.kubernetes.io/instance': s.name,
				'app.kubernetes.io/component': 'autoscaling-runner-set',
				'app.kubernetes.io/part-of': 'gha-rs',
				'app.kubernetes.io/version': ARC_VERSION,
				'app.kubernetes.io/managed-by': 'Helm',
				'actions.github.com/scale-set-name': s.name,
				'actions.github.com/scale-set-namespace': ARC_RUNNER_NAMESPACE
			},
			annotations: { 'actions.github.com/cleanup-manager-role-name': `${s.name}-gha-rs-manager`, 'actions.github.com/runner-group-name': ARC_RUNNER_GROUP }
		},
		spec: {
			githubConfigUrl: GITHUB_CONFIG_URL,
			githubConfigSecret: ARC_SECRET,
			runnerGroup: ARC_RUNNER_GROUP,
			runnerScaleSetName: s.name,
			minRunners: s.minRunners,
			maxRunners: s.maxRunners,
			template: {
				spec: {
					restartPolicy: 'Never',
					serviceAccountName: `${s.name}-gha-rs-no-permission`,
					containers: [{ name: 'runner', image: ACTIONS_RUNNER_IMAGE, command: ['/home/runner/run.sh'], resources: s.resources }]
				}
			}
		}
	};
}
