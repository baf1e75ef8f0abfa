import { describe, expect, it } from 'vitest';
import type { KubernetesSource } from '../sync/kubernetes-source';
import { arcHealth } from './arc-health';

// A cluster whose watched objects change only when the test says so; counts the reads of its caches.
function cluster() {
	const state = { version: 0, reads: 0, listenerReady: true };
	const listener = () => ({
		metadata: { name: 'gh-nix-754b578d-listener', namespace: 'arc-systems', labels: { 'actions.github.com/scale-set-name': 'gh-nix', 'actions.github.com/scale-set-namespace': 'arc-runners', 'app.kubernetes.io/component': 'runner-scale-set-listener' } },
		status: { phase: 'Running', conditions: [{ type: 'Ready', status: state.listenerReady ? 'True' : 'False' }] }
	});
	const controller = { metadata: { name: 'arc-gha-rs-controller-1', namespace: 'arc-systems', labels: { 'app.kubernetes.io/name': 'gha-rs-controller' } }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } };
	const k = {
		name: 'k8s',
		arcControllerNamespaces: ['arc-systems'],
		version: () => state.version,
		unknown: () => null,
		scaleSets: () => [{ namespace: 'arc-runners', scale_set_name: 'gh-nix' }],
		objects: (kind: string) => {
			state.reads++;
			return kind === 'ArcControllerPod' ? [controller, listener()] : [];
		}
	} as unknown as KubernetesSource;
	return { state, app: { kubernetes: new Map([['k8s', k]]) } };
}

describe('arcHealth', () => {
	it('is built once per change of the watched objects, not per read', () => {
		const { state, app } = cluster();
		const t = 1_000_000;
		const first = arcHealth(app, t);
		expect(first[0]).toMatchObject({ scale_set: 'gh-nix', healthy: true, listener: { up: true }, controller: { up: true } });
		const reads = state.reads;
		for (let i = 0; i < 50; i++) expect(arcHealth(app, t + i * 100)).toBe(first);
		expect(state.reads).toBe(reads);

		// The listener goes down: the next read a second later sees it.
		state.listenerReady = false;
		state.version++;
		const after = arcHealth(app, t + 6_000);
		expect(after).not.toBe(first);
		expect(after[0]).toMatchObject({ healthy: false, listener: { up: false, detail: 'listener pod arc-systems/gh-nix-754b578d-listener is Running, not ready' } });
	});

	it('re-reads ages on a quiet cluster every few seconds, so a runner still turns stuck', () => {
		const { state, app } = cluster();
		const first = arcHealth(app, 0);
		const reads = state.reads;
		expect(arcHealth(app, 9_000)).toBe(first);
		expect(arcHealth(app, 11_000)).not.toBe(first);
		expect(state.reads).toBeGreaterThan(reads);
	});
});
