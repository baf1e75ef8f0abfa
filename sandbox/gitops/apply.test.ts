// Declared values: variables.tf defaults + dev.tfvars resolve to exactly the specs the
// cluster is installed from; `POST /_sandbox/gitops/apply` makes a committed change live
// and records it in state, like `tofu apply`.

import { parse } from '@cdktf/hcl2json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxWithWorld, type Sandbox } from '../index.js';
import { ARC_V1ALPHA1, AUTOSCALING_V2, APPS_V1, V1 } from '../sim/cluster/meta.js';
import { BASE_SCALE_SETS, GITLAB_RUNNER_IMAGE, GITLAB_RUNNER_STACK, MANAGER_RESOURCES, RUNNER_TYPES, scaleSetSpec } from '../sim/cluster/stacks.js';
import type { World } from '../sim/world.js';
import { control, controlOk, gitlab, state } from '../testing.js';
import { resolveVariables } from './apply.js';
import { ARC_TYPES, repositoryFiles, type StackName } from './stacks.js';
import { drift, managed } from './testing.js';

/** Defaults from variables.tf overlaid with dev.tfvars, both read by hcl2json (an HCL reader independent of the sandbox's). */
async function resolvedByHcl2json(files: Map<string, string>, stack: StackName): Promise<Record<string, unknown>> {
	const dir = `tofu/stacks/${stack}`;
	const vars = (await parse('variables.tf', files.get(`${dir}/variables.tf`) as string)) as { variable: Record<string, { default: unknown }[]> };
	const tfvars = (await parse('dev.tfvars', files.get(`${dir}/dev.tfvars`) as string)) as Record<string, unknown>;
	const out: Record<string, unknown> = {};
	for (const [name, [decl]] of Object.entries(vars.variable)) out[name] = decl?.default;
	for (const [name, value] of Object.entries(tfvars)) {
		expect(name in out, `${name} is declared`).toBe(true);
		out[name] = value;
	}
	return out;
}

/** What the specs say each variable must resolve to. */
function expectedGitlab(): Record<string, unknown> {
	const out: Record<string, unknown> = {
		runner_image: GITLAB_RUNNER_IMAGE,
		manager_cpu_request: MANAGER_RESOURCES.requests.cpu,
		manager_memory_request: MANAGER_RESOURCES.requests.memory,
		manager_cpu_limit: MANAGER_RESOURCES.limits.cpu,
		manager_memory_limit: MANAGER_RESOURCES.limits.memory
	};
	for (const t of RUNNER_TYPES) {
		const s = GITLAB_RUNNER_STACK[t];
		Object.assign(out, {
			[`deploy_${t}_runner`]: true,
			[`${t}_runner_name`]: s.name,
			[`${t}_concurrent_jobs`]: s.concurrent,
			[`${t}_job_cpu_request`]: s.job.requests.cpu,
			[`${t}_job_memory_request`]: s.job.requests.memory,
			[`${t}_job_cpu_limit`]: s.job.limits.cpu,
			[`${t}_job_memory_limit`]: s.job.limits.memory,
			[`${t}_hpa_enabled`]: true,
			[`${t}_hpa_min_replicas`]: s.hpa.min,
			[`${t}_hpa_max_replicas`]: s.hpa.max
		});
	}
	return out;
}

function expectedArc(scaleSets: number): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	ARC_TYPES.forEach((t, i) => {
		const s = BASE_SCALE_SETS[i] as (typeof BASE_SCALE_SETS)[number];
		expect(s.name).toBe(`gh-${t}`);
		Object.assign(out, {
			[`deploy_${t}_runner`]: i < scaleSets,
			[`${t}_runner_name`]: s.name,
			[`${t}_min_runners`]: s.minRunners,
			[`${t}_max_runners`]: s.maxRunners,
			[`${t}_cpu_request`]: s.resources.requests.cpu,
			[`${t}_memory_request`]: s.resources.requests.memory,
			[`${t}_cpu_limit`]: s.resources.limits.cpu,
			[`${t}_memory_limit`]: s.resources.limits.memory
		});
	});
	const extras: Record<string, unknown> = {};
	for (let i = 3; i < scaleSets; i++) {
		const s = scaleSetSpec(i);
		extras[s.name] = { min_runners: s.minRunners, max_runners: s.maxRunners, cpu_request: s.resources.requests.cpu, memory_request: s.resources.requests.memory, cpu_limit: s.resources.limits.cpu, memory_limit: s.resources.limits.memory };
	}
	out.extra_runner_sets = extras;
	return out;
}

describe('declared values', () => {
	it('variables.tf defaults + dev.tfvars resolve to the stack specs (hcl2json and the tree-sitter reader agree)', async () => {
		for (const scaleSets of [1, 3, 5]) {
			const files = repositoryFiles(scaleSets);
			const gl = await resolvedByHcl2json(files, 'gitlab-runners');
			expect(gl).toMatchObject(expectedGitlab());
			expect(gl.hpa_scale_up_policies).toEqual([
				{ type: 'Pods', value: 4, period_seconds: 15 },
				{ type: 'Percent', value: 100, period_seconds: 15 }
			]);
			const arc = await resolvedByHcl2json(files, 'arc-runners');
			expect(arc).toMatchObject(expectedArc(scaleSets));
			expect(Object.fromEntries(await resolveVariables(files, 'gitlab-runners', 'dev'))).toEqual(gl);
			expect(Object.fromEntries(await resolveVariables(files, 'arc-runners', 'dev'))).toEqual(arc);
		}
	});

	it('some values come from defaults, some from dev.tfvars', () => {
		const tfvars = repositoryFiles(3).get('tofu/stacks/gitlab-runners/dev.tfvars') as string;
		expect(tfvars).toMatch(/^docker_hpa_max_replicas\s+= 8$/m);
		// dind's max (4) equals the module default of nothing; nix's concurrency (10) is the default.
		expect(tfvars).not.toMatch(/nix_concurrent_jobs/);
		expect(tfvars).not.toMatch(/docker_runner_name/);
	});
});

describe('POST /_sandbox/gitops/apply', () => {
	let sb: Sandbox & { world: World };
	const TFVARS = 'tofu/stacks/gitlab-runners/dev.tfvars';
	const ARC_TFVARS = 'tofu/stacks/arc-runners/dev.tfvars';
	beforeAll(async () => {
		// Idle: the HPAs hold the replicas, so a change to them could only be the apply's.
		sb = await startSandboxWithWorld({ port: 0, tickMs: 0, warmStart: false });
	});
	afterAll(() => sb.close());

	const raw = async (file: string) => (await gitlab(sb, `/projects/42/repository/files/${encodeURIComponent(file)}/raw?ref=main`)).text();
	const tfstate = async (name: string) => (await gitlab(sb, `/projects/42/terraform/state/${name}`)).json();

	it('changes nothing on a fresh sandbox', async () => {
		expect(await controlOk(sb, '/gitops/apply', { stack: 'gitlab-runners', env: 'dev' })).toMatchObject({ serial: 14, changes: [] });
		expect(await controlOk(sb, '/gitops/apply', { stack: 'arc-runners' })).toMatchObject({ serial: 9, changes: [] });
	});

	it('applies a committed tfvars change to the cluster and the state', async () => {
		const text = await raw(TFVARS);
		await controlOk(sb, '/gitops/commit', { file: TFVARS, content: text.replace(/^docker_hpa_max_replicas(\s+)= 8$/m, 'docker_hpa_max_replicas$1= 10').replace(/^(manager_cpu_limit\s+)= "500m"$/m, '$1= "750m"') });
		const live = () => sb.world.cluster.get(AUTOSCALING_V2, 'HorizontalPodAutoscaler', 'gitlab-runners', 'docker-runner-hpa');
		const replicasBefore = sb.world.cluster.get(APPS_V1, 'Deployment', 'gitlab-runners', 'docker-runner')?.spec.replicas;
		expect(live()?.spec.maxReplicas).toBe(8);
		const result = await controlOk(sb, '/gitops/apply', { stack: 'gitlab-runners', env: 'dev' });
		expect(result.serial).toBe(15);
		expect(result.changes).toEqual([
			{ action: 'update', kind: 'Deployment', namespace: 'gitlab-runners', name: 'docker-runner' },
			{ action: 'update', kind: 'HorizontalPodAutoscaler', namespace: 'gitlab-runners', name: 'docker-runner-hpa' },
			{ action: 'update', kind: 'Deployment', namespace: 'gitlab-runners', name: 'dind-runner' },
			{ action: 'update', kind: 'Deployment', namespace: 'gitlab-runners', name: 'nix-runner' }
		]);
		expect(live()?.spec.maxReplicas).toBe(10);
		const dep = sb.world.cluster.get(APPS_V1, 'Deployment', 'gitlab-runners', 'docker-runner');
		expect(dep?.spec.template.spec.containers[0].resources.limits.cpu).toBe('750m');
		expect(dep?.spec.replicas).toBe(replicasBefore);
		const st = await tfstate('gitlab-runners-dev');
		expect(st.serial).toBe(15);
		const hpa = st.resources.find((r: any) => r.type === 'kubernetes_horizontal_pod_autoscaler_v2').instances.find((i: any) => i.index_key === 'docker');
		expect(hpa.attributes.spec[0].max_replicas).toBe(10);
		expect((await state(sb)).gitops.states['gitlab-runners-dev'].serial).toBe(15);
		// The simulation keeps the applied value, and state and cluster agree again.
		await controlOk(sb, '/clock', { advance_s: 120 });
		expect(live()?.spec.maxReplicas).toBe(10);
		expect(drift(await managed(sb, 'gitlab-runners-dev'), ['spec.replicas', 'metadata.generation', 'metadata.resourceVersion'])).toEqual({});
	});

	it('applies the arc stack: a scale set changed, one removed, an extra one added', async () => {
		const text = await raw(ARC_TFVARS);
		const next = `${text
			.replace(/^(docker_max_runners\s+)= 20$/m, '$1= 25')
			.replace(/^(deploy_dind_runner\s+)= true$/m, '$1= false')}
extra_runner_sets = {
  "gh-gpu" = { min_runners = 0, max_runners = 2, cpu_request = "2", memory_request = "8Gi", cpu_limit = "8", memory_limit = "32Gi" }
}
`;
		await controlOk(sb, '/gitops/commit', { file: ARC_TFVARS, content: next, message: 'arc: docker 25, drop dind, add gpu' });
		const result = await controlOk(sb, '/gitops/apply', { stack: 'arc-runners', env: 'dev' });
		expect(result.changes).toEqual([
			{ action: 'update', kind: 'AutoscalingRunnerSet', namespace: 'arc-runners', name: 'gh-docker' },
			{ action: 'create', kind: 'AutoscalingRunnerSet', namespace: 'arc-runners', name: 'gh-gpu' },
			{ action: 'delete', kind: 'AutoscalingRunnerSet', namespace: 'arc-runners', name: 'gh-dind' }
		]);
		expect(result.serial).toBe(10);
		const get = (n: string) => sb.world.cluster.get(ARC_V1ALPHA1, 'AutoscalingRunnerSet', 'arc-runners', n);
		expect(get('gh-docker')?.spec.maxRunners).toBe(25);
		expect(get('gh-dind')).toBeUndefined();
		expect(get('gh-gpu')?.spec.template.spec.containers[0].resources.limits.memory).toBe('32Gi');
		await controlOk(sb, '/clock', { advance_s: 60 });
		const st = await tfstate('arc-runners-dev');
		expect(st.resources[0].instances.map((i: any) => i.index_key)).toEqual(['gh-docker', 'gh-gpu', 'gh-nix']);
		expect((await state(sb)).arc.scale_sets.map((s: any) => s.name)).toEqual(['gh-docker', 'gh-gpu', 'gh-nix']);
		// ARC adopted the new scale set before the state was recorded: state and cluster agree.
		const gpu = st.resources[0].instances.find((i: any) => i.index_key === 'gh-gpu').attributes.object;
		expect(gpu.metadata.annotations['runner-scale-set-id']).toMatch(/^\d+$/);
		expect(gpu.metadata.annotations).toEqual(get('gh-gpu')?.metadata.annotations);
		expect(gpu.spec).toEqual(get('gh-gpu')?.spec);
		expect(drift(await managed(sb, 'arc-runners-dev'))).toEqual({});
	});

	it('refuses a malformed tfvars with file and line, and changes nothing', async () => {
		const before = JSON.stringify(sb.world.cluster.list(V1, 'ConfigMap', 'gitlab-runners'));
		await controlOk(sb, '/gitops/commit', { file: TFVARS, content: 'docker_hpa_max_replicas = 8\nnix_hpa_max_replicas = [\n' });
		const res = await control(sb, '/gitops/apply', { stack: 'gitlab-runners', env: 'dev' });
		expect(res.status).toBe(422);
		expect((await res.json()).error).toMatch(/^tofu\/stacks\/gitlab-runners\/dev\.tfvars:\d+: /);
		expect(JSON.stringify(sb.world.cluster.list(V1, 'ConfigMap', 'gitlab-runners'))).toBe(before);
		await controlOk(sb, '/gitops/commit', { file: TFVARS, content: 'no_such_variable = 1\n' });
		const undeclared = await control(sb, '/gitops/apply', { stack: 'gitlab-runners' });
		expect(await undeclared.json()).toEqual({ error: 'tofu/stacks/gitlab-runners/dev.tfvars:1: value for undeclared variable no_such_variable' });
	});

	it('refuses while the state is locked or unreadable', async () => {
		const lock = await gitlab(sb, '/projects/42/terraform/state/arc-runners-dev/lock', { method: 'POST', body: JSON.stringify({ ID: 'held', Operation: 'OperationTypePlan' }) });
		expect(lock.status).toBe(200);
		const locked = await control(sb, '/gitops/apply', { stack: 'arc-runners' });
		expect(locked.status).toBe(409);
		await gitlab(sb, '/projects/42/terraform/state/arc-runners-dev/lock?ID=held', { method: 'DELETE' });
		await controlOk(sb, '/gitops/state', { name: 'arc-runners-dev', content: '{ nope' });
		expect((await control(sb, '/gitops/apply', { stack: 'arc-runners' })).status).toBe(422);
		expect((await control(sb, '/gitops/apply', { stack: 'nope' })).status).toBe(400);
	});
});
