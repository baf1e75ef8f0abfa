// The two runner stacks (gitlab-runners, arc-runners) rendered three ways from
// value tables — declared (variables.tf + <env>.tfvars), applied (OpenTofu state
// as the kubernetes provider writes it) and live (API objects) — for tests and the
// benchmark. Equal tables give zero drift; a differing entry is a planted drift.
import type { LiveObject } from './types';

export type Q = string;

export interface GitlabType {
	deploy: boolean;
	name: string;
	concurrent: number;
	privileged: boolean;
	job: { cpuRequest: Q; memoryRequest: Q; cpuLimit: Q; memoryLimit: Q };
	hpaEnabled: boolean;
	hpaMin: number;
	hpaMax: number;
}

export interface ArcType {
	deploy: boolean;
	name: string;
	minRunners: number;
	maxRunners: number;
	cpuRequest: Q;
	memoryRequest: Q;
	cpuLimit: Q;
	memoryLimit: Q;
}

export interface StackValues {
	gitlab: Record<string, GitlabType>;
	manager: { cpuRequest: Q; memoryRequest: Q; cpuLimit: Q; memoryLimit: Q };
	arc: Record<string, ArcType>;
}

export const GITLAB_NS = 'gitlab-runners';
export const ARC_NS = 'arc-runners';

/** Plausible values for `gitlabTypes` GitLab runner types and `arcTypes` scale sets. */
export function defaultValues(gitlabTypes: string[], arcTypes: string[], prefix = ''): StackValues {
	const gitlab: Record<string, GitlabType> = {};
	gitlabTypes.forEach((t, i) => {
		gitlab[t] = {
			deploy: true,
			name: `${prefix}${t}-runner`,
			concurrent: 4 + (i % 8),
			privileged: i % 3 === 1,
			job: { cpuRequest: '500m', memoryRequest: '1Gi', cpuLimit: '2', memoryLimit: '4Gi' },
			hpaEnabled: true,
			hpaMin: 1 + (i % 2),
			hpaMax: 4 + (i % 5)
		};
	});
	const arc: Record<string, ArcType> = {};
	arcTypes.forEach((t, i) => {
		arc[t] = { deploy: true, name: `${prefix}gh-${t}`, minRunners: i % 3, maxRunners: 10 + i, cpuRequest: '1', memoryRequest: '2Gi', cpuLimit: '4', memoryLimit: '8Gi' };
	});
	return { gitlab, manager: { cpuRequest: '100m', memoryRequest: '128Mi', cpuLimit: '1', memoryLimit: '512Mi' }, arc };
}

const q = (s: string) => JSON.stringify(s);

function variable(name: string, type: string, def: string): string {
	return `variable "${name}" {\n  description = "The ${name.replace(/_/g, ' ')}"\n  type        = ${type}\n  default     = ${def}\n}\n`;
}

/** variables.tf of a stack: every variable with a module default (the defaults are deliberately not the values). */
export function variablesTf(stack: 'gitlab-runners' | 'arc-runners', v: StackValues): string {
	const out: string[] = [`# Inputs of the ${stack} stack.\n`];
	if (stack === 'gitlab-runners') {
		out.push(variable('manager_cpu_request', 'string', q('100m')), variable('manager_memory_request', 'string', q('128Mi')));
		out.push(variable('manager_cpu_limit', 'string', q('1')), variable('manager_memory_limit', 'string', q('512Mi')));
		for (const t of Object.keys(v.gitlab)) {
			out.push(variable(`deploy_${t}_runner`, 'bool', 'false'), variable(`${t}_runner_name`, 'string', q(`${t}-runner`)));
			out.push(variable(`${t}_concurrent_jobs`, 'number', '10'), variable(`${t}_privileged`, 'bool', 'false'));
			out.push(variable(`${t}_job_cpu_request`, 'string', q('500m')), variable(`${t}_job_memory_request`, 'string', q('1Gi')));
			out.push(variable(`${t}_job_cpu_limit`, 'string', q('2')), variable(`${t}_job_memory_limit`, 'string', q('4Gi')));
			out.push(variable(`${t}_hpa_enabled`, 'bool', 'true'), variable(`${t}_hpa_min_replicas`, 'number', '1'), variable(`${t}_hpa_max_replicas`, 'number', '5'));
		}
	} else {
		for (const t of Object.keys(v.arc)) {
			out.push(variable(`deploy_${t}_runner`, 'bool', 'true'), variable(`${t}_runner_name`, 'string', q(`gh-${t}`)));
			out.push(variable(`${t}_min_runners`, 'number', '0'), variable(`${t}_max_runners`, 'number', '10'));
			out.push(variable(`${t}_cpu_request`, 'string', q('500m')), variable(`${t}_memory_request`, 'string', q('1Gi')));
			out.push(variable(`${t}_cpu_limit`, 'string', q('2')), variable(`${t}_memory_limit`, 'string', q('4Gi')));
		}
	}
	return out.join('\n');
}

/** The variable → value pairs an environment's tfvars sets (every value, so each has a tfvars line). */
export function tfvarsEntries(stack: 'gitlab-runners' | 'arc-runners', v: StackValues): [string, string | number | boolean][] {
	const out: [string, string | number | boolean][] = [];
	if (stack === 'gitlab-runners') {
		const m = v.manager;
		out.push(['manager_cpu_request', m.cpuRequest], ['manager_memory_request', m.memoryRequest], ['manager_cpu_limit', m.cpuLimit], ['manager_memory_limit', m.memoryLimit]);
		for (const [t, x] of Object.entries(v.gitlab)) {
			out.push([`deploy_${t}_runner`, x.deploy], [`${t}_runner_name`, x.name], [`${t}_concurrent_jobs`, x.concurrent], [`${t}_privileged`, x.privileged]);
			out.push([`${t}_job_cpu_request`, x.job.cpuRequest], [`${t}_job_memory_request`, x.job.memoryRequest]);
			out.push([`${t}_job_cpu_limit`, x.job.cpuLimit], [`${t}_job_memory_limit`, x.job.memoryLimit]);
			out.push([`${t}_hpa_enabled`, x.hpaEnabled], [`${t}_hpa_min_replicas`, x.hpaMin], [`${t}_hpa_max_replicas`, x.hpaMax]);
		}
	} else {
		for (const [t, x] of Object.entries(v.arc)) {
			out.push([`deploy_${t}_runner`, x.deploy], [`${t}_runner_name`, x.name], [`${t}_min_runners`, x.minRunners], [`${t}_max_runners`, x.maxRunners]);
			out.push([`${t}_cpu_request`, x.cpuRequest], [`${t}_memory_request`, x.memoryRequest], [`${t}_cpu_limit`, x.cpuLimit], [`${t}_memory_limit`, x.memoryLimit]);
		}
	}
	return out;
}

/** An environment's tfvars text; line N+2 holds entry N (after a comment and a blank line). */
export function tfvarsText(stack: 'gitlab-runners' | 'arc-runners', v: StackValues): string {
	const lines = tfvarsEntries(stack, v).map(([k, x]) => `${k} = ${typeof x === 'string' ? q(x) : String(x)}`);
	return `# ${stack}\n\n${lines.join('\n')}\n`;
}

const res = (r: { cpuRequest: Q; memoryRequest: Q; cpuLimit: Q; memoryLimit: Q }) => ({
	requests: { cpu: r.cpuRequest, memory: r.memoryRequest },
	limits: { cpu: r.cpuLimit, memory: r.memoryLimit }
});

function configToml(x: GitlabType): string {
	return [
		`concurrent = ${x.concurrent}`,
		'check_interval = 3',
		'',
		'[[runners]]',
		`  name = "${x.name}"`,
		'  executor = "kubernetes"',
		'  [runners.kubernetes]',
		`    privileged = ${x.privileged}`,
		`    cpu_request = "${x.job.cpuRequest}"`,
		`    memory_request = "${x.job.memoryRequest}"`,
		`    cpu_limit = "${x.job.cpuLimit}"`,
		`    memory_limit = "${x.job.memoryLimit}"`,
		''
	].join('\n');
}

/** The live objects the stacks' values produce (Deployments, HPAs, ConfigMaps, scale sets). */
export function liveObjects(v: StackValues): LiveObject[] {
	const out: LiveObject[] = [];
	const meta = (name: string, ns: string, extra: Record<string, unknown> = {}) => ({
		name,
		namespace: ns,
		labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'opentofu' },
		uid: `uid-${name}`,
		resourceVersion: '123',
		creationTimestamp: '2026-01-01T00:00:00Z',
		...extra
	});
	for (const x of Object.values(v.gitlab)) {
		if (!x.deploy) continue;
		out.push({
			apiVersion: 'apps/v1',
			kind: 'Deployment',
			metadata: meta(x.name, GITLAB_NS, { annotations: { 'deployment.kubernetes.io/revision': '3' }, generation: 4 }),
			spec: {
				replicas: x.hpaMin,
				selector: { matchLabels: { 'app.kubernetes.io/name': x.name } },
				template: {
					metadata: { labels: { 'app.kubernetes.io/name': x.name } },
					spec: {
						containers: [
							{ name: 'gitlab-runner', image: 'gitlab/gitlab-runner:v17.5.2', args: ['run'], ports: [{ name: 'metrics', containerPort: 9252, protocol: 'TCP' }], resources: res(v.manager) }
						],
						volumes: [{ name: 'config', configMap: { name: `${x.name}-config` } }]
					}
				}
			},
			status: { replicas: x.hpaMin, readyReplicas: x.hpaMin }
		});
		if (x.hpaEnabled) {
			out.push({
				apiVersion: 'autoscaling/v2',
				kind: 'HorizontalPodAutoscaler',
				metadata: meta(`${x.name}-hpa`, GITLAB_NS),
				spec: {
					scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: x.name },
					minReplicas: x.hpaMin,
					maxReplicas: x.hpaMax,
					metrics: [{ type: 'External', external: { metric: { name: 'gitlab_ci_jobs', selector: { matchLabels: { runner: x.name } } }, target: { type: 'AverageValue', averageValue: '1' } } }]
				},
				status: { currentReplicas: x.hpaMin, desiredReplicas: x.hpaMin }
			});
		}
		out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${x.name}-config`, GITLAB_NS), data: { 'config.toml': configToml(x) } });
	}
	for (const x of Object.values(v.arc)) {
		if (!x.deploy) continue;
		out.push({
			apiVersion: 'actions.github.com/v1alpha1',
			kind: 'AutoscalingRunnerSet',
			metadata: meta(x.name, ARC_NS, { annotations: { 'runner-scale-set-id': '7' } }),
			spec: {
				githubConfigUrl: 'https://github.com/platform',
				githubConfigSecret: 'github-app',
				runnerScaleSetName: x.name,
				minRunners: x.minRunners,
				maxRunners: x.maxRunners,
				template: { spec: { restartPolicy: 'Never', containers: [{ name: 'runner', image: 'ghcr.io/actions/actions-runner:2.321.0', command: ['/home/runner/run.sh'], resources: res(x) }] } }
			},
			status: { currentRunners: 0, phase: 'Running' }
		});
	}
	return out;
}

const MAPS = new Set(['labels', 'annotations', 'matchLabels', 'requests', 'limits', 'data']);
const BLOCKS: Record<string, string> = { containers: 'container', ports: 'port', volumes: 'volume', metrics: 'metric', volumeMounts: 'volume_mount' };
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A live object's fields as the kubernetes provider records them: snake_case, blocks as lists. */
export function providerBlocks(o: Record<string, unknown>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [k, x] of Object.entries(o)) {
		if (MAPS.has(k)) out[snake(k)] = x;
		else if (Array.isArray(x)) out[BLOCKS[k] ?? snake(k)] = x.map((e) => (typeof e === 'object' && e !== null ? providerBlocks(e as Record<string, unknown>) : e));
		else if (typeof x === 'object' && x !== null) out[snake(k)] = [providerBlocks(x as Record<string, unknown>)];
		else out[snake(k)] = x;
	}
	return out;
}

/** The OpenTofu state (format 4) of a stack whose last apply produced `v`. */
export function stateText(stack: 'gitlab-runners' | 'arc-runners', v: StackValues, serial = 7): string {
	const live = liveObjects(v);
	const resources: unknown[] = [];
	const typed = (type: string, module: string, o: LiveObject) => {
		const { apiVersion: _a, kind: _k, status: _s, ...rest } = o;
		const attrs = providerBlocks(rest);
		const m = (attrs.metadata as Record<string, unknown>[])[0] as Record<string, unknown>;
		m.generate_name = '';
		m.resource_version = '122';
		if (o.kind === 'Deployment') (attrs.spec as Record<string, unknown>[])[0]!.replicas = String((o.spec as { replicas: number }).replicas);
		resources.push({ module, mode: 'managed', type, name: 'this', provider: 'provider["registry.opentofu.org/hashicorp/kubernetes"]', instances: [{ schema_version: 1, attributes: { id: `${o.metadata.namespace}/${o.metadata.name}`, ...attrs, timeouts: null }, sensitive_attributes: [] }] });
	};
	for (const o of live) {
		const t = o.metadata.name.replace(/-(runner|runner-hpa|runner-config)$/, '');
		if (stack === 'gitlab-runners') {
			const type = { Deployment: 'kubernetes_deployment_v1', HorizontalPodAutoscaler: 'kubernetes_horizontal_pod_autoscaler_v2', ConfigMap: 'kubernetes_config_map_v1' }[o.kind];
			if (type) typed(type, `module.runner[${q(t)}]`, o);
		} else if (o.kind === 'AutoscalingRunnerSet') {
			const { status: _s, ...manifest } = o;
			const object = structuredClone(manifest) as unknown as { metadata: Record<string, unknown>; spec: { template: { spec: Record<string, unknown> } } };
			object.metadata.finalizers = null;
			object.spec.template.spec.nodeSelector = null;
			resources.push({
				module: `module.scale_set[${q(o.metadata.name)}]`,
				mode: 'managed',
				type: 'kubernetes_manifest',
				name: 'this',
				provider: 'provider["registry.opentofu.org/hashicorp/kubernetes"]',
				instances: [{ schema_version: 1, attributes: { manifest: { value: manifest, type: ['object', {}] }, object: { value: object, type: ['object', {}] } }, sensitive_attributes: [] }]
			});
		}
	}
	return `${JSON.stringify({ version: 4, terraform_version: '1.8.5', serial, lineage: `lineage-${stack}`, outputs: {}, resources, check_results: null }, null, 2)}\n`;
}
