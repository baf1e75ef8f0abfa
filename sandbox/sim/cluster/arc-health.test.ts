// ARC's failure modes the control API injects: a listener that is gone or
// crash-looping, an EphemeralRunner whose pod vanished (a phantom runner), one held
// Pending; and the controller being down.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxWithWorld, type Sandbox } from '../../index.js';
import { HAS_KUBECTL, kubectlFor, rows, type Kubectl } from '../../k8s/testing.js';
import { control, controlOk } from '../../testing.js';
import { MINUTE } from '../clock.js';
import { World } from '../world.js';
import { listenerNameOf } from './arc.js';

const ARC = 'arc-runners';
const SYS = 'arc-systems';
const ARC_V = 'actions.github.com/v1alpha1';

const truth = (w: World, name: string) => w.kube.scaleSets().find((s) => s.name === name)!;
const runners = (w: World, set: string) => w.cluster.list(ARC_V, 'EphemeralRunner', ARC).filter((r) => r.metadata.labels?.['actions.github.com/scale-set-name'] === set);

describe('listeners', () => {
	it('are named and labelled as ARC names and labels them', () => {
		const w = new World({ seed: 1, gitlabRunners: 10 });
		// scaleSetListenerName: the namespace's FNV-32a, decimal, in the safe alphabet, 8 characters.
		expect(listenerNameOf(ARC, 'gh-nix')).toBe('gh-nix-754b578d-listener');
		const pod = w.cluster.get('v1', 'Pod', SYS, 'gh-nix-754b578d-listener')!;
		expect(pod.metadata.labels).toMatchObject({
			'actions.github.com/scale-set-name': 'gh-nix',
			'actions.github.com/scale-set-namespace': ARC,
			'actions.github.com/organization': 'sandbox-org',
			'app.kubernetes.io/component': 'runner-scale-set-listener',
			'app.kubernetes.io/part-of': 'gha-runner-scale-set',
			'app.kubernetes.io/version': '0.12.1'
		});
		expect(pod.spec).toMatchObject({ serviceAccountName: 'gh-nix-754b578d-listener', containers: [{ name: 'listener', command: ['/ghalistener'] }] });
		expect(pod.metadata.ownerReferences).toMatchObject([{ kind: 'AutoscalingListener', name: 'gh-nix-754b578d-listener' }]);
		expect(w.cluster.get(ARC_V, 'AutoscalingListener', SYS, 'gh-nix-754b578d-listener')!.metadata.labels).toEqual(pod.metadata.labels);
		const controller = w.cluster.list('v1', 'Pod', SYS).filter((p) => p.metadata.labels?.['app.kubernetes.io/name'] === 'gha-rs-controller');
		expect(controller).toHaveLength(1);
		expect(controller[0]!.status.phase).toBe('Running');
	});

	it('stopped: the pod goes and stays gone, and nobody scales the set; running again brings it back', () => {
		const w = new World({ seed: 1, gitlabRunners: 10, githubJobsPerMinute: 60 });
		const name = listenerNameOf(ARC, 'gh-docker');
		expect(w.kube.arc.setListener(ARC, 'gh-docker', 'stopped', w.now())).toBe(true);
		expect(w.cluster.get('v1', 'Pod', SYS, name)).toBeUndefined();
		const desired = w.cluster.list(ARC_V, 'EphemeralRunnerSet', ARC).find((e) => e.metadata.name.startsWith('gh-docker-'))!.spec.replicas;
		w.advance(10 * MINUTE);
		expect(w.cluster.get('v1', 'Pod', SYS, name)).toBeUndefined();
		expect(w.cluster.get(ARC_V, 'AutoscalingListener', SYS, name)).toBeDefined();
		const t = truth(w, 'gh-docker');
		expect(t.listener).toBe('stopped');
		expect(t.desired_runners).toBe(desired);
		expect(t.assigned_jobs).toBeGreaterThan(t.running_jobs);
		expect(w.cluster.list('v1', 'Event', SYS).some((e: any) => e.reason === 'Killing' && e.involvedObject.name === name)).toBe(true);

		w.kube.arc.setListener(ARC, 'gh-docker', 'running', w.now());
		w.advance(30_000);
		expect(w.cluster.get('v1', 'Pod', SYS, name)!.status.phase).toBe('Running');
		expect(truth(w, 'gh-docker').desired_runners).toBeGreaterThan(desired);
	});

	it('crash-looping: CrashLoopBackOff with restarts on the kubelet’s back-off and BackOff events', () => {
		const w = new World({ seed: 1, gitlabRunners: 10 });
		const name = listenerNameOf(ARC, 'gh-nix');
		w.kube.arc.setListener(ARC, 'gh-nix', 'crashloop', w.now());
		w.advance(10 * MINUTE);
		const pod = w.cluster.get('v1', 'Pod', SYS, name)!;
		const c = pod.status.containerStatuses[0];
		expect(pod.status.phase).toBe('Running');
		expect(c).toMatchObject({ ready: false, started: false, state: { waiting: { reason: 'CrashLoopBackOff', message: expect.stringMatching(new RegExp(`^back-off (\\d+m)?\\d+s restarting failed container=listener pod=${name}_arc-systems\\(${pod.metadata.uid}\\)$`)) } }, lastState: { terminated: { reason: 'Error', exitCode: 1 } } });
		// A crash at once, then after 10, 20, 40, 80 and 160 s of back-off: six in ten minutes.
		expect(c.restartCount).toBe(6);
		const backoff = w.cluster.list('v1', 'Event', SYS).find((e: any) => e.reason === 'BackOff' && e.involvedObject.name === name) as any;
		expect(backoff).toMatchObject({ type: 'Warning', count: 6, message: `Back-off restarting failed container listener in pod ${name}_arc-systems(${pod.metadata.uid})`, source: { component: 'kubelet', host: pod.spec.nodeName } });
		expect(truth(w, 'gh-nix').listener).toBe('crashloop');
		w.kube.arc.setListener(ARC, 'gh-nix', 'running', w.now());
		w.advance(5000);
		expect(w.cluster.get('v1', 'Pod', SYS, name)!.status.containerStatuses[0]).toMatchObject({ ready: true, restartCount: 6, state: { running: {} } });
	});
});

describe('phantom and stuck runners', () => {
	it('orphan: the EphemeralRunner stays counted, its pod and GitHub registration are gone', () => {
		const w = new World({ seed: 1, gitlabRunners: 10, githubJobsPerMinute: 0 });
		const before = runners(w, 'gh-docker');
		expect(before).toHaveLength(1);
		const r = w.kube.arc.orphan(ARC, 'gh-docker', w.now());
		expect(r).toEqual({ ephemeralRunner: before[0]!.metadata.name, pod: before[0]!.metadata.name, phase: 'Running' });
		w.advance(30 * MINUTE);
		const er = w.cluster.get(ARC_V, 'EphemeralRunner', ARC, before[0]!.metadata.name)!;
		expect(er.status).toMatchObject({ phase: 'Running', ready: true, runnerId: before[0]!.status.runnerId });
		expect(w.cluster.get('v1', 'Pod', ARC, er.metadata.name)).toBeUndefined();
		expect(w.cluster.get(ARC_V, 'AutoscalingRunnerSet', ARC, 'gh-docker')!.status.currentRunners).toBe(1);
		expect(w.github.orgRunners().some((o) => o.runner.name === er.metadata.name)).toBe(false);
		expect(truth(w, 'gh-docker')).toMatchObject({ current_runners: 1, phantom_runners: [er.metadata.name] });
		expect(w.kube.arc.orphan(ARC, 'gh-nix', w.now())).toBe('scale set gh-nix has no idle or pending runner with a pod to orphan');
		expect(w.kube.arc.orphan(ARC, 'gh-gpu', w.now())).toBe('autoscalingrunnerset arc-runners/gh-gpu not found');
		// Deleting the EphemeralRunner through the API clears it.
		w.cluster.delete(ARC_V, 'EphemeralRunner', ARC, er.metadata.name);
		w.advance(30_000);
		expect(truth(w, 'gh-docker').phantom_runners).toEqual([]);
		expect(runners(w, 'gh-docker')).toHaveLength(1);
	});

	it('freeze: a runner held Pending with ImagePullBackOff counts against the set until released', () => {
		const w = new World({ seed: 1, gitlabRunners: 10, githubJobsPerMinute: 0 });
		const r = w.kube.arc.freeze(ARC, 'gh-docker', w.now()) as { ephemeralRunner: string };
		w.advance(30 * MINUTE);
		const er = w.cluster.get(ARC_V, 'EphemeralRunner', ARC, r.ephemeralRunner)!;
		expect(er.status.phase).toBe('Pending');
		const pod = w.cluster.get('v1', 'Pod', ARC, r.ephemeralRunner)!;
		expect(pod.status.containerStatuses[0].state).toEqual({ waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "ghcr.io/actions/actions-runner:2.323.0"' } });
		const evs = w.cluster.list('v1', 'Event', ARC).filter((e: any) => e.involvedObject.name === r.ephemeralRunner) as any[];
		expect(evs.map((e) => e.reason)).toEqual(expect.arrayContaining(['Scheduled', 'Pulling', 'Failed', 'BackOff']));
		expect(evs.find((e) => e.reason === 'BackOff').count).toBeGreaterThan(3);
		// The set's one idle runner made room for it: only the stuck one is left.
		expect(truth(w, 'gh-docker')).toMatchObject({ current_runners: 1, pending: 1, running: 0, frozen_runners: [r.ephemeralRunner] });

		expect(w.kube.arc.release(ARC, 'gh-docker', w.now())).toEqual([r.ephemeralRunner]);
		w.advance(30_000);
		expect(w.cluster.get(ARC_V, 'EphemeralRunner', ARC, r.ephemeralRunner)!.status.phase).toBe('Running');
		expect(truth(w, 'gh-docker')).toMatchObject({ running: 1, frozen_runners: [] });
	});

	it('nothing in ARC moves while its controller has no running pod', () => {
		const w = new World({ seed: 1, gitlabRunners: 10, githubJobsPerMinute: 60 });
		const dep = w.cluster.get('apps/v1', 'Deployment', SYS, 'arc-gha-rs-controller')!;
		w.cluster.upsert({ ...dep, spec: { ...dep.spec, replicas: 0 } });
		w.advance(5000);
		const frozen = JSON.stringify(w.cluster.list(ARC_V, 'EphemeralRunner', ARC).map((r) => r.metadata.name));
		w.advance(10 * MINUTE);
		expect(JSON.stringify(w.cluster.list(ARC_V, 'EphemeralRunner', ARC).map((r) => r.metadata.name))).toBe(frozen);
		const d = w.cluster.get('apps/v1', 'Deployment', SYS, 'arc-gha-rs-controller')!;
		w.cluster.upsert({ ...d, spec: { ...d.spec, replicas: 1 } });
		w.advance(MINUTE);
		expect(JSON.stringify(w.cluster.list(ARC_V, 'EphemeralRunner', ARC).map((r) => r.metadata.name))).not.toBe(frozen);
	});
});

describe('through the control API', () => {
	let sb: Sandbox & { world: World };
	let k: Kubectl;
	beforeAll(async () => {
		sb = await startSandboxWithWorld({ port: 0, tickMs: 0, gitlabRunners: 10 });
		await controlOk(sb, '/load', { github_jobs_per_minute: 0 });
		k = kubectlFor(sb);
	});
	afterAll(async () => {
		await sb?.close();
		k?.cleanup();
	});

	it('stops a listener (its exporter answers 503), orphans and freezes runners, and validates', async () => {
		expect(await controlOk(sb, '/arc/listeners', { scale_set: 'gh-dind', state: 'stopped' })).toMatchObject({ name: 'gh-dind', listener: 'stopped' });
		expect((await fetch(`${sb.url}/exporters/arc-listener/arc-runners/gh-dind/metrics`)).status).toBe(503);
		await controlOk(sb, '/arc/listeners', { scale_set: 'gh-dind', state: 'crashloop' });
		await controlOk(sb, '/clock', { advance_s: 60 });
		expect((await fetch(`${sb.url}/exporters/arc-listener/arc-runners/gh-dind/metrics`)).status).toBe(503);
		await controlOk(sb, '/arc/listeners', { scale_set: 'gh-dind', state: 'running' });

		const orphan = await controlOk(sb, '/arc/orphan', { scale_set: 'gh-docker' });
		expect(orphan).toMatchObject({ scale_set: 'gh-docker', namespace: ARC, ephemeral_runner: expect.stringMatching(/^gh-docker-\w{5}-runner-\w{5}$/), phase: 'Running' });
		const state = await (await fetch(`${sb.url}/_sandbox/state`)).json();
		expect(state.arc.scale_sets.find((s: any) => s.name === 'gh-docker')).toMatchObject({ phantom_runners: [orphan.ephemeral_runner] });
		const frozen = await controlOk(sb, '/arc/freeze', { scale_set: 'gh-nix' });
		expect(frozen).toMatchObject({ scale_set: 'gh-nix', phase: 'Pending' });
		expect(await controlOk(sb, '/arc/freeze', { scale_set: 'gh-nix', release: true })).toEqual({ scale_set: 'gh-nix', namespace: ARC, released: [frozen.ephemeral_runner] });

		const bad = await control(sb, '/arc/listeners', { scale_set: 'gh-dind', state: 'paused' });
		expect([bad.status, (await bad.json()).error]).toEqual([400, 'state must be running, stopped or crashloop']);
		const missing = await control(sb, '/arc/orphan', { scale_set: 'gh-gpu' });
		expect([missing.status, (await missing.json()).error]).toEqual([404, 'autoscalingrunnerset arc-runners/gh-gpu not found']);
		const none = await control(sb, '/arc/orphan', { scale_set: 'gh-dind' });
		expect([none.status, (await none.json()).error]).toEqual([409, 'scale set gh-dind has no idle or pending runner with a pod to orphan']);
	});

	it.skipIf(!HAS_KUBECTL)('shows it all to kubectl get pods -n arc-systems', async () => {
		await controlOk(sb, '/arc/listeners', { scale_set: 'gh-nix', state: 'crashloop' });
		await controlOk(sb, '/arc/listeners', { scale_set: 'gh-dind', state: 'stopped' });
		await controlOk(sb, '/clock', { advance_s: 120 });
		const table = rows(await k.ok(['get', 'pods', '-n', SYS]));
		expect(table[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
		expect(table.find((r) => r[0] === listenerNameOf(ARC, 'gh-nix'))!.slice(1, 3)).toEqual(['0/1', 'CrashLoopBackOff']);
		expect(table.find((r) => r[0] === listenerNameOf(ARC, 'gh-docker'))!.slice(1, 3)).toEqual(['1/1', 'Running']);
		expect(table.some((r) => r[0] === listenerNameOf(ARC, 'gh-dind'))).toBe(false);
		expect(table.some((r) => r[0]!.startsWith('arc-gha-rs-controller-') && r[2] === 'Running')).toBe(true);
		const nodes = rows(await k.ok(['get', 'nodes']));
		expect(nodes[0]).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
		expect(nodes).toContainEqual(['sbx-system-pool-1', 'Ready', '<none>', expect.any(String), 'v1.31.0']);
	});
});
