import { describe, expect, it } from 'vitest';
import { jsonSyntaxError } from './json-error';
import { camel, liveShape } from './provider-shape';
import { addressOf, parseState } from './state';

const provider = 'provider["registry.opentofu.org/hashicorp/kubernetes"]';

function state(resources: unknown[]): string {
	return JSON.stringify({ version: 4, terraform_version: '1.8.5', serial: 14, lineage: 'abc', outputs: {}, resources }, null, 2);
}

const hpa = {
	module: 'module.runner["docker"]',
	mode: 'managed',
	type: 'kubernetes_horizontal_pod_autoscaler_v2',
	name: 'this',
	provider,
	instances: [
		{
			schema_version: 0,
			attributes: {
				id: 'gitlab-runners/docker-runner-hpa',
				metadata: [{ name: 'docker-runner-hpa', namespace: 'gitlab-runners', labels: { 'app.kubernetes.io/name': 'docker-runner' }, annotations: {}, generation: 1, uid: 'u1' }],
				spec: [
					{
						min_replicas: 2,
						max_replicas: 8,
						scale_target_ref: [{ api_version: 'apps/v1', kind: 'Deployment', name: 'docker-runner' }],
						metric: [{ type: 'External', external: [{ metric: [{ name: 'jobs', selector: [{ match_labels: { runner_type: 'docker' } }] }], target: [{ type: 'AverageValue', average_value: '12' }] }] }],
						behavior: [{ scale_up: [{ select_policy: 'Max', stabilization_window_seconds: 0, policy: [{ type: 'Pods', value: 4, period_seconds: 15 }] }] }]
					}
				]
			},
			sensitive_attributes: []
		}
	]
};

describe('parseState', () => {
	it('reads serial, lineage and typed provider resources in the live shape with their address', () => {
		const r = parseState(state([hpa]), 'gitlab-runners-dev');
		if (!r.ok) throw new Error(r.error.message);
		expect(r.value).toMatchObject({ file: 'gitlab-runners-dev', serial: 14, lineage: 'abc' });
		expect(r.value.objects).toHaveLength(1);
		const o = r.value.objects[0]!;
		expect(o.address).toBe('module.runner["docker"].kubernetes_horizontal_pod_autoscaler_v2.this');
		expect(o.ref).toEqual({ kind: 'HorizontalPodAutoscaler', namespace: 'gitlab-runners', name: 'docker-runner-hpa' });
		expect(o.apiVersion).toBe('autoscaling/v2');
		expect(o.object.spec).toEqual({
			minReplicas: 2,
			maxReplicas: 8,
			scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'docker-runner' },
			metrics: [{ type: 'External', external: { metric: { name: 'jobs', selector: { matchLabels: { runner_type: 'docker' } } }, target: { type: 'AverageValue', averageValue: '12' } } }],
			behavior: { scaleUp: { selectPolicy: 'Max', stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }] } }
		});
		expect((o.object.metadata as Record<string, unknown>).labels).toEqual({ 'app.kubernetes.io/name': 'docker-runner' });
	});

	it('reads kubernetes_manifest objects (state writes dynamic values as {value, type}) without null fields', () => {
		const ars = {
			module: 'module.scale_set["gh-nix"]',
			mode: 'managed',
			type: 'kubernetes_manifest',
			name: 'this',
			provider,
			instances: [
				{
					schema_version: 1,
					attributes: {
						manifest: { value: { apiVersion: 'actions.github.com/v1alpha1', kind: 'AutoscalingRunnerSet', metadata: { name: 'gh-nix', namespace: 'arc-runners' }, spec: { maxRunners: 10 } }, type: ['object', {}] },
						object: {
							value: { apiVersion: 'actions.github.com/v1alpha1', kind: 'AutoscalingRunnerSet', metadata: { name: 'gh-nix', namespace: 'arc-runners', finalizers: null }, spec: { maxRunners: 10, minRunners: null } },
							type: ['object', {}]
						}
					},
					sensitive_attributes: []
				}
			]
		};
		const data = { mode: 'data', type: 'kubernetes_config_map_v1', name: 'x', provider, instances: [{ attributes: { metadata: [{ name: 'x' }] } }] };
		const other = { mode: 'managed', type: 'helm_release', name: 'arc', provider, instances: [{ attributes: { name: 'arc' } }] };
		const r = parseState(state([ars, data, other]), 'arc-runners-dev');
		if (!r.ok) throw new Error(r.error.message);
		expect(r.value.objects).toEqual([
			{
				address: 'module.scale_set["gh-nix"].kubernetes_manifest.this',
				resourceType: 'kubernetes_manifest',
				apiVersion: 'actions.github.com/v1alpha1',
				ref: { kind: 'AutoscalingRunnerSet', namespace: 'arc-runners', name: 'gh-nix' },
				object: { metadata: { name: 'gh-nix', namespace: 'arc-runners' }, spec: { maxRunners: 10 } },
				sensitive: []
			}
		]);
	});

	it('reads sensitive_attributes as live-shape field paths', () => {
		const marked = {
			...hpa,
			instances: hpa.instances.map((i: object) => ({
				...i,
				sensitive_attributes: [
					[{ type: 'get_attr', value: 'spec' }, { type: 'index', value: { value: 0, type: 'number' } }, { type: 'get_attr', value: 'metric' }, { type: 'index', value: { value: 0, type: 'number' } }, { type: 'get_attr', value: 'external' }],
					[{ type: 'get_attr', value: 'metadata' }, { type: 'index', value: { value: 0, type: 'number' } }, { type: 'get_attr', value: 'annotations' }, { type: 'index', value: { value: 'x_y', type: 'string' } }]
				]
			}))
		};
		const r = parseState(state([marked]), 's.json');
		if (!r.ok) throw new Error(r.error.message);
		expect(r.value.objects[0]!.sensitive).toEqual([
			['spec', 'metrics', 'external'],
			['metadata', 'annotations']
		]);
	});

	it('reports JSON syntax errors with the 1-based line', () => {
		const text = state([hpa]).replace('"max_replicas": 8,', '"max_replicas": 8,,');
		const line = text.split('\n').findIndex((l) => l.includes('8,,')) + 1;
		const r = parseState(text, 's.json');
		expect(r.ok).toBe(false);
		if (!r.ok) expect(r.error).toMatchObject({ file: 's.json', line, message: expect.stringMatching(/^invalid JSON/) });
		const cut = parseState('{\n  "version": 4,\n  "resources": [\n', 's.json');
		expect(cut.ok || cut.error.line).toBe(4);
	});

	it('rejects other state format versions and shapes with a line', () => {
		const r = parseState('{\n  "version": 3,\n  "serial": 1\n}', 's.json');
		expect(r).toEqual({ ok: false, error: { file: 's.json', line: 2, message: 'unsupported state format version 3 (expected 4)' } });
		expect(parseState('[]', 's.json')).toMatchObject({ ok: false, error: { line: 1 } });
		expect(parseState('{"version": 4, "resources": {}}', 's.json')).toMatchObject({ ok: false, error: { message: '"resources" is not a list' } });
	});
});

describe('provider shape', () => {
	it('camel-cases keys, unwraps single blocks, pluralises repeated blocks and keeps map keys', () => {
		expect(camel('termination_grace_period_seconds')).toBe('terminationGracePeriodSeconds');
		const shaped = liveShape({
			id: 'ns/x',
			metadata: [{ name: 'x', namespace: 'ns', labels: { 'app.kubernetes.io/name': 'x', some_label: 'y' } }],
			spec: [
				{
					replicas: '2',
					template: [
						{
							spec: [
								{
									container: [
										{
											name: 'runner',
											args: ['run'],
											port: [{ container_port: 9252 }],
											resources: [{ limits: { cpu: '1', memory: '1Gi' }, requests: [{ cpu: '100m' }] }],
											volume_mount: [{ name: 'config', mount_path: '/etc' }],
											liveness_probe: [{ http_get: [{ port: '9252', path: '/' }] }],
											env: []
										}
									],
									node_selector: { 'kubernetes.io/os': 'linux' }
								}
							]
						}
					]
				}
			],
			wait_for_rollout: true
		});
		expect(shaped).toEqual({
			metadata: { name: 'x', namespace: 'ns', labels: { 'app.kubernetes.io/name': 'x', some_label: 'y' } },
			spec: {
				replicas: '2',
				template: {
					spec: {
						containers: [
							{
								name: 'runner',
								args: ['run'],
								ports: [{ containerPort: 9252 }],
								resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '100m' } },
								volumeMounts: [{ name: 'config', mountPath: '/etc' }],
								livenessProbe: { httpGet: { port: '9252', path: '/' } },
								env: []
							}
						],
						nodeSelector: { 'kubernetes.io/os': 'linux' }
					}
				}
			}
		});
	});

	it('formats addresses as OpenTofu prints them', () => {
		expect(addressOf(undefined, 'kubernetes_config_map_v1', 'cfg', undefined)).toBe('kubernetes_config_map_v1.cfg');
		expect(addressOf('module.a', 'kubernetes_deployment_v1', 'd', 0)).toBe('module.a.kubernetes_deployment_v1.d[0]');
	});

	it('finds the line of a JSON syntax error', () => {
		expect(jsonSyntaxError('{"a": 1}')).toBeNull();
		expect(jsonSyntaxError('{\n"a": tru\n}')).toMatchObject({ line: 2 });
		expect(jsonSyntaxError('{\n"a": "x\ny"}')).toMatchObject({ line: 2, message: 'invalid JSON: control character in string' });
		expect(jsonSyntaxError('{"a": 1}\nx')).toMatchObject({ line: 2 });
		expect(jsonSyntaxError('{\n  "a": 1,,\n}')).toEqual({ line: 2, column: 10, message: 'invalid JSON: expected a property name' });
		expect(jsonSyntaxError('{"a": "x')).toMatchObject({ line: 1, message: 'invalid JSON: unterminated string' });
	});

	it('refuses a state nested deeper than the comparison walks, and one nested beyond the JSON reader', () => {
		const deep = `{"version": 4, "resources": ${'['.repeat(100)}${']'.repeat(100)}}`;
		expect(parseState(deep, 's.json')).toEqual({ ok: false, error: { file: 's.json', line: null, message: 'state nests deeper than 64 levels' } });
		const broken = `{"version": 4, "x": ${'['.repeat(100_000)}`;
		expect(parseState(broken, 's.json')).toMatchObject({ ok: false, error: { file: 's.json', message: expect.stringMatching(/^invalid JSON/) } });
	});
});
