import { beforeAll, describe, expect, it } from 'vitest';
import { loadHcl, type HclParser } from '../hcl';
import { computeDrift } from './engine';
import type { StackInput } from './input';
import { effectiveDriftMap, parseDriftMap, type DriftMap } from './map';
import { builtinDriftMap } from './profile';
import { defaultValues, liveObjects, stateText, tfvarsText, variablesTf, type StackValues } from './runner-stacks.fixture';
import { parseState } from './state';
import type { LiveObject } from './types';

let hcl: HclParser;
beforeAll(async () => {
	hcl = await loadHcl();
});

const STACKS = ['gitlab-runners', 'arc-runners'] as const;
const WATCHED = ['Deployment', 'HorizontalPodAutoscaler', 'ConfigMap', 'AutoscalingRunnerSet'];
const url = (file: string, line: number) => `https://gitlab.example/platform/gitops/-/blob/main/${file}#L${line}`;

function stackInput(stack: (typeof STACKS)[number], declared: StackValues, applied: StackValues, texts: { tfvars?: string; state?: string } = {}): StackInput {
	const vf = `tofu/stacks/${stack}/variables.tf`;
	const tf = `tofu/stacks/${stack}/dev.tfvars`;
	const v = hcl.parseVariables(variablesTf(stack, declared), vf);
	const t = hcl.parseTfvars(texts.tfvars ?? tfvarsText(stack, declared), tf);
	const s = parseState(texts.state ?? stateText(stack, applied), `${stack}-dev`);
	return {
		stack,
		env: 'dev',
		declared: !v.ok ? v.error : !t.ok ? t.error : { variables: v.value, tfvars: t.value },
		state: s.ok ? s.value : s.error,
		webUrl: url
	};
}

function run(declared: StackValues, applied: StackValues, live: LiveObject[], opts: { map?: DriftMap; texts?: Partial<Record<(typeof STACKS)[number], { tfvars?: string; state?: string }>> } = {}) {
	return computeDrift({
		stacks: STACKS.map((s) => stackInput(s, declared, applied, opts.texts?.[s])),
		live,
		watchedKinds: WATCHED,
		map: opts.map ?? builtinDriftMap
	});
}

const base = () => defaultValues(['docker', 'dind', 'nix'], ['nix', 'docker', 'dind']);
const find = (live: LiveObject[], kind: string, name: string) => live.find((o) => o.kind === kind && o.metadata.name === name) as LiveObject & { spec: any; data: any };

describe('computeDrift', () => {
	it('reports nothing when declared, applied and live agree', () => {
		const v = base();
		const r = run(v, v, liveObjects(v));
		expect(r.errors).toEqual([]);
		expect(r.items).toEqual([]);
		expect(r.checked.stacks).toBe(2);
		expect(r.checked.objects).toBe(12);
		expect(r.checked.fields).toBeGreaterThan(150);
	});

	it('treats equal quantities and numeric strings as equal', () => {
		const v = base();
		const live = liveObjects(v);
		const ars = find(live, 'AutoscalingRunnerSet', 'gh-nix');
		ars.spec.template.spec.containers[0].resources = { requests: { cpu: '1000m', memory: '2048Mi' }, limits: { cpu: 4, memory: '8589934592' } };
		find(live, 'Deployment', 'docker-runner').spec.template.spec.containers[0].resources.requests.cpu = '0.1';
		expect(run(v, v, live).items).toEqual([]);
	});

	it('an HPA patched behind OpenTofu (maxReplicas 8 → 11) is one out-of-band item with all three values', () => {
		const v = base();
		v.gitlab.docker!.hpaMax = 8;
		const live = liveObjects(v);
		find(live, 'HorizontalPodAutoscaler', 'docker-runner-hpa').spec.maxReplicas = 11;
		const r = run(v, v, live);
		expect(r.items).toHaveLength(1);
		expect(r.items[0]).toMatchObject({
			key: 'gitlab-runners|dev|HorizontalPodAutoscaler|gitlab-runners|docker-runner-hpa|spec.maxReplicas',
			stack: 'gitlab-runners',
			env: 'dev',
			object: 'HorizontalPodAutoscaler gitlab-runners/docker-runner-hpa',
			field: 'spec.maxReplicas',
			variable: 'docker_hpa_max_replicas',
			declared: 8,
			applied: 8,
			live: 11,
			class: 'out-of-band',
			severity: 'critical'
		});
		expect(r.items[0]!.diff).toBe('- applied:  8\n+ live:     11');
	});

	it('a tfvars change not yet applied is unapplied, located at its tfvars line', () => {
		const applied = base();
		const declared = base();
		declared.gitlab.dind!.hpaMax = applied.gitlab.dind!.hpaMax + 3;
		const text = tfvarsText('gitlab-runners', declared);
		const line = text.split('\n').findIndex((l) => l.startsWith('dind_hpa_max_replicas')) + 1;
		const r = run(declared, applied, liveObjects(applied));
		expect(r.items).toHaveLength(1);
		expect(r.items[0]).toMatchObject({
			class: 'unapplied',
			field: 'spec.maxReplicas',
			declared: applied.gitlab.dind!.hpaMax + 3,
			applied: applied.gitlab.dind!.hpaMax,
			live: applied.gitlab.dind!.hpaMax,
			location: { file: 'tofu/stacks/gitlab-runners/dev.tfvars', line, url: `https://gitlab.example/platform/gitops/-/blob/main/tofu/stacks/gitlab-runners/dev.tfvars#L${line}` }
		});
	});

	it('locates a declared value at the variables.tf default when tfvars does not set it', () => {
		const v = base();
		const tfvars = tfvarsText('arc-runners', v).replace(/^docker_max_runners = .*$/m, '');
		const r = run(v, v, liveObjects(v), { texts: { 'arc-runners': { tfvars } } });
		// The default (10) differs from what was applied (11): git now says 10.
		expect(r.items).toHaveLength(1);
		const vars = variablesTf('arc-runners', v).split('\n');
		const block = vars.findIndex((l) => l.startsWith('variable "docker_max_runners"'));
		const defaultLine = vars.findIndex((l, i) => i > block && l.includes('default')) + 1;
		expect(r.items[0]).toMatchObject({ class: 'unapplied', declared: 10, applied: 11, location: { file: 'tofu/stacks/arc-runners/variables.tf', line: defaultLine } });
	});

	it('a malformed tfvars is a parse error for its stack with file and line; the other stack is still checked', () => {
		const v = base();
		const live = liveObjects(v);
		find(live, 'AutoscalingRunnerSet', 'gh-docker').spec.maxRunners = 2;
		const broken = tfvarsText('gitlab-runners', v).replace('docker_concurrent_jobs = 4', 'docker_concurrent_jobs = ');
		const line = broken.split('\n').findIndex((l) => l.startsWith('docker_concurrent_jobs')) + 1;
		const r = run(v, v, live, { texts: { 'gitlab-runners': { tfvars: broken } } });
		expect(r.errors).toEqual([{ stack: 'gitlab-runners', env: 'dev', file: 'tofu/stacks/gitlab-runners/dev.tfvars', line, message: expect.stringMatching(/syntax error/) }]);
		expect(r.items.map((i) => [i.stack, i.object, i.field, i.class])).toEqual([['arc-runners', 'AutoscalingRunnerSet arc-runners/gh-docker', 'spec.maxRunners', 'out-of-band']]);
		expect(r.checked.stacks).toBe(1);
	});

	it('a malformed state is a parse error with its line; the other stack is still checked', () => {
		const v = base();
		const state = stateText('arc-runners', v).replace('"minRunners": 0', '"minRunners": 0,,');
		const line = state.split('\n').findIndex((l) => l.includes('"minRunners": 0,,')) + 1;
		const r = run(v, v, liveObjects(v), { texts: { 'arc-runners': { state } } });
		expect(r.errors).toHaveLength(1);
		expect(r.errors[0]).toMatchObject({ stack: 'arc-runners', env: 'dev', file: 'arc-runners-dev', line });
		expect(r.items).toEqual([]);
		expect(r.checked.stacks).toBe(1);
	});

	it('a declared and applied object absent live is missing (critical)', () => {
		const v = base();
		const live = liveObjects(v).filter((o) => o.metadata.name !== 'nix-runner-hpa');
		const r = run(v, v, live);
		expect(r.items.map((i) => [i.object, i.field, i.class, i.severity, i.declared, i.applied, i.live])).toEqual([
			['HorizontalPodAutoscaler gitlab-runners/nix-runner-hpa', '(exists)', 'missing', 'critical', true, true, false]
		]);
		expect(r.items[0]!.location?.line).toBeGreaterThan(0);
	});

	it('a runner switched on in git but not applied is one unapplied (exists) item per object', () => {
		const applied = base();
		applied.gitlab.nix!.deploy = false;
		const declared = base();
		const r = run(declared, applied, liveObjects(applied));
		expect(r.items.map((i) => [i.object, i.field, i.class, i.declared, i.applied, i.live, i.variable])).toEqual([
			['ConfigMap gitlab-runners/nix-runner-config', '(exists)', 'unapplied', true, false, false, 'deploy_nix_runner'],
			['Deployment gitlab-runners/nix-runner', '(exists)', 'unapplied', true, false, false, 'deploy_nix_runner'],
			['HorizontalPodAutoscaler gitlab-runners/nix-runner-hpa', '(exists)', 'unapplied', true, false, false, 'deploy_nix_runner']
		]);
	});

	it('reports live runner Deployments and scale sets no stack declares as unmanaged, and nothing else', () => {
		const v = base();
		const live = liveObjects(v);
		live.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'hand-made-runner', namespace: 'gitlab-runners' }, spec: {} });
		live.push({ apiVersion: 'actions.github.com/v1alpha1', kind: 'AutoscalingRunnerSet', metadata: { name: 'gh-manual', namespace: 'arc-runners' }, spec: {} });
		live.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'controller', namespace: 'arc-systems' }, spec: {} });
		const r = run(v, v, live);
		expect(r.items.map((i) => [i.stack, i.env, i.object, i.class, i.severity])).toEqual([
			['arc-runners', 'dev', 'AutoscalingRunnerSet arc-runners/gh-manual', 'unmanaged', 'warning'],
			['gitlab-runners', 'dev', 'Deployment gitlab-runners/hand-made-runner', 'unmanaged', 'warning']
		]);
	});

	it('compares every recorded attribute without a map, after ignore rules', () => {
		const v = base();
		const live = liveObjects(v);
		const dep = find(live, 'Deployment', 'dind-runner');
		dep.spec.replicas = 7; // the HPA owns replicas: ignored
		dep.metadata.resourceVersion = '999'; // built-in ignore
		(dep.metadata.annotations as Record<string, string>)['deployment.kubernetes.io/revision'] = '9'; // built-in ignore
		dep.spec.template.spec.containers[0].image = 'gitlab/gitlab-runner:v17.6.0'; // not mapped: still compared
		const r = run(v, v, live, { map: { ...builtinDriftMap, stacks: [] } });
		expect(r.items.map((i) => [i.object, i.field, i.class, i.applied, i.live, i.variable])).toEqual([
			['Deployment gitlab-runners/dind-runner', 'spec.template.spec.containers[name=gitlab-runner].image', 'out-of-band', 'gitlab/gitlab-runner:v17.5.2', 'gitlab/gitlab-runner:v17.6.0', null]
		]);
	});

	it('user ignore rules silence a field; user mappings add fields (booleans inside config.toml)', () => {
		const v = base();
		const live = liveObjects(v);
		find(live, 'Deployment', 'dind-runner').spec.template.spec.containers[0].image = 'other';
		const cm = find(live, 'ConfigMap', 'nix-runner-config');
		cm.data['config.toml'] = cm.data['config.toml'].replace('privileged = false', 'privileged = true');
		const doc = parseDriftMap(
			[
				'stacks:',
				'  - stack: gitlab-runners',
				"    each: '^deploy_(?<T>\\w+?)_runner$'",
				'    objects:',
				'      - kind: ConfigMap',
				'        namespace: gitlab-runners',
				"        name: '${var.{T}_runner_name}-config'",
				'        fields:',
				'          - path: data["config.toml"]',
				'            toml: runners.kubernetes.privileged',
				"            variable: '{T}_privileged'",
				'ignore:',
				'  - kind: Deployment',
				"    name: '*-runner'",
				'    paths: ["spec.template.spec.containers[*].image"]'
			].join('\n'),
			'drift-map.yaml'
		);
		if (!doc.ok) throw new Error(doc.error.message);
		const r = run(v, v, live, { map: effectiveDriftMap(builtinDriftMap, doc.value) });
		expect(r.items.map((i) => [i.object, i.field, i.class, i.declared, i.applied, i.live, i.variable])).toEqual([
			['ConfigMap gitlab-runners/nix-runner-config', 'data["config.toml"]#runners.kubernetes.privileged', 'out-of-band', false, false, true, 'nix_privileged']
		]);
	});

	it('user ignore rules silence mapped fields too, in every class', () => {
		const v = base();
		const live = liveObjects(v);
		find(live, 'HorizontalPodAutoscaler', 'docker-runner-hpa').spec.maxReplicas = 11;
		find(live, 'AutoscalingRunnerSet', 'gh-docker').spec.maxRunners = 0;
		const doc = parseDriftMap(['ignore:', '  - kind: HorizontalPodAutoscaler', "    name: 'docker-*'", '    paths: [spec.maxReplicas]'].join('\n'), 'drift-map.yaml');
		if (!doc.ok) throw new Error(doc.error.message);
		const r = run(v, v, live, { map: effectiveDriftMap(builtinDriftMap, doc.value) });
		expect(r.items.map((i) => [i.object, i.field, i.class])).toEqual([['AutoscalingRunnerSet arc-runners/gh-docker', 'spec.maxRunners', 'out-of-band']]);
	});

	it('reports a scale set drained from the dashboard as info, and any other maxRunners change as critical', () => {
		const v = base();
		const live = liveObjects(v);
		const drained = find(live, 'AutoscalingRunnerSet', 'gh-docker');
		drained.spec.maxRunners = 0;
		drained.metadata.annotations = { ...(drained.metadata.annotations as object), 'runner-dashboard.io/previous-max-runners': '20' };
		find(live, 'AutoscalingRunnerSet', 'gh-nix').spec.maxRunners = 0;
		const r = run(v, v, live);
		expect(r.items.map((i) => [i.object, i.field, i.class, i.severity, i.live])).toEqual([
			['AutoscalingRunnerSet arc-runners/gh-docker', 'spec.maxRunners', 'out-of-band', 'info', 0],
			['AutoscalingRunnerSet arc-runners/gh-nix', 'spec.maxRunners', 'out-of-band', 'critical', 0]
		]);
	});

	it('never shows values OpenTofu marks sensitive, or fields named like credentials, but still reports that they differ', () => {
		const v = base();
		const live = liveObjects(v);
		const state = JSON.parse(stateText('gitlab-runners', v));
		type Instance = { attributes: { metadata: { name: string }[]; data: Record<string, string> }; sensitive_attributes?: unknown };
		const configMap = (name: string): Instance =>
			state.resources
				.filter((r: { type: string }) => r.type === 'kubernetes_config_map_v1')
				.flatMap((r: { instances: Instance[] }) => r.instances)
				.find((i: Instance) => i.attributes.metadata[0]!.name === name);
		const inst = configMap('docker-runner-config');
		inst.sensitive_attributes = [[{ type: 'get_attr', value: 'data' }]];
		inst.attributes.data['runner-token'] = 'glrt-recorded';
		const cm = find(live, 'ConfigMap', 'docker-runner-config');
		cm.data['config.toml'] = cm.data['config.toml'].replace('check_interval = 3', 'check_interval = 4');
		cm.data['runner-token'] = 'glrt-changed-by-hand';
		const dind = find(live, 'ConfigMap', 'dind-runner-config');
		const dindState = configMap('dind-runner-config');
		dindState.attributes.data['registration_token'] = 'old';
		dind.data['registration_token'] = 'new';
		const r = run(v, v, live, { texts: { 'gitlab-runners': { state: JSON.stringify(state) } } });
		const shown = r.items.map((i) => [i.object, i.field, i.class, i.applied, i.live]);
		expect(shown).toEqual([
			['ConfigMap gitlab-runners/dind-runner-config', 'data.registration_token', 'out-of-band', '(sensitive)', '(sensitive)'],
			['ConfigMap gitlab-runners/docker-runner-config', 'data.runner-token', 'out-of-band', '(sensitive)', '(sensitive)'],
			['ConfigMap gitlab-runners/docker-runner-config', 'data["config.toml"]', 'out-of-band', '(sensitive)', '(sensitive)']
		]);
		expect(JSON.stringify(r.items)).not.toMatch(/glrt-|check_interval = 4|"new"|"old"/);
	});

	it('masks a runner token inside config.toml and still shows the check_interval change', () => {
		const v = base();
		const withToken = (toml: string, token: string) => toml.replace('  executor = "kubernetes"', `  token = "${token}"\n  executor = "kubernetes"`);
		const state = JSON.parse(stateText('gitlab-runners', v));
		const cmState = state.resources.find((r: { type: string; module: string }) => r.type === 'kubernetes_config_map_v1' && r.module.includes('"docker"')).instances[0].attributes;
		cmState.data['config.toml'] = withToken(cmState.data['config.toml'], 'glrt-SECRET-IN-STATE');
		const live = liveObjects(v);
		const cm = find(live, 'ConfigMap', 'docker-runner-config');
		cm.data['config.toml'] = withToken(cm.data['config.toml'], 'glrt-SECRET-LIVE').replace('check_interval = 3', 'check_interval = 4');
		const r = run(v, v, live, { texts: { 'gitlab-runners': { state: JSON.stringify(state) } } });
		expect(r.items).toHaveLength(1);
		const item = r.items[0]!;
		expect(item).toMatchObject({ object: 'ConfigMap gitlab-runners/docker-runner-config', field: 'data["config.toml"]', class: 'out-of-band' });
		expect(item.applied).toContain('check_interval = 3');
		expect(item.live).toContain('check_interval = 4');
		// The tokens differ too, and say so without saying what they are.
		expect(item.applied).toContain('token = "(sensitive #1)"');
		expect(item.live).toContain('token = "(sensitive #2)"');
		expect(item.diff).toContain('- applied: check_interval = 3');
		expect(item.diff).toContain('+ live: check_interval = 4');
		expect(JSON.stringify(item)).not.toMatch(/glrt-|SECRET/);
	});

	it('masks the value of an env entry named like a credential, matched by name', () => {
		const v = base();
		const env = (token: string) => [
			{ name: 'RUNNER_TOKEN', value: token },
			{ name: 'LOG_LEVEL', value: 'info' }
		];
		const state = JSON.parse(stateText('arc-runners', v));
		const ars = state.resources.find((r: { module: string }) => r.module.includes('gh-docker')).instances[0].attributes;
		ars.manifest.value.spec.template.spec.containers[0].env = env('plain-value-in-state');
		ars.object.value.spec.template.spec.containers[0].env = env('plain-value-in-state');
		const live = liveObjects(v);
		find(live, 'AutoscalingRunnerSet', 'gh-docker').spec.template.spec.containers[0].env = env('plain-value-live');
		const r = run(v, v, live, { texts: { 'arc-runners': { state: JSON.stringify(state) } } });
		expect(r.items.map((i) => [i.field, i.applied, i.live])).toEqual([['spec.template.spec.containers[name=runner].env[name=RUNNER_TOKEN].value', '(sensitive)', '(sensitive)']]);
		expect(JSON.stringify(r.items)).not.toContain('plain-value');
	});

	it('a stack whose comparison throws is an error for that stack; the other stack is still checked', () => {
		const v = base();
		const live = liveObjects(v);
		find(live, 'HorizontalPodAutoscaler', 'docker-runner-hpa').spec.maxReplicas = 11;
		Object.defineProperty(find(live, 'AutoscalingRunnerSet', 'gh-docker'), 'spec', {
			enumerable: true,
			get() {
				throw new RangeError('Maximum call stack size exceeded');
			}
		});
		const r = run(v, v, live);
		expect(r.errors).toEqual([{ stack: 'arc-runners', env: 'dev', file: 'arc-runners-dev', line: null, message: 'could not be compared: Maximum call stack size exceeded' }]);
		expect(r.failed).toEqual([{ stack: 'arc-runners', env: 'dev' }]);
		expect(r.items.map((i) => [i.stack, i.field, i.live])).toEqual([['gitlab-runners', 'spec.maxReplicas', 11]]);
		expect(r.checked.stacks).toBe(1);
	});

	it('objects of kinds the live side does not watch are neither compared nor reported missing', () => {
		const v = base();
		const live = liveObjects(v).filter((o) => o.kind !== 'ConfigMap');
		const r = computeDrift({ stacks: STACKS.map((s) => stackInput(s, v, v)), live, watchedKinds: WATCHED.filter((k) => k !== 'ConfigMap'), map: builtinDriftMap });
		expect(r.items).toEqual([]);
	});

	it('orders items by stack, env, object, field and keeps keys stable', () => {
		const v = base();
		const live = liveObjects(v);
		find(live, 'AutoscalingRunnerSet', 'gh-dind').spec.minRunners = 5;
		find(live, 'HorizontalPodAutoscaler', 'nix-runner-hpa').spec.minReplicas = 3;
		find(live, 'HorizontalPodAutoscaler', 'docker-runner-hpa').spec.maxReplicas = 30;
		const a = run(v, v, live);
		const b = run(v, v, [...live].reverse());
		expect(a.items.map((i) => i.key)).toEqual(b.items.map((i) => i.key));
		expect(a.items.map((i) => `${i.stack} ${i.object} ${i.field}`)).toEqual([
			'arc-runners AutoscalingRunnerSet arc-runners/gh-dind spec.minRunners',
			'gitlab-runners HorizontalPodAutoscaler gitlab-runners/docker-runner-hpa spec.maxReplicas',
			'gitlab-runners HorizontalPodAutoscaler gitlab-runners/nix-runner-hpa spec.minReplicas'
		]);
	});
});
