import { describe, expect, it } from 'vitest';
import { podsByRunnerType, podView, runnerTypeOf } from './pods';

const pod = (labels: Record<string, string>, status: Record<string, unknown> = {}, owner?: string) => ({
	metadata: { name: 'p', namespace: 'ns', labels, ownerReferences: owner ? [{ kind: 'ReplicaSet', name: owner }] : [] },
	spec: { nodeName: 'node-1' },
	status: { phase: 'Running', containerStatuses: [{ ready: true, restartCount: 2 }], ...status }
});

describe('runnerTypeOf', () => {
	it('prefers the ARC scale-set label, then the app name, then the ReplicaSet’s Deployment', () => {
		expect(runnerTypeOf(pod({ 'actions.github.com/scale-set-name': 'gh-docker', app: 'x' }))).toEqual({ type: 'gh-docker', stack: 'arc' });
		expect(runnerTypeOf(pod({ 'app.kubernetes.io/name': 'docker-runner' }))).toEqual({ type: 'docker-runner', stack: 'gitlab' });
		expect(runnerTypeOf(pod({}, {}, 'nix-runner-7d9f8c6b5'))).toEqual({ type: 'nix-runner', stack: 'gitlab' });
		expect(runnerTypeOf(pod({}))).toBeNull();
	});
});

describe('podView and podsByRunnerType', () => {
	it('reads readiness, restarts and the waiting reason, and sums per runner type', () => {
		const crashing = pod({ app: 'dind-runner' }, { containerStatuses: [{ ready: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff' } } }] });
		const views = [podView(pod({ app: 'dind-runner' }))!, podView(crashing)!, podView(pod({ app: 'docker-runner' }, { phase: 'Pending', containerStatuses: [] }))!];
		expect(views[1]).toMatchObject({ ready: '0/1', restarts: 5, reason: 'CrashLoopBackOff', node: 'node-1' });
		expect(podsByRunnerType(views)).toEqual([
			{ runner_type: 'dind-runner', stack: 'gitlab', pods: 2, running: 2, restarts: 7, not_ready: 1 },
			{ runner_type: 'docker-runner', stack: 'gitlab', pods: 1, running: 0, restarts: 0, not_ready: 0 }
		]);
	});
});
