import { afterEach, describe, expect, it } from 'vitest';
import type { ScaleSet } from '$lib/core/scale-sets';
import { EventBus } from '../events/bus';
import type { KubernetesSource } from '../sync/kubernetes-source';
import { SourceRegistry } from '../sync/source-status';
import { startAutoscalerRecorder, type AutoscalerRecorder } from './autoscalers';

/** A cluster source holding one HPA and one scale set whose counts the test moves. */
function cluster(state: { hpa: number; ss: number }): KubernetesSource {
	const objects = (kind: string) =>
		kind === 'HorizontalPodAutoscaler'
			? [{ metadata: { name: 'docker-runner-hpa', namespace: 'gitlab-runners', labels: { 'runner-type': 'docker' } }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'docker-runner' }, minReplicas: 1, maxReplicas: 8 }, status: { currentReplicas: state.hpa, desiredReplicas: state.hpa } }]
			: [];
	const ss: ScaleSet = { id: 'k8s:arc-runners:gh-nix', source: 'k8s', namespace: 'arc-runners', name: 'gh-nix', scale_set_name: 'gh-nix', github_config_url: null, runner_group: null, min_runners: 0, max_runners: 10, current_runners: state.ss, desired_runners: state.ss, pending: 0, running: state.ss, failed: 0, drained: false, previous_max_runners: null, ephemeral_runners: state.ss, simulated: true };
	return { name: 'k8s', simulated: true, objects: objects as never, scaleSets: () => [{ ...ss, current_runners: state.ss, desired_runners: state.ss }] } as unknown as KubernetesSource;
}

let rec: AutoscalerRecorder | undefined;
afterEach(() => rec?.stop());

function setup(now: { t: number }) {
	const state = { hpa: 2, ss: 1 };
	const bus = new EventBus(10);
	const sources = new SourceRegistry();
	sources.register({ name: 'k8s', kind: 'kubernetes', url: 'http://x', simulated: true, intervalMs: 5000 });
	sources.succeeded('k8s', now.t);
	rec = startAutoscalerRecorder({ bus, kubernetes: new Map([['k8s', cluster(state)]]), sources, everyMs: 3_600_000, now: () => now.t });
	return { state, bus, sources, rec };
}

describe('the replica history recorder', () => {
	it('starts from the samples kept before it and hands on each sample it takes', () => {
		const now = { t: 1_800_000_000_000 };
		const t0 = now.t / 1000;
		const kept: unknown[] = [];
		const bus = new EventBus(10);
		const sources = new SourceRegistry();
		sources.register({ name: 'k8s', kind: 'kubernetes', url: 'http://x', simulated: true, intervalMs: 5000 });
		sources.succeeded('k8s', now.t);
		const id = 'hpa:k8s:gitlab-runners:docker-runner-hpa';
		rec = startAutoscalerRecorder({
			bus,
			kubernetes: new Map([['k8s', cluster({ hpa: 4, ss: 1 })]]),
			sources,
			everyMs: 3_600_000,
			now: () => now.t,
			initial: [
				{ autoscaler: id, at_s: t0 - 600, current: 1, desired: 1, max: 8 },
				{ autoscaler: id, at_s: t0 - 300, current: 3, desired: 3, max: 8 }
			],
			keep: (points) => kept.push(...points)
		});
		rec.sample();
		expect(kept).toEqual([
			{ autoscaler: id, at_s: t0, current: 4, desired: 4, max: 8 },
			{ autoscaler: 'scale_set:k8s:arc-runners:gh-nix', at_s: t0, current: 1, desired: 1, max: 10 }
		]);
		const hpa = rec.query({ kind: 'hpa' }, '1h')[0]!;
		expect(hpa.history.filter((p) => p[1] !== null).map((p) => p[1])).toEqual(expect.arrayContaining([1, 3, 4]));
		expect(hpa.history[0]![0]).toBeLessThanOrEqual(t0 - 600);
	});

	it('samples on cluster changes of scaling kinds and answers the history per window', () => {
		const now = { t: 1_800_000_000_000 };
		const { state, bus, rec } = setup(now);
		bus.publish('cluster.delta', { source: 'k8s', kinds: ['HorizontalPodAutoscaler'] });
		now.t += 15_000;
		state.hpa = 5;
		state.ss = 3;
		bus.publish('cluster.delta', { source: 'k8s', kinds: ['ConfigMap'] });
		expect(rec.pointCount()).toBe(2);
		bus.publish('cluster.delta', { source: 'k8s', kinds: ['EphemeralRunner'] });
		expect(rec.pointCount()).toBe(4);
		const items = rec.query({}, '1h');
		expect(items.map((i) => [i.id, i.stale, i.history.map((p) => p.slice(1))])).toEqual([
			['scale_set:k8s:arc-runners:gh-nix', false, [[1, 1, 10], [3, 3, 10]]],
			['hpa:k8s:gitlab-runners:docker-runner-hpa', false, [[2, 2, 8], [5, 5, 8]]]
		]);
		expect(rec.query({ kind: 'hpa', group: 'docker' }, '7d').map((i) => i.name)).toEqual(['docker-runner-hpa']);
	});

	it('records nothing while the cluster source is failing, leaving a gap', () => {
		const now = { t: 1_800_000_000_000 };
		const { sources, rec, state } = setup(now);
		rec.sample();
		sources.failed('k8s', 'watch failing', now.t);
		for (let i = 0; i < 10; i++) {
			now.t += 15_000;
			state.hpa++;
			rec.sample();
		}
		expect(rec.pointCount()).toBe(2);
		const [, hpa] = rec.query({}, '1h');
		expect(hpa!.stale).toBe(true);
		expect(hpa!.current).toBe(12);
		expect(hpa!.history.map((p) => p[1])).toEqual([2, 2, 2, 2]);
	});
});
