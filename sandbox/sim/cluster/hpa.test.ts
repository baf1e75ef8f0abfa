import { describe, expect, it } from 'vitest';
import { MINUTE } from '../clock.js';
import { World } from '../world.js';

const GL = 'gitlab-runners';

describe('HPA conditions', () => {
	it('say why the replicas hold while load falls: ScaleDownStabilized, then SucceededRescale with the decision in words', () => {
		const w = new World({ seed: 3, gitlabRunners: 160, jobsPerMinute: 150, githubJobsPerMinute: 0, warmStart: false });
		w.advance(10 * MINUTE);
		w.jobsPerMinute = 0;
		const hpa = () => w.cluster.get('autoscaling/v2', 'HorizontalPodAutoscaler', GL, 'docker-runner-hpa')!;
		const cond = (type: string) => hpa().status.conditions.find((c: any) => c.type === type);
		w.advance(2 * MINUTE);
		expect(cond('ScalingLimited')).toMatchObject({ status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' });
		w.advance(2 * MINUTE);
		expect(hpa().status.currentReplicas).toBe(8);
		expect(cond('AbleToScale')).toMatchObject({ status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' });
		expect(cond('ScalingLimited')).toMatchObject({ status: 'False', reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' });
		expect(cond('ScalingActive')).toMatchObject({ status: 'True', reason: 'ValidMetricFound' });
		w.advance(10 * MINUTE);
		expect(hpa().status.currentReplicas).toBeLessThan(8);
		const rescales = w.cluster.list('v1', 'Event', GL).filter((e: any) => e.reason === 'SuccessfulRescale' && e.involvedObject.name === 'docker-runner-hpa' && e.message.endsWith('All metrics below target')) as any[];
		expect(rescales.map((e) => e.message)).toContain(`New size: ${hpa().status.currentReplicas}; reason: All metrics below target`);
		expect(hpa().status.lastScaleTime).toMatch(/^2026-01-01T00:2\d:\d\dZ$/);
	});
});

describe('a Resource (cpu utilisation) metric', () => {
	it('scales on the pods’ cpu against their requests, and says FailedGetResourceMetric when metrics-server fails', () => {
		const w = new World({ seed: 3, gitlabRunners: 160, jobsPerMinute: 300, githubJobsPerMinute: 0 });
		const h = w.cluster.get('autoscaling/v2', 'HorizontalPodAutoscaler', GL, 'docker-runner-hpa')!;
		w.cluster.upsert({ ...h, spec: { ...h.spec, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }] } });
		w.advance(5 * MINUTE);
		const hpa = () => w.cluster.get('autoscaling/v2', 'HorizontalPodAutoscaler', GL, 'docker-runner-hpa')!;
		expect(hpa().status.currentMetrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: expect.any(Number), averageValue: expect.stringMatching(/^\d+m$/) } } }]);
		expect(hpa().status.currentReplicas).toBeGreaterThan(2);
		const rescale = w.cluster.list('v1', 'Event', GL).find((e: any) => e.reason === 'SuccessfulRescale' && e.involvedObject.name === 'docker-runner-hpa') as any;
		expect(rescale.message).toMatch(/^New size: \d+; reason: cpu resource utilization \(percentage of request\) above target$/);
		expect(hpa().status.conditions.find((c: any) => c.type === 'ScalingActive')).toMatchObject({ reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' });

		w.kube.metricsDown = true;
		w.advance(MINUTE);
		const err = 'unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server is currently unable to handle the request (get pods.metrics.k8s.io)';
		const warning = w.cluster.list('v1', 'Event', GL).find((e: any) => e.reason === 'FailedGetResourceMetric') as any;
		expect(warning).toMatchObject({ type: 'Warning', message: err, involvedObject: { name: 'docker-runner-hpa' }, count: 4 });
		expect(w.cluster.list('v1', 'Event', GL).find((e: any) => e.reason === 'FailedComputeMetricsReplicas' && e.involvedObject.name === 'docker-runner-hpa')).toMatchObject({
			message: `invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: ${err}`
		});
		expect(hpa().status.conditions.find((c: any) => c.type === 'ScalingActive')).toMatchObject({ status: 'False', reason: 'FailedGetResourceMetric', message: `the HPA was unable to compute the replica count: ${err}` });
	});
});
