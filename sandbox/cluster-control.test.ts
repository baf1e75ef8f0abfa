import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from './index.js';
import { control, controlOk, start, state } from './testing.js';

let sb: Sandbox;
beforeEach(async () => {
	sb = await start({ gitlabRunners: 10 });
});
afterEach(async () => {
	await sb.close();
});

describe('POST /_sandbox/k8s/nodes', () => {
	it('resizes a pool, reports nodes and room, and resets', async () => {
		const before = await (await fetch(`${sb.url}/_sandbox/k8s/nodes`)).json();
		expect(before.pools).toEqual({
			ci: { cpu: 15.89, memory: 60 * 1024 ** 3, pods: 110, min: 16, max: 500, nodes: 16 },
			system: { cpu: 3.92, memory: 14 * 1024 ** 3, pods: 110, min: 3, max: 3, nodes: 3 }
		});
		const small = await controlOk(sb, '/k8s/nodes', { pool: 'ci', nodes: 3, cpu: '4', memory: '16Gi' });
		expect(small.pools.ci).toEqual({ cpu: 4, memory: 16 * 1024 ** 3, pods: 110, min: 3, max: 3, nodes: 3 });
		expect(small.nodes.filter((n: any) => n.pool === 'ci').map((n: any) => [n.name, n.cpu])).toEqual([
			['sbx-ci-pool-1', '4'],
			['sbx-ci-pool-2', '4'],
			['sbx-ci-pool-3', '4']
		]);
		expect((await state(sb)).k8s).toMatchObject({ nodes: { total: 6, by_pool: { ci: 3, system: 3 } }, unschedulable_pods: 0, metrics_down: false });
		const grown = await controlOk(sb, '/k8s/nodes', { pool: 'ci', autoscale: true });
		expect(grown.pools.ci).toMatchObject({ min: 3, max: 500 });
		expect((await controlOk(sb, '/k8s/nodes', { reset: true })).pools.ci).toMatchObject({ nodes: 16, cpu: 15.89, min: 16, max: 500 });
	});

	it('refuses what it cannot do, changing nothing', async () => {
		for (const [body, msg] of [
			[{}, 'give pool (ci or system)'],
			[{ pool: 'gpu', nodes: 1 }, 'pool must be one of ci, system'],
			[{ pool: 'ci' }, 'give at least one of nodes, cpu, memory, pods, autoscale'],
			[{ pool: 'ci', cpu: 'lots' }, 'cpu must be a positive quantity'],
			[{ pool: 'ci', nodes: -1 }, 'nodes must be at least 0']
		] as const) {
			const res = await control(sb, '/k8s/nodes', body);
			expect(res.status).toBe(400);
			expect((await res.json()).error).toContain(msg);
		}
		expect((await state(sb)).k8s.nodes.total).toBe(19);
	});
});

describe('POST /_sandbox/k8s/faults', () => {
	it('fails and restores the metrics APIs', async () => {
		expect(await controlOk(sb, '/k8s/faults', { metrics: true })).toEqual({ metrics: true });
		expect((await state(sb)).k8s.metrics_down).toBe(true);
		await controlOk(sb, '/clock', { advance_s: 30 });
		const hpa = await (await fetch(`${sb.url}/k8s/apis/autoscaling/v2/namespaces/gitlab-runners/horizontalpodautoscalers/docker-runner-hpa`)).json();
		expect(hpa.status.conditions.find((c: any) => c.type === 'ScalingActive')).toMatchObject({ status: 'False', reason: 'FailedGetExternalMetric' });
		expect(await controlOk(sb, '/k8s/faults', { metrics: false })).toEqual({ metrics: false });
		const bad = await control(sb, '/k8s/faults', { metrics: 'yes' });
		expect([bad.status, (await bad.json()).error]).toEqual([400, 'metrics must be true or false']);
	});
});
