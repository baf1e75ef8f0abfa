import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { hpaView, scaleSetAutoscaler } from '$lib/core/autoscalers/views';
import type { CapacityGroup, PanelInfo } from '$lib/core/capacity/types';
import AutoscalerTable from './AutoscalerTable.svelte';
import CapacityTable from './CapacityTable.svelte';
import SourceNote from './SourceNote.svelte';
import { capacityHref, chartSeries, failureReasons, fleetHref, metricText, notableConditions, panelsOf, replicaSeries, rowsOf, sourceName, valueOf, windowOf, type Autoscaler } from './view';

const row = (forge: 'gitlab' | 'github', group: string | null, over: Partial<CapacityGroup> = {}): CapacityGroup => ({
	forge,
	kind: group === null ? 'forge' : forge === 'gitlab' ? 'runner_type' : 'scale_set',
	group,
	pending: 4,
	running: 10,
	wait_p50_s: 12,
	wait_p95_s: 95,
	saturation: 0.625,
	duration_p50_s: 150,
	duration_p95_s: 900,
	jobs_per_minute: 3.5,
	failures: {},
	...over
});
const panels: PanelInfo[] = [
	{ id: 'pending', title: 'Pending jobs', unit: 'jobs', description: 'Jobs waiting.', caveat: 'Only matched jobs.' },
	{ id: 'saturation', title: 'Saturation', unit: 'ratio', description: 'How full.', caveat: 'Undefined at zero.' },
	{ id: 'failures', title: 'Failed jobs', unit: 'jobs', description: 'Failures.', caveat: 'Extrapolated.' }
];

describe('capacity view helpers', () => {
	it('reads the window from the URL, 1h otherwise', () => {
		expect(windowOf('7d')).toBe('7d');
		expect(windowOf('2h')).toBe('1h');
		expect(windowOf(null)).toBe('1h');
	});
	it('names the source kinds as the UI says them', () => {
		expect(sourceName('scraper')).toBe('built-in scraper');
		expect(sourceName('prometheus')).toBe('Prometheus');
		expect(sourceName(null)).toBe('no source');
	});
	it('puts a forge’s total first, then its groups by name, leaving the other forge out', () => {
		const rows = rowsOf([row('gitlab', 'nix'), row('github', null), row('gitlab', null), row('gitlab', 'docker')], 'gitlab');
		expect(rows.map((r) => r.group)).toEqual([null, 'docker', 'nix']);
	});
	it('sums failures over reasons and lists them biggest first', () => {
		const r = row('gitlab', null, { failures: { script_failure: 4, runner_system_failure: 1, unknown_failure: 0 } });
		expect(valueOf(r, 'failures')).toBe(5);
		expect(valueOf(row('gitlab', null), 'failures')).toBe(0);
		expect(valueOf(r, 'saturation')).toBe(0.625);
		expect(failureReasons(r.failures)).toBe('script_failure 4, runner_system_failure 1');
	});
	it('keeps the panels the API describes, in page order', () => {
		expect(panelsOf({ panels: [panels[2]!, panels[0]!] }).map((p) => p.id)).toEqual(['pending', 'failures']);
		expect(panelsOf(null)).toEqual([]);
	});
	it('turns one forge’s (or one group’s) series into chart series, total first', () => {
		const s = [
			{ forge: 'gitlab' as const, group: 'nix', points: [[1, 2]] as [number, number | null][] },
			{ forge: 'gitlab' as const, group: null, points: [[1, 5]] as [number, number | null][] },
			{ forge: 'github' as const, group: 'gh-nix', points: [[1, 1]] as [number, number | null][] }
		];
		expect(chartSeries(s, 'gitlab').map((c) => [c.key, c.label])).toEqual([
			['gitlab', 'all GitLab'],
			['gitlab/nix', 'nix']
		]);
		expect(chartSeries(s, 'github', 'gh-nix').map((c) => c.key)).toEqual(['github/gh-nix']);
	});
	it('links a group to its capacity page and to the fleet filtered by it', () => {
		expect(capacityHref('github', 'gh docker', '6h')).toBe('/capacity/github/gh%20docker?window=6h');
		expect(capacityHref('gitlab', 'docker', '1h')).toBe('/capacity/gitlab/docker');
		expect(fleetHref('github', 'gh-nix')).toBe('/fleet?forge=github&scale_set=gh-nix');
		expect(fleetHref('gitlab', 'docker')).toBe('/fleet?forge=gitlab&tag=docker');
	});
	it('writes metrics against targets', () => {
		expect(metricText({ type: 'External', name: 'm', qualifier: null, target_type: 'AverageValue', target: 12, current: 18.5, unit: 'value', ratio: 1.5 })).toBe('18.5 / 12 per pod');
		expect(metricText({ type: 'Resource', name: 'cpu', qualifier: null, target_type: 'Utilization', target: 80, current: null, unit: 'percent', ratio: null })).toBe('— % / 80 %');
	});
});

const hpa = (): Autoscaler => ({
	...hpaView('k', true, {
		metadata: { name: 'docker-runner-hpa', namespace: 'gitlab-runners', labels: { 'runner-type': 'docker' } },
		spec: { scaleTargetRef: { kind: 'Deployment', name: 'docker-runner' }, minReplicas: 2, maxReplicas: 8, metrics: [{ type: 'External', external: { metric: { name: 'gitlab_ci_jobs' }, target: { type: 'AverageValue', averageValue: '12' } } }] },
		status: {
			currentReplicas: 3,
			desiredReplicas: 5,
			currentMetrics: [{ type: 'External', external: { metric: { name: 'gitlab_ci_jobs' }, current: { averageValue: '18' } } }],
			conditions: [
				{ type: 'AbleToScale', status: 'True', reason: 'SucceededRescale' },
				{ type: 'ScalingLimited', status: 'True', reason: 'ScaleUpLimit', message: 'increasing faster than the maximum scale rate' }
			]
		}
	}, []),
	stale: false,
	data_age_s: 1,
	history: [[900, 2, 3, 8], [915, 3, 5, 8]]
});
const scaleSet = (): Autoscaler => ({
	...scaleSetAutoscaler({ id: 'k:arc-runners:gh-nix', source: 'k', namespace: 'arc-runners', name: 'gh-nix', scale_set_name: 'gh-nix', github_config_url: null, runner_group: null, min_runners: 0, max_runners: 10, current_runners: 2, desired_runners: 4, pending: 2, running: 0, failed: 1, drained: false, previous_max_runners: null, ephemeral_runners: 3, simulated: true }),
	stale: true,
	data_age_s: 120,
	history: []
});

describe('autoscaler helpers', () => {
	it('shows only conditions that need a look', () => {
		expect(notableConditions(hpa()).map((c) => c.type)).toEqual(['ScalingLimited']);
	});
	it('draws one line per autoscaler, or current, desired and max for one', () => {
		expect(replicaSeries([hpa(), scaleSet()]).map((s) => s.label)).toEqual(['docker-runner-hpa (current)', 'gh-nix (current)']);
		const detail = replicaSeries([hpa()], true);
		expect(detail.map((s) => [s.label, s.points.at(-1), s.reference ?? false])).toEqual([
			['current', [915, 3], false],
			['desired', [915, 5], false],
			['max', [915, 8], true]
		]);
	});
});

describe('capacity components on the server', () => {
	it('renders a forge’s rows with raw values in data attributes and units in the text', () => {
		const { body } = render(CapacityTable, {
			props: { forge: 'gitlab', items: [row('gitlab', 'docker', { pending: 12 }), row('gitlab', null, { failures: { script_failure: 2 } }), row('github', null)], panels, window: '6h' }
		});
		expect(body).toContain('data-panel="pending" data-series="gitlab/docker" data-value="12"');
		expect(body).toContain('data-panel="saturation" data-series="gitlab" data-value="0.625"');
		expect(body).toContain('data-panel="failures" data-series="gitlab" data-value="2"');
		expect(body).toContain('63 %');
		expect(body).toContain('href="/capacity/gitlab/docker?window=6h"');
		expect(body).not.toContain('data-series="github"');
	});

	it('renders autoscalers with counts, metrics against target, conditions and staleness', () => {
		const { body } = render(AutoscalerTable, { props: { items: [hpa(), scaleSet()], window: '1h' } });
		expect(body).toContain('data-autoscaler="hpa:k:gitlab-runners:docker-runner-hpa" data-kind="hpa" data-group="docker" data-current="3" data-desired="5" data-max="8"');
		expect(body).toContain('18 / 12 per pod');
		expect(body).toContain('above target');
		expect(body).toContain('ScalingLimited: ScaleUpLimit');
		expect(body).toContain('2 / 0 / 1');
		expect(body).toContain('stale · 2 min old');
		expect(body).toContain('href="/capacity/github/gh-nix"');
	});

	it('offers "raise max" only to a viewer who may propose changes, on autoscalers whose maximum a stack declares', () => {
		const declared = { ...hpa(), max_variable: { stack: 'gitlab-runners', env: 'prod', variable: 'docker_max_replicas' } } as Autoscaler;
		expect(render(AutoscalerTable, { props: { items: [declared], window: '1h' } }).body).not.toContain('data-testid="raise-max"');
		const body = render(AutoscalerTable, { props: { items: [declared, scaleSet()], window: '1h', canAct: true } }).body;
		expect(body.match(/data-testid="raise-max"/g)).toHaveLength(1);
	});

	it('names the source and marks stale values with their age and error', () => {
		const ok = render(SourceNote, { props: { source: 'scraper', asOf: '2026-01-01T00:00:00Z', ageS: 5, stale: false, error: null, windowS: 3600 } }).body;
		expect(ok).toContain('built-in scraper');
		expect(ok).not.toContain('stale ·');
		expect(ok).toContain('data-source="scraper" data-stale="false"');
		const stale = render(SourceNote, { props: { source: 'prometheus', asOf: '2026-01-01T00:00:00Z', ageS: 300, stale: true, error: 'connection refused', coveredS: 1800, windowS: 3600 } }).body;
		expect(stale).toContain('Prometheus');
		expect(stale).toContain('stale · last values 5 min old: connection refused');
		expect(stale).toContain('holds 30 min of this window');
	});
});
