import { describe, expect, it } from 'vitest';
import { filterAutoscalers, hpaView, metricViews, scaleSetAutoscaler, scalesGroup, type HpaObject } from './views';
import type { ScaleSet } from '../scale-sets';

const hpa = (over: Partial<HpaObject['status']> = {}): HpaObject => ({
	metadata: { name: 'docker-runner-hpa', namespace: 'gitlab-runners', labels: { 'runner-type': 'docker' } },
	spec: {
		scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'docker-runner' },
		minReplicas: 2,
		maxReplicas: 8,
		metrics: [{ type: 'External', external: { metric: { name: 'gitlab_ci_jobs', selector: { matchLabels: { runner_type: 'docker' } } }, target: { type: 'AverageValue', averageValue: '12' } } }]
	},
	status: {
		currentReplicas: 3,
		desiredReplicas: 5,
		currentMetrics: [{ type: 'External', external: { metric: { name: 'gitlab_ci_jobs', selector: { matchLabels: { runner_type: 'docker' } } }, current: { averageValue: '18500m' } } }],
		conditions: [
			{ type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 5', lastTransitionTime: new Date('2026-01-01T00:10:00Z') },
			{ type: 'ScalingLimited', status: 'True', reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate', lastTransitionTime: '2026-01-01T00:10:00Z' }
		],
		lastScaleTime: '2026-01-01T00:10:00Z',
		...over
	}
});

describe('metricViews', () => {
	it('pairs each spec metric with its current value by identity, not position', () => {
		const spec = [
			{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
			{ type: 'Pods', pods: { metric: { name: 'jobs_per_pod' }, target: { type: 'AverageValue', averageValue: '4' } } },
			{ type: 'Object', object: { metric: { name: 'queue' }, describedObject: { kind: 'Service', name: 'gitlab' }, target: { type: 'Value', value: '100' } } },
			{ type: 'External', external: { metric: { name: 'gitlab_ci_jobs', selector: { matchLabels: { runner_type: 'nix' } } }, target: { type: 'Value', value: '20' } } }
		];
		const status = [
			{ type: 'External', external: { metric: { name: 'gitlab_ci_jobs', selector: { matchLabels: { runner_type: 'nix' } } }, current: { value: '30' } } },
			{ type: 'Object', object: { metric: { name: 'queue' }, describedObject: { kind: 'Service', name: 'gitlab' }, current: { value: '50' } } },
			{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 92, averageValue: '460m' } } }
		];
		expect(metricViews(spec, status)).toEqual([
			{ type: 'Resource', name: 'cpu', qualifier: null, target_type: 'Utilization', target: 80, current: 92, unit: 'percent', ratio: 92 / 80 },
			{ type: 'Pods', name: 'jobs_per_pod', qualifier: null, target_type: 'AverageValue', target: 4, current: null, unit: 'value', ratio: null },
			{ type: 'Object', name: 'queue', qualifier: 'Service/gitlab', target_type: 'Value', target: 100, current: 50, unit: 'value', ratio: 0.5 },
			{ type: 'External', name: 'gitlab_ci_jobs', qualifier: 'runner_type=nix', target_type: 'Value', target: 20, current: 30, unit: 'value', ratio: 1.5 }
		]);
	});

	it('has no current values before the HPA first computed them', () => {
		expect(metricViews(hpa().spec!.metrics, null)[0]).toMatchObject({ target: 12, current: null, ratio: null });
	});

	it('reads milli-quantities as the decimals they are', () => {
		const [m] = metricViews([{ type: 'Pods', pods: { metric: { name: 'load' }, target: { type: 'AverageValue', averageValue: '300m' } } }], [{ type: 'Pods', pods: { metric: { name: 'load' }, current: { averageValue: '700m' } } }]);
		expect(m).toMatchObject({ target: 0.3, current: 0.7 });
	});
});

describe('hpaView', () => {
	it('reads replicas, metrics against target, conditions and the runner type', () => {
		const v = hpaView('cluster', true, hpa(), [{ metadata: { name: 'docker-runner', namespace: 'gitlab-runners' }, status: { replicas: 3 } }]);
		expect(v).toMatchObject({
			id: 'hpa:cluster:gitlab-runners:docker-runner-hpa',
			kind: 'hpa',
			forge: 'gitlab',
			group: 'docker',
			target: 'Deployment/docker-runner',
			min: 2,
			max: 8,
			current: 3,
			desired: 5,
			limited: true,
			last_scale_time: '2026-01-01T00:10:00Z',
			ephemeral_runners: null,
			simulated: true
		});
		expect(v.metrics).toEqual([{ type: 'External', name: 'gitlab_ci_jobs', qualifier: 'runner_type=docker', target_type: 'AverageValue', target: 12, current: 18.5, unit: 'value', ratio: 18.5 / 12 }]);
		expect(v.conditions[0]).toEqual({ type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 5', since: '2026-01-01T00:10:00.000Z' });
	});

	it('takes the runner type from the Deployment when the HPA has no label, and falls back to the target name', () => {
		const bare = { ...hpa(), metadata: { name: 'x-hpa', namespace: 'gitlab-runners' } };
		expect(hpaView('c', false, bare, [{ metadata: { name: 'docker-runner', namespace: 'gitlab-runners', labels: { 'runner-type': 'docker' } } }]).group).toBe('docker');
		expect(hpaView('c', false, bare, []).group).toBe('docker-runner');
	});

	it('survives an HPA without status', () => {
		const v = hpaView('c', false, { metadata: { name: 'n-hpa', namespace: 'ns' }, spec: { maxReplicas: 3 } }, []);
		expect(v).toMatchObject({ current: 0, desired: null, min: 1, max: 3, metrics: [], conditions: [], limited: false, last_scale_time: null, group: 'n' });
	});
});

const ss = (over: Partial<ScaleSet> = {}): ScaleSet => ({
	id: 'cluster:arc-runners:gh-docker',
	source: 'cluster',
	namespace: 'arc-runners',
	name: 'gh-docker',
	scale_set_name: 'gh-docker',
	github_config_url: null,
	runner_group: 'arc-runners',
	min_runners: 1,
	max_runners: 20,
	current_runners: 4,
	desired_runners: 6,
	pending: 2,
	running: 2,
	failed: 1,
	drained: false,
	previous_max_runners: null,
	ephemeral_runners: 5,
	simulated: true,
	...over
});

describe('scaleSetAutoscaler', () => {
	it('puts a scale set in the autoscaler shape with its ephemeral runners by phase', () => {
		expect(scaleSetAutoscaler(ss())).toMatchObject({
			id: 'scale_set:cluster:arc-runners:gh-docker',
			kind: 'scale_set',
			forge: 'github',
			group: 'gh-docker',
			min: 1,
			max: 20,
			current: 4,
			desired: 6,
			limited: false,
			ephemeral_runners: { pending: 2, running: 2, failed: 1 },
			drained: false,
			scale_set_id: 'cluster:arc-runners:gh-docker'
		});
		expect(scaleSetAutoscaler(ss({ desired_runners: 20 })).limited).toBe(true);
	});
});

describe('filterAutoscalers and scalesGroup', () => {
	const items = [scaleSetAutoscaler(ss()), hpaView('cluster', true, hpa(), []), scaleSetAutoscaler(ss({ id: 'cluster:arc-runners:gh-nix', name: 'gh-nix', scale_set_name: 'gh-nix' }))];
	it('filters by kind, forge, group (Deployment or runner type) and search', () => {
		expect(filterAutoscalers(items, {}).map((a) => a.name)).toEqual(['gh-docker', 'gh-nix', 'docker-runner-hpa']);
		expect(filterAutoscalers(items, { kind: 'hpa' }).map((a) => a.name)).toEqual(['docker-runner-hpa']);
		expect(filterAutoscalers(items, { forge: 'github' })).toHaveLength(2);
		expect(filterAutoscalers(items, { group: 'docker-runner' }).map((a) => a.name)).toEqual(['docker-runner-hpa']);
		expect(filterAutoscalers(items, { group: 'docker' }).map((a) => a.name)).toEqual(['docker-runner-hpa']);
		expect(filterAutoscalers(items, { q: 'NIX' }).map((a) => a.name)).toEqual(['gh-nix']);
	});
	it('matches a capacity group only within its forge', () => {
		expect(scalesGroup(items[1]!, 'gitlab', 'docker')).toBe(true);
		expect(scalesGroup(items[1]!, 'github', 'docker')).toBe(false);
	});
});
