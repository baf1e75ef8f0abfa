import { describe, expect, it } from 'vitest';
import { MINUTE } from '../clock.js';
import { World } from '../world.js';

const GL = 'gitlab-runners';

const events = (w: World, ns: string, reason: string) => w.cluster.list('v1', 'Event', ns).filter((e: any) => e.reason === reason) as any[];
const pods = (w: World, ns: string, prefix: string) => w.cluster.list('v1', 'Pod', ns).filter((p) => p.metadata.name.startsWith(prefix));
const unbound = (w: World, ns: string, prefix: string) => pods(w, ns, prefix).filter((p) => !p.spec.nodeName);

describe('nodes', () => {
	it('start as two pools of Node objects, and every pod is bound to one of them', () => {
		const w = new World({ seed: 1, gitlabRunners: 160 });
		const nodes = w.cluster.list('v1', 'Node');
		expect(nodes.map((n) => n.metadata.name).sort()).toEqual([...Array.from({ length: 16 }, (_, i) => `sbx-ci-pool-${i + 1}`), ...[1, 2, 3].map((i) => `sbx-system-pool-${i}`)].sort());
		const ci1 = w.cluster.get('v1', 'Node', undefined, 'sbx-ci-pool-1')!;
		expect(ci1.status).toMatchObject({
			allocatable: { cpu: '15890m', memory: `${60 * 1024 * 1024}Ki`, pods: '110' },
			capacity: { cpu: '16', pods: '110' },
			nodeInfo: { kubeletVersion: 'v1.31.0', containerRuntimeVersion: 'containerd://1.7.20' },
			addresses: [{ type: 'InternalIP', address: '10.0.1.11' }, { type: 'Hostname', address: 'sbx-ci-pool-1' }]
		});
		expect(ci1.status.conditions.find((c: any) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
		for (const p of w.cluster.list('v1', 'Pod')) {
			const node = w.cluster.get('v1', 'Node', undefined, p.spec.nodeName);
			expect(node, p.metadata.name).toBeDefined();
			expect(p.status.hostIP).toBe(node!.status.addresses[0].address);
		}
		expect(w.kube.counts()).toMatchObject({ nodes: { total: 19, by_pool: { ci: 16, system: 3 } }, unschedulable_pods: 0 });
	});

	it('leave a runner type’s new pods Pending with the scheduler’s words when full, and bind them once there is room', () => {
		const w = new World({ seed: 3, gitlabRunners: 160, jobsPerMinute: 600, githubJobsPerMinute: 0 });
		// A small cluster: whatever no longer fits anywhere waits.
		w.kube.nodes.setPool('ci', { nodes: 1, cpu: 0.3 }, w.now());
		w.kube.nodes.setPool('system', { nodes: 1, cpu: 0.5 }, w.now());
		w.advance(10 * MINUTE);
		const waiting = unbound(w, GL, 'docker-runner-');
		expect(waiting.length).toBeGreaterThan(0);
		const message = '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.';
		expect(waiting[0]!.status).toEqual({
			phase: 'Pending',
			conditions: [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: expect.any(String), reason: 'Unschedulable', message }],
			qosClass: 'Burstable'
		});
		const failed = events(w, GL, 'FailedScheduling').find((e) => e.involvedObject.name === waiting[0]!.metadata.name);
		expect(failed).toMatchObject({ type: 'Warning', message, reportingComponent: 'default-scheduler', action: 'Scheduling', involvedObject: { kind: 'Pod', uid: waiting[0]!.metadata.uid } });
		expect(failed.series.count).toBeGreaterThan(1);
		// The HPA asked for them; the Deployment has them; they do not run.
		const dep = w.cluster.get('apps/v1', 'Deployment', GL, 'docker-runner')!;
		expect(dep.spec.replicas).toBe(8);
		expect(dep.status.readyReplicas).toBeLessThan(8);
		expect(w.kube.counts().unschedulable_pods).toBeGreaterThanOrEqual(waiting.length);

		w.kube.nodes.reset(w.now());
		w.advance(30_000);
		expect(unbound(w, GL, 'docker-runner-')).toEqual([]);
		const name = waiting[0]!.metadata.name;
		const bound = w.cluster.get('v1', 'Pod', GL, name)!;
		expect(bound.status.phase).toBe('Running');
		expect(bound.status.conditions.find((c: any) => c.type === 'PodScheduled').status).toBe('True');
		expect(events(w, GL, 'Scheduled').some((e) => e.involvedObject.name === name && e.message === `Successfully assigned ${GL}/${name} to ${bound.spec.nodeName}`)).toBe(true);
		expect(events(w, GL, 'Started').some((e) => e.involvedObject.name === name && e.source.host === bound.spec.nodeName)).toBe(true);
		expect(w.kube.counts().unschedulable_pods).toBe(0);
	});

	it('evict the pods of nodes taken away; their controllers replace them', () => {
		// An idle start: the HPA holds its minimum, so the evicted pods are all that is replaced.
		const w = new World({ seed: 1, gitlabRunners: 160, warmStart: false });
		const before = pods(w, GL, 'docker-runner-').map((p) => [p.metadata.name, p.spec.nodeName]);
		w.kube.nodes.setPool('ci', { nodes: 1 }, w.now());
		const kept = before.filter(([, node]) => node === 'sbx-ci-pool-1').map(([n]) => n);
		expect(pods(w, GL, 'docker-runner-').map((p) => p.metadata.name)).toEqual(kept);
		w.advance(30_000);
		const after = pods(w, GL, 'docker-runner-');
		expect(after).toHaveLength(before.length);
		expect(new Set(after.map((p) => p.spec.nodeName))).toEqual(new Set(['sbx-ci-pool-1']));
		expect(w.cluster.list('v1', 'Node').filter((n) => n.metadata.name.startsWith('sbx-ci-'))).toHaveLength(1);
	});

	it('grow the ci pool like a cluster autoscaler when pods fit nowhere, up to its maximum', () => {
		const w = new World({ seed: 1, gitlabRunners: 160, githubJobsPerMinute: 0 });
		w.kube.setScaleSets(40, w.now());
		w.kube.setEphemeralFloor(1000);
		w.kube.setPodTarget(3000);
		w.advance(3 * MINUTE);
		const counts = w.kube.counts();
		expect(counts.pods.total).toBe(3000);
		expect(counts.unschedulable_pods).toBe(0);
		expect(counts.nodes.by_pool.ci).toBeGreaterThan(16);
		for (const n of w.kube.nodes.truth()) expect(n.pods_bound).toBeLessThanOrEqual(110);
	});
});

describe('the HPA controller when the metrics API fails', () => {
	it('reports FailedGetExternalMetric and FailedComputeMetricsReplicas, holds the replicas, and computes again once it answers', () => {
		const w = new World({ seed: 3, gitlabRunners: 160, jobsPerMinute: 600, githubJobsPerMinute: 0 });
		w.advance(10 * MINUTE);
		const hpa = () => w.cluster.get('autoscaling/v2', 'HorizontalPodAutoscaler', GL, 'docker-runner-hpa')!;
		expect(hpa().status.currentReplicas).toBe(8);
		w.kube.metricsDown = true;
		w.jobsPerMinute = 0;
		w.advance(10 * MINUTE);
		const selector = '&LabelSelector{MatchLabels:map[string]string{runner_type: docker,},MatchExpressions:[]LabelSelectorRequirement{},}';
		const err = `unable to get external metric ${GL}/gitlab_ci_jobs/${selector}: unable to fetch metrics from external metrics API: the server is currently unable to handle the request (get gitlab_ci_jobs.external.metrics.k8s.io)`;
		const mine = (reason: string) => events(w, GL, reason).filter((e) => e.involvedObject.name === 'docker-runner-hpa');
		expect(mine('FailedGetExternalMetric')).toMatchObject([{ type: 'Warning', message: err, source: { component: 'horizontal-pod-autoscaler' }, count: 40 }]);
		expect(mine('FailedComputeMetricsReplicas')).toMatchObject([
			{ type: 'Warning', message: `invalid metrics (1 invalid out of 1), first error is: failed to get gitlab_ci_jobs external metric value: failed to get external metric gitlab_ci_jobs: ${err}` }
		]);
		const st = hpa().status;
		expect(st.conditions.find((c: any) => c.type === 'ScalingActive')).toMatchObject({ status: 'False', reason: 'FailedGetExternalMetric', message: `the HPA was unable to compute the replica count: ${err}` });
		expect(st).toMatchObject({ currentReplicas: 8, desiredReplicas: 8, currentMetrics: [{ type: '' }] });

		w.kube.metricsDown = false;
		w.advance(MINUTE);
		expect(hpa().status.conditions.find((c: any) => c.type === 'ScalingActive')).toMatchObject({ status: 'True', reason: 'ValidMetricFound' });
		expect(hpa().status.currentMetrics[0].external.current.averageValue).toMatch(/^\d+m?$/);
	});
});
