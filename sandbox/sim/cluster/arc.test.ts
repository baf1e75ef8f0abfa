import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../clock.js';
import { World } from '../world.js';

const ARC = 'actions.github.com/v1alpha1';
const NS = 'arc-runners';

const set = (w: World, name: string) => w.kube.scaleSets().find((s) => s.name === name)!;
const runners = (w: World, name: string) => w.cluster.list(ARC, 'EphemeralRunner', NS).filter((r) => r.metadata.labels?.['actions.github.com/scale-set-name'] === name);
const runnerPods = (w: World, name: string) => w.cluster.list('v1', 'Pod', NS).filter((p) => p.metadata.labels?.['actions.github.com/scale-set-name'] === name);
const ars = (w: World, name: string) => w.cluster.get(ARC, 'AutoscalingRunnerSet', NS, name)!;

function setMax(w: World, name: string, maxRunners: number) {
	const o = ars(w, name);
	// What `kubectl patch autoscalingrunnerset ... --type=merge -p '{"spec":{"maxRunners":0}}'` does to the store.
	w.cluster.upsert({ ...o, spec: { ...o.spec, maxRunners } });
}

describe('ARC scale sets', () => {
	it('are installed with their controller, listeners and EphemeralRunnerSets', () => {
		const w = new World({ seed: 1, gitlabRunners: 160 });
		expect(w.cluster.list(ARC, 'AutoscalingRunnerSet', NS).map((a) => [a.metadata.name, a.spec.minRunners, a.spec.maxRunners])).toEqual([
			['gh-dind', 0, 5],
			['gh-docker', 1, 20],
			['gh-nix', 0, 10]
		]);
		const a = ars(w, 'gh-nix');
		expect(a.spec).toMatchObject({ githubConfigUrl: 'https://github.example.com/sandbox-org', githubConfigSecret: 'arc-github-secret', runnerGroup: 'arc-runners', runnerScaleSetName: 'gh-nix' });
		expect(a.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '4', memory: '8Gi' } });
		expect(a.status).toEqual({ currentRunners: 0, phase: 'Running', pendingEphemeralRunners: 0, runningEphemeralRunners: 0, failedEphemeralRunners: 0 });
		expect(a.metadata.annotations?.['runner-scale-set-id']).toMatch(/^\d+$/);
		const system = w.cluster.list('v1', 'Pod', 'arc-systems').map((p) => p.metadata.name);
		expect(system.filter((n) => n.startsWith('arc-gha-rs-controller-'))).toHaveLength(1);
		expect(system.filter((n) => /^gh-(nix|docker|dind)-[0-9a-f]{8}-listener$/.test(n))).toHaveLength(3);
		expect(w.cluster.list(ARC, 'EphemeralRunnerSet', NS)).toHaveLength(3);
		// gh-docker keeps one idle runner, registered with GitHub.
		const [r] = runners(w, 'gh-docker');
		expect(r!.status).toMatchObject({ phase: 'Running', ready: true, runnerName: r!.metadata.name, runnerId: expect.any(Number) });
		expect(w.github.ephemeralRunner(r!.status.runnerId)?.name).toBe(r!.metadata.name);
		expect(runnerPods(w, 'gh-docker').map((p) => p.metadata.name)).toEqual([r!.metadata.name]);
	});

	it('scale up one runner per job up to maxRunners, run jobs on them, and scale back to minRunners (zero for some)', () => {
		const w = new World({ seed: 2, gitlabRunners: 160, jobsPerMinute: 0, githubJobsPerMinute: 0 });
		w.githubJobsPerMinute = 40;
		let sawBusy = false;
		for (let i = 0; i < 20; i++) {
			w.advance(30_000);
			for (const s of w.kube.scaleSets()) {
				expect(s.current_runners - s.failed).toBeLessThanOrEqual(s.max_runners ?? Infinity);
				expect(s.running_jobs).toBeLessThanOrEqual(s.assigned_jobs);
			}
			for (const r of runners(w, 'gh-nix')) {
				if (r.status.jobRequestId === undefined) continue;
				sawBusy = true;
				expect(r.status).toMatchObject({
					phase: 'Running',
					jobId: expect.stringMatching(/^\d+$/),
					jobRepositoryName: expect.stringMatching(/^sandbox-org\//),
					jobWorkflowRef: expect.stringMatching(/^sandbox-org\/[\w-]+\/\.github\/workflows\/[\w-]+\.yml@refs\/heads\//),
					workflowRunId: expect.any(Number),
					jobDisplayName: expect.any(String)
				});
			}
		}
		expect(sawBusy).toBe(true);
		const nix = set(w, 'gh-nix');
		expect(nix.current_runners).toBeGreaterThan(0);
		expect(nix.running_jobs).toBeGreaterThan(0);
		expect(runnerPods(w, 'gh-nix')).toHaveLength(nix.current_runners);
		expect(ars(w, 'gh-nix').status).toMatchObject({ currentRunners: nix.current_runners, pendingEphemeralRunners: nix.pending, runningEphemeralRunners: nix.running });
		// Registered runners are exactly the GitHub ephemeral runners.
		const registered = w.cluster.list(ARC, 'EphemeralRunner', NS).filter((r) => r.status.runnerId !== undefined);
		expect(w.github.counts().runners.ephemeral).toBe(registered.length);
		const ers = w.cluster.list(ARC, 'EphemeralRunnerSet', NS).find((e) => e.metadata.labels?.['actions.github.com/scale-set-name'] === 'gh-nix')!;
		expect(ers.spec.replicas).toBe(nix.desired_runners);

		w.githubJobsPerMinute = 0;
		w.advance(2 * HOUR);
		expect(w.kube.scaleSets().map((s) => [s.name, s.current_runners, s.assigned_jobs])).toEqual([
			['gh-dind', 0, 0],
			['gh-docker', 1, 0],
			['gh-nix', 0, 0]
		]);
		expect(runnerPods(w, 'gh-nix')).toHaveLength(0);
		expect(w.github.counts().runners.ephemeral).toBe(1);
	});

	it('drain through maxRunners 0 in the store: no new runners, running jobs finish, assigned jobs stay; restoring resumes', () => {
		const w = new World({ seed: 3, gitlabRunners: 160, jobsPerMinute: 0, githubJobsPerMinute: 400 });
		w.advance(10 * MINUTE);
		const before = set(w, 'gh-nix');
		expect(before.current_runners).toBe(10);
		expect(before.assigned_jobs).toBeGreaterThan(before.running_jobs);

		setMax(w, 'gh-nix', 0);
		const seen = new Set(runners(w, 'gh-nix').map((r) => r.metadata.name));
		for (let i = 0; i < 120; i++) {
			w.advance(30_000);
			for (const r of runners(w, 'gh-nix')) expect(seen.has(r.metadata.name)).toBe(true);
		}
		const drained = set(w, 'gh-nix');
		expect(drained).toMatchObject({ max_runners: 0, current_runners: 0, running_jobs: 0, desired_runners: 0 });
		expect(drained.assigned_jobs).toBeGreaterThan(0);
		expect(runnerPods(w, 'gh-nix')).toHaveLength(0);
		expect(ars(w, 'gh-nix').spec.maxRunners).toBe(0); // spec is never written back
		// Other scale sets keep working.
		expect(set(w, 'gh-docker').running_jobs).toBeGreaterThan(0);

		setMax(w, 'gh-nix', 10);
		w.advance(2 * MINUTE);
		const resumed = set(w, 'gh-nix');
		expect(resumed.current_runners).toBe(10);
		expect(resumed.running_jobs).toBeGreaterThan(0);
	});

	it('adopts scale sets created in the store and tears down deleted ones', () => {
		const w = new World({ seed: 4, gitlabRunners: 160, githubJobsPerMinute: 60 });
		w.kube.setScaleSets(5, w.now());
		w.advance(10 * MINUTE);
		expect(w.kube.scaleSets().map((s) => s.name)).toEqual(['gh-dind', 'gh-docker', 'gh-extra-1', 'gh-extra-2', 'gh-nix']);
		expect(set(w, 'gh-extra-1').current_runners + set(w, 'gh-extra-2').current_runners).toBeGreaterThan(0);
		expect(w.github.scaleSetNames().sort()).toEqual(['gh-dind', 'gh-docker', 'gh-extra-1', 'gh-extra-2', 'gh-nix']);

		w.kube.setScaleSets(2, w.now());
		w.advance(5000);
		expect(w.kube.scaleSets().map((s) => s.name)).toEqual(['gh-docker', 'gh-nix']);
		for (const gone of ['gh-dind', 'gh-extra-1', 'gh-extra-2']) {
			expect(runners(w, gone)).toHaveLength(0);
			expect(runnerPods(w, gone)).toHaveLength(0);
			expect(w.cluster.list('v1', 'Pod', 'arc-systems').some((p) => p.metadata.name.startsWith(`${gone}-`))).toBe(false);
		}
		expect(w.github.scaleSetNames().sort()).toEqual(['gh-docker', 'gh-nix']);
		expect(w.github.orgRunners().every((r) => r.kind === 'plain' || ['gh-docker', 'gh-nix'].includes(r.runner.scaleSet))).toBe(true);
	});

	it('replaces a runner whose EphemeralRunner is deleted through the API; its job fails', () => {
		const w = new World({ seed: 5, gitlabRunners: 160, githubJobsPerMinute: 60 });
		w.advance(5 * MINUTE);
		const busy = runners(w, 'gh-docker').find((r) => r.status.jobRequestId !== undefined)!;
		const failures = w.github.counts().jobs.failure;
		w.cluster.delete(ARC, 'EphemeralRunner', NS, busy.metadata.name);
		w.advance(5000);
		expect(w.cluster.get('v1', 'Pod', NS, busy.metadata.name)).toBeUndefined();
		expect(w.github.ephemeralRunner(busy.status.runnerId)).toBeUndefined();
		expect(w.github.counts().jobs.failure).toBeGreaterThan(failures);
	});
});
