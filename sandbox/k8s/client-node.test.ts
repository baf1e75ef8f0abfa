// @kubernetes/client-node (the dashboard's Kubernetes client) against the simulated
// API server: typed lists, informers (list + watch, resync after 410 Gone) and patches.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AutoscalingV2Api, CustomObjectsApi, PatchStrategy, makeInformer, setHeaderOptions, type KubernetesObject } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { createK8sMount } from './api.js';
import { ARC, GL, loadFixture } from './fixtures.js';
import { ObjectStore } from './store.js';
import { eventually, kubeConfig, startWithFixture, type TestSandbox } from './testing.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
	for (const c of cleanup.reverse()) await c();
	cleanup = [];
});

describe('@kubernetes/client-node', () => {
	it('keeps an informer’s cache in step with the store and patches through the typed clients', async () => {
		const sb: TestSandbox = await startWithFixture();
		cleanup.push(() => sb.close());
		const store = sb.world.cluster;
		const base = store.watcherCount;
		const kc = kubeConfig(`${sb.url}/k8s`);
		const hpas = kc.makeApiClient(AutoscalingV2Api);
		const informer = makeInformer<KubernetesObject>(kc, `/apis/autoscaling/v2/namespaces/${GL}/horizontalpodautoscalers`, () => hpas.listNamespacedHorizontalPodAutoscaler({ namespace: GL }) as never);
		const seen: string[] = [];
		informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
		informer.on('update', (o) => seen.push(`update ${o.metadata?.name} ${(o as any).spec.maxReplicas}`));
		informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
		await informer.start();
		cleanup.push(() => informer.stop());
		expect(seen).toContain('add fx-docker-runner-hpa');
		expect(await eventually(() => store.watcherCount === base + 1)).toBe(true);

		const patched = await hpas.patchNamespacedHorizontalPodAutoscaler(
			{ name: 'fx-docker-runner-hpa', namespace: GL, body: { spec: { maxReplicas: 11 } } },
			setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
		);
		expect(patched.spec?.maxReplicas).toBe(11);
		expect(await eventually(() => seen.includes('update fx-docker-runner-hpa 11'))).toBe(true);
		store.delete('autoscaling/v2', 'HorizontalPodAutoscaler', GL, 'fx-docker-runner-hpa');
		expect(await eventually(() => seen.includes('delete fx-docker-runner-hpa'))).toBe(true);

		const arc = kc.makeApiClient(CustomObjectsApi);
		const drained = (await arc.patchNamespacedCustomObject(
			{ group: 'actions.github.com', version: 'v1alpha1', namespace: ARC, plural: 'autoscalingrunnersets', name: 'fx-gh-docker', body: { spec: { maxRunners: 0 } } },
			setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
		)) as any;
		expect(drained.spec.maxRunners).toBe(0);

		await informer.stop();
		expect(await eventually(() => store.watcherCount === base)).toBe(true);
	});

	it('relists after a watch resumes from a version the server no longer has (410)', async () => {
		// A store with a short history, served by a bare mount so the test can drop its watches.
		const store = new ObjectStore(() => Date.parse('2026-01-01T00:00:00Z'), 'sbx', 20);
		loadFixture(store);
		const mount = createK8sMount({ store, now: () => Date.parse('2026-01-01T00:00:00Z'), serverAddress: () => 'x', log: () => {} });
		const requests: string[] = [];
		const server: Server = createServer((req, res) => {
			const u = new URL(`http://x${req.url}`);
			requests.push(`${u.searchParams.get('watch') ? 'watch' : 'list'} ${u.searchParams.get('resourceVersion') ?? ''}`);
			void mount.handle(req, res, u, u.pathname.slice('/k8s'.length));
		});
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
		cleanup.push(async () => {
			mount.close();
			server.closeAllConnections();
			await new Promise((r) => server.close(r));
		});
		const kc = kubeConfig(`http://127.0.0.1:${(server.address() as AddressInfo).port}/k8s`);
		const arc = kc.makeApiClient(CustomObjectsApi);
		const informer = makeInformer<KubernetesObject>(kc, `/apis/actions.github.com/v1alpha1/namespaces/${ARC}/autoscalingrunnersets`, () =>
			arc.listNamespacedCustomObject({ group: 'actions.github.com', version: 'v1alpha1', namespace: ARC, plural: 'autoscalingrunnersets' }) as never
		);
		const errors: unknown[] = [];
		informer.on('error', (e) => errors.push(e));
		await informer.start();
		cleanup.push(() => informer.stop());
		expect(await eventually(() => mount.watchCount === 1)).toBe(true);
		const lists = () => (informer.list(ARC) as any[]).map((o) => o.spec.maxRunners);
		expect(lists()).toEqual([10]);

		// The server drops the watch; before the client is back, more changes than the history holds.
		mount.close();
		const ars = store.get('actions.github.com/v1alpha1', 'AutoscalingRunnerSet', ARC, 'fx-gh-docker')!;
		for (let i = 0; i < 30; i++) store.upsert({ ...ars, spec: { ...ars.spec, maxRunners: 100 + i } });

		expect(await eventually(() => lists()[0] === 129, 5000)).toBe(true);
		// list, watch from its version, watch again from it (answered 410), list again, watch.
		const [list1, watch1, watch2, list2] = requests;
		expect([list1?.split(' ')[0], watch1, watch2, list2?.split(' ')[0]]).toEqual(['list', watch1, watch1, 'list']);
		expect(watch1).toMatch(/^watch \d+$/);
		expect(await eventually(() => mount.watchCount === 1)).toBe(true);
		expect(errors).toEqual([]);
	});
});
