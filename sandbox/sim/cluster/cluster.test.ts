import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../clock.js';
import { Rng } from '../rng.js';
import { World } from '../world.js';
import { newPod, podStatus, progressPod } from './pods.js';

const GL = 'gitlab-runners';
const HPA = 'autoscaling/v2';
const POD_SUFFIX = /^[bcdfghjklmnpqrstvwxz2456789]{5}$/;

const KINDS: [string, string][] = [
	['v1', 'Namespace'],
	['v1', 'ConfigMap'],
	['v1', 'Pod'],
	['v1', 'Event'],
	['apps/v1', 'Deployment'],
	['apps/v1', 'ReplicaSet'],
	[HPA, 'HorizontalPodAutoscaler'],
	['actions.github.com/v1alpha1', 'AutoscalingRunnerSet'],
	['actions.github.com/v1alpha1', 'EphemeralRunnerSet'],
	['actions.github.com/v1alpha1', 'EphemeralRunner'],
	['actions.github.com/v1alpha1', 'AutoscalingListener']
];

function snapshot(w: World) {
	return {
		rv: w.cluster.resourceVersion,
		objects: KINDS.map(([v, k]) => w.cluster.list(v, k)),
		github: w.github.counts(),
		runners: w.github.orgRunners().map((r) => [r.kind, r.runner.id, r.runner.name, r.runner.job?.id ?? null]),
		arc: w.kube.scaleSets(),
		k8s: w.kube.counts()
	};
}

const pods = (w: World, ns: string, prefix: string) => w.cluster.list('v1', 'Pod', ns).filter((p) => p.metadata.name.startsWith(prefix));
const hpa = (w: World, type: string) => w.cluster.get(HPA, 'HorizontalPodAutoscaler', GL, `${type}-runner-hpa`)!;
const deployment = (w: World, type: string) => w.cluster.get('apps/v1', 'Deployment', GL, `${type}-runner`)!;

describe('the GitLab runner stack in the cluster', () => {
	it('has a Deployment, HPA, ConfigMap and running pods per runner type, shaped like the real objects', () => {
		const w = new World({ seed: 1, gitlabRunners: 160 });
		expect(w.cluster.list('v1', 'Namespace').map((n) => n.metadata.name)).toEqual(expect.arrayContaining([GL, 'arc-systems', 'arc-runners']));
		const limits: Record<string, [number, number]> = { docker: [2, 8], dind: [1, 4], nix: [1, 6] };
		for (const t of ['docker', 'dind', 'nix']) {
			const d = deployment(w, t);
			expect(d.metadata.labels?.['app.kubernetes.io/name']).toBe(`${t}-runner`);
			const c = d.spec.template.spec.containers[0];
			expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
			const h = hpa(w, t);
			expect(h.spec).toMatchObject({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: `${t}-runner` }, minReplicas: limits[t]![0], maxReplicas: limits[t]![1] });
			expect(h.spec.metrics[0].external.metric).toEqual({ name: 'gitlab_ci_jobs', selector: { matchLabels: { runner_type: t } } });
			expect(d.spec.replicas).toBe(limits[t]![0]);
			expect(w.cluster.get('v1', 'ConfigMap', GL, `${t}-runner-config`)?.data?.['config.toml']).toMatch(/^concurrent = \d+\n[\s\S]*executor = "kubernetes"[\s\S]*cpu_request = "/);

			const ps = pods(w, GL, `${t}-runner-`);
			expect(ps).toHaveLength(limits[t]![0]);
			const rs = w.cluster.list('apps/v1', 'ReplicaSet', GL).find((r) => r.metadata.ownerReferences?.[0]?.uid === d.metadata.uid)!;
			expect(rs.metadata.name).toMatch(new RegExp(`^${t}-runner-[a-z0-9]{1,10}$`));
			for (const p of ps) {
				const suffix = p.metadata.name.slice(rs.metadata.name.length + 1);
				expect(p.metadata.name.startsWith(`${rs.metadata.name}-`) && POD_SUFFIX.test(suffix)).toBe(true);
				expect(p.metadata.labels?.['pod-template-hash']).toBe(rs.metadata.labels?.['pod-template-hash']);
				expect(p.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid });
				expect(p.status).toMatchObject({ phase: 'Running', startTime: expect.stringMatching(/Z$/) });
				expect(p.status.containerStatuses[0]).toMatchObject({ name: 'gitlab-runner', ready: true, restartCount: expect.any(Number) });
				expect(p.spec.nodeName).toMatch(/^sbx-ci-pool-\d+$/);
			}
			expect(d.status).toMatchObject({ replicas: limits[t]![0], readyReplicas: limits[t]![0], availableReplicas: limits[t]![0] });
		}
	});

	it('scales with the GitLab job load through the HPAs, and back to the minimum after the stabilisation window', () => {
		const w = new World({ seed: 3, gitlabRunners: 160, jobsPerMinute: 600, githubJobsPerMinute: 0 });
		w.advance(10 * MINUTE);
		const load = w.kube.gitlabLoad();
		expect(load.docker).toBeGreaterThan(8 * 12);
		const h = hpa(w, 'docker');
		expect(h.status).toMatchObject({ currentReplicas: 8, desiredReplicas: 8 });
		expect(h.status.conditions.find((c: any) => c.type === 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'TooManyReplicas' });
		expect(h.status.currentMetrics[0].external.current.averageValue).toMatch(/^\d+(m)?$/);
		expect(pods(w, GL, 'docker-runner-')).toHaveLength(8);
		expect(w.kube.counts().hpas.map((x) => [x.name, x.current, x.desired])).toEqual([
			['dind-runner-hpa', 4, 4],
			['docker-runner-hpa', 8, 8],
			['nix-runner-hpa', 6, 6]
		]);
		const events = w.cluster.list('v1', 'Event', GL);
		expect(events.some((e) => e.reason === 'SuccessfulRescale' && /New size: \d+; reason: external metric gitlab_ci_jobs/.test(String(e.message)))).toBe(true);
		expect(events.some((e) => e.reason === 'ScalingReplicaSet')).toBe(true);

		w.jobsPerMinute = 0;
		w.advance(2 * HOUR);
		expect(w.kube.counts().hpas.map((x) => [x.name, x.current, x.desired])).toEqual([
			['dind-runner-hpa', 1, 1],
			['docker-runner-hpa', 2, 2],
			['nix-runner-hpa', 1, 1]
		]);
		expect(pods(w, GL, 'docker-runner-')).toHaveLength(2);
	});

	it('reads HPA spec back from the store: a patched maxReplicas or minReplicas applies on the next step', () => {
		const w = new World({ seed: 4, gitlabRunners: 160, jobsPerMinute: 600, githubJobsPerMinute: 0 });
		w.advance(10 * MINUTE);
		expect(deployment(w, 'docker').spec.replicas).toBe(8);
		const h = hpa(w, 'docker');
		const metaBefore = h.metadata.generation;
		w.cluster.upsert({ ...h, spec: { ...h.spec, maxReplicas: 3 } });
		w.advance(5000);
		expect(deployment(w, 'docker').spec.replicas).toBe(3);
		expect(pods(w, GL, 'docker-runner-')).toHaveLength(3);
		const after = hpa(w, 'docker');
		expect(after.spec.maxReplicas).toBe(3); // the simulation never writes spec back
		expect(after.metadata.generation).toBe((metaBefore ?? 1) + 1);
		expect(after.status).toMatchObject({ desiredReplicas: 3, observedGeneration: after.metadata.generation });

		w.jobsPerMinute = 0;
		const nix = hpa(w, 'nix');
		w.cluster.upsert({ ...nix, spec: { ...nix.spec, minReplicas: 5, maxReplicas: 6 } });
		w.advance(5000);
		expect(deployment(w, 'nix').spec.replicas).toBeGreaterThanOrEqual(5);
		w.advance(HOUR);
		expect(deployment(w, 'nix').spec.replicas).toBe(5);
		expect(pods(w, GL, 'nix-runner-')).toHaveLength(5);
	});

	it('replaces a pod deleted through the API', () => {
		// An idle start: the HPA stays at its minimum, so only the replacement changes the pods.
		const w = new World({ seed: 5, gitlabRunners: 160, warmStart: false });
		const [victim] = pods(w, GL, 'docker-runner-');
		w.cluster.delete('v1', 'Pod', GL, victim!.metadata.name);
		w.advance(5000);
		const now = pods(w, GL, 'docker-runner-');
		expect(now).toHaveLength(2);
		expect(now.map((p) => p.metadata.name)).not.toContain(victim!.metadata.name);
		expect(now.find((p) => p.status.phase === 'Pending')).toBeDefined();
		w.advance(MINUTE);
		expect(pods(w, GL, 'docker-runner-').every((p) => p.status.phase === 'Running')).toBe(true);
	});

	it('resyncs when more changed through the API than the event history holds', () => {
		const w = new World({ seed: 5, gitlabRunners: 160, githubJobsPerMinute: 0, warmStart: false });
		const [victim] = pods(w, GL, 'nix-runner-');
		w.cluster.delete('v1', 'Pod', GL, victim!.metadata.name);
		for (let i = 0; i < 5100; i++) w.cluster.upsert({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'churn', namespace: 'default' }, data: { i: String(i) } });
		w.advance(5000);
		const now = pods(w, GL, 'nix-runner-');
		expect(now).toHaveLength(1);
		expect(now[0]!.metadata.name).not.toBe(victim!.metadata.name);
	});

	it('restarts runner containers now and then, with the last termination recorded', () => {
		const rng = new Rng(1);
		const p = newPod(rng, { name: 'x', namespace: GL, container: 'gitlab-runner', image: 'img:1', pool: 'ci', createdAt: 0, readyAt: 5000, meanRestartMs: HOUR });
		expect(podStatus(p).phase).toBe('Pending');
		for (let t = 0; t <= 24 * HOUR; t += 5000) progressPod(rng, p, t);
		expect(p.restartCount).toBeGreaterThan(5);
		const s = podStatus(p);
		expect(s.containerStatuses[0]).toMatchObject({ ready: true, restartCount: p.restartCount, lastState: { terminated: { reason: expect.stringMatching(/^(OOMKilled|Error)$/) } } });
	});
});

describe('determinism of the GitHub and Kubernetes parts', () => {
	it('gives the same objects, runners and counts for the same seed, however time is sliced', () => {
		const a = new World({ seed: 6, gitlabRunners: 160, jobsPerMinute: 300, githubJobsPerMinute: 40 });
		const b = new World({ seed: 6, gitlabRunners: 160, jobsPerMinute: 300, githubJobsPerMinute: 40 });
		expect(snapshot(b)).toEqual(snapshot(a));
		a.advance(30 * MINUTE);
		for (let i = 0; i < 1800; i++) b.advance(1000);
		const sa = snapshot(a);
		expect(snapshot(b)).toEqual(sa);
		expect(sa.github.jobs.success).toBeGreaterThan(0);
		expect(sa.objects.flat().length).toBeGreaterThan(40);
		const c = new World({ seed: 7, gitlabRunners: 160, jobsPerMinute: 300, githubJobsPerMinute: 40 });
		c.advance(30 * MINUTE);
		expect(snapshot(c)).not.toEqual(sa);
	});

	it('leaves the GitLab simulation exactly as it was without them', () => {
		const w = new World({ seed: 8, gitlabRunners: 160, githubJobsPerMinute: 0 });
		const v = new World({ seed: 8, gitlabRunners: 160, githubJobsPerMinute: 200, githubRunners: 300, scaleSets: 6 });
		w.advance(HOUR);
		v.advance(HOUR);
		expect(v.gitlab.counts(v.stepTime(), v.now())).toEqual(w.gitlab.counts(w.stepTime(), w.now()));
	});
});
