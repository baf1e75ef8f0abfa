import { describe, expect, it } from 'vitest';
import { scaleSetHealth } from './arc-health';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const er = (name: string, phase: string, createdMinAgo: number, extra: Record<string, unknown> = {}) => ({
	metadata: { name, namespace: 'arc-runners', labels: { 'actions.github.com/scale-set-name': 'gh-docker' }, creationTimestamp: new Date(NOW - createdMinAgo * 60_000).toISOString() },
	status: { phase, ...extra }
});
const pod = (name: string) => ({ metadata: { name, namespace: 'arc-runners' } });
const ready = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ ready: true }] };
const controllerPod = (status: object = ready) => ({ metadata: { name: 'arc-gha-rs-controller-7d9c-abcde', namespace: 'arc-systems', labels: { 'app.kubernetes.io/name': 'gha-rs-controller' } }, status });
const listenerPod = (set: string, status: object = ready) => ({
	metadata: {
		name: `${set}-754b578d-listener`,
		namespace: 'arc-systems',
		labels: { 'actions.github.com/scale-set-name': set, 'actions.github.com/scale-set-namespace': 'arc-runners', 'app.kubernetes.io/component': 'runner-scale-set-listener' }
	},
	status
});
const CONTROL = { pods: [controllerPod(), listenerPod('gh-docker'), listenerPod('gh-nix')], namespaces: ['arc-systems'] };
const UP_LISTENER = (set: string) => ({ pod: `arc-systems/${set}-754b578d-listener`, up: true, detail: null });
const UP_CONTROLLER = { pod: 'arc-systems/arc-gha-rs-controller-7d9c-abcde', up: true, detail: null };

describe('scaleSetHealth', () => {
	const sets = [{ namespace: 'arc-runners', name: 'gh-docker' }, { namespace: 'arc-runners', name: 'gh-nix' }];

	it('names a runner whose pod is gone, and one stuck Pending', () => {
		const runners = [er('r-ok', 'Running', 30), er('r-phantom', 'Running', 30, { runnerId: 20007 }), er('r-stuck', 'Pending', 20), er('r-new', 'Pending', 0.2)];
		const [docker, nix] = scaleSetHealth('k', sets, runners, [pod('r-ok'), pod('r-stuck')], NOW, { graceS: 60, stuckS: 600 }, CONTROL);
		expect(docker!.healthy).toBe(false);
		expect(docker!.phantom_runners).toEqual([{ name: 'r-phantom', phase: 'Running', age_s: 1800, detail: 'counted by the scale set, but its pod r-phantom does not exist (GitHub runner 20007)' }]);
		expect(docker!.stuck_runners.map((r) => r.name)).toEqual(['r-stuck']);
		expect(nix).toEqual({ source: 'k', namespace: 'arc-runners', scale_set: 'gh-nix', phantom_runners: [], stuck_runners: [], listener: UP_LISTENER('gh-nix'), controller: UP_CONTROLLER, healthy: true });
	});

	it('leaves finished runners and runners just created alone', () => {
		const [docker] = scaleSetHealth('k', sets, [er('done', 'Succeeded', 30), er('starting', 'Pending', 0.5)], [], NOW, { graceS: 60, stuckS: 600 }, CONTROL);
		expect(docker!.healthy).toBe(true);
	});

	const health = (pods: object[]) => scaleSetHealth('k', sets, [], [], NOW, { graceS: 60, stuckS: 600 }, { pods: pods as never, namespaces: ['arc-systems'] });

	it('flags a scale set whose listener pod is gone, naming the set and where it was looked for', () => {
		const [docker, nix] = health([controllerPod(), listenerPod('gh-nix')]);
		expect(docker).toMatchObject({ healthy: false, listener: { pod: null, up: false, detail: 'no listener pod for scale set arc-runners/gh-docker in arc-systems' }, controller: UP_CONTROLLER });
		expect(nix).toMatchObject({ healthy: true, listener: UP_LISTENER('gh-nix') });
	});

	it('flags a crash-looping listener (Running, not ready) by its pod', () => {
		const looping = { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [{ ready: false, state: { waiting: { reason: 'CrashLoopBackOff' } } }] };
		const [docker] = health([controllerPod(), listenerPod('gh-docker', looping), listenerPod('gh-nix')]);
		expect(docker!.listener).toEqual({ pod: 'arc-systems/gh-docker-754b578d-listener', up: false, detail: 'listener pod arc-systems/gh-docker-754b578d-listener is Running, not ready (CrashLoopBackOff)' });
		expect(docker!.healthy).toBe(false);
	});

	it('flags every scale set of a cluster whose ARC controller has no serving pod', () => {
		const none = health([listenerPod('gh-docker'), listenerPod('gh-nix')]);
		expect(none.map((h) => [h.healthy, h.controller.detail])).toEqual([
			[false, 'no ARC controller pod (app.kubernetes.io/name=gha-rs-controller) in arc-systems'],
			[false, 'no ARC controller pod (app.kubernetes.io/name=gha-rs-controller) in arc-systems']
		]);
		const [pending] = health([controllerPod({ phase: 'Pending' }), listenerPod('gh-docker'), listenerPod('gh-nix')]);
		expect(pending!.controller).toEqual({ pod: 'arc-systems/arc-gha-rs-controller-7d9c-abcde', up: false, detail: 'ARC controller pod arc-systems/arc-gha-rs-controller-7d9c-abcde is Pending' });
		// A listener of a same-named set in another namespace is not this set's.
		const other = { ...listenerPod('gh-docker'), metadata: { ...listenerPod('gh-docker').metadata, labels: { ...listenerPod('gh-docker').metadata.labels, 'actions.github.com/scale-set-namespace': 'elsewhere' } } };
		expect(health([controllerPod(), other, listenerPod('gh-nix')])[0]!.listener.up).toBe(false);
	});

	it('says unknown, not down, while the controller namespaces’ pods cannot be read', () => {
		const refused = 'arc-systems/pods: 403 Forbidden';
		const [docker] = scaleSetHealth('k', sets, [], [], NOW, { graceS: 60, stuckS: 600 }, { pods: [], namespaces: ['arc-systems'], unknown: refused });
		expect(docker!.controller).toEqual({ pod: null, up: null, detail: `ARC controller unknown: the pods of the controller namespaces are not readable (${refused})` });
		expect(docker!.listener.up).toBeNull();
		expect(docker!.healthy).toBe(true);
		// Pods already seen still count: a listener seen crash-looping is down even while the watch restarts.
		const looping = { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [{ ready: false }] };
		const [seen] = scaleSetHealth('k', sets, [], [], NOW, { graceS: 60, stuckS: 600 }, { pods: [controllerPod(), listenerPod('gh-docker', looping)] as never, namespaces: ['arc-systems'], unknown: refused });
		expect([seen!.controller.up, seen!.listener.up]).toEqual([true, false]);
	});
});
