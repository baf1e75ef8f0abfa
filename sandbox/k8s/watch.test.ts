import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { control } from '../testing.js';
import { createK8sMount } from './api.js';
import { GL, loadFixture } from './fixtures.js';
import { ObjectStore, type K8sObject } from './store.js';
import { TABLE_ACCEPT, eventually, k8s, openWatch, startWithFixture, type TestSandbox } from './testing.js';

let sb: TestSandbox;
beforeEach(async () => {
	sb = await startWithFixture();
});
afterEach(async () => {
	await sb.close();
});

const HPAS = `/apis/autoscaling/v2/namespaces/${GL}/horizontalpodautoscalers`;
const withMax = (o: K8sObject, maxReplicas: number) => ({ ...o, spec: { ...o.spec, maxReplicas } });

describe('watch', () => {
	it('replays every change after the list’s resourceVersion, in order, then streams live ones', async () => {
		const store = sb.world.cluster;
		const rv = (await k8s(sb, HPAS)).body.metadata.resourceVersion;
		store.upsert(withMax(sb.fx.hpa, 9));
		const extra = store.upsert({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'fx-extra-hpa', namespace: GL }, spec: { maxReplicas: 3, scaleTargetRef: { kind: 'Deployment', name: 'x' } } });
		store.upsert({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unrelated', namespace: GL }, data: {} });
		store.delete('autoscaling/v2', 'HorizontalPodAutoscaler', GL, 'fx-extra-hpa');
		const w = await openWatch(sb, `${HPAS}?watch=1&resourceVersion=${rv}`);
		expect(w.status).toBe(200);
		const replay = await w.next(3);
		expect(replay.map((e) => [e.type, e.object.metadata.name])).toEqual([
			['MODIFIED', 'fx-docker-runner-hpa'],
			['ADDED', 'fx-extra-hpa'],
			['DELETED', 'fx-extra-hpa']
		]);
		expect(replay[0].object.spec.maxReplicas).toBe(9);
		expect(Number(replay[2].object.metadata.resourceVersion)).toBeGreaterThan(Number(extra.metadata.resourceVersion));
		const live = store.upsert(withMax(store.get('autoscaling/v2', 'HorizontalPodAutoscaler', GL, 'fx-docker-runner-hpa')!, 11));
		const [ev] = await w.next();
		expect(ev).toMatchObject({ type: 'MODIFIED', object: { spec: { maxReplicas: 11 }, metadata: { resourceVersion: live.metadata.resourceVersion } } });
		w.abort();
	});

	it('starts with the current objects as ADDED when no resourceVersion is given', async () => {
		const w = await openWatch(sb, `/apis/actions.github.com/v1alpha1/ephemeralrunners?watch=true&labelSelector=actions.github.com%2Fscale-set-name%3Dfx-gh-docker`);
		const events = await w.next(2);
		expect(events.map((e) => e.type)).toEqual(['ADDED', 'ADDED']);
		expect(events.map((e) => e.object.metadata.name)).toEqual(sb.fx.runners.map((r) => r.metadata.name));
		w.abort();
	});

	it('applies selectors to old and new object: leaving is DELETED, entering is ADDED', async () => {
		const store = sb.world.cluster;
		const pod = sb.fx.pods[0]!;
		const w = await openWatch(sb, `/api/v1/namespaces/${GL}/pods?watch=1&resourceVersion=${store.resourceVersion}&labelSelector=tier%3Dci`);
		store.upsert({ ...pod, metadata: { ...pod.metadata, labels: { ...pod.metadata.labels, tier: 'ci' } } });
		store.upsert({ ...pod, metadata: { ...pod.metadata, labels: { ...pod.metadata.labels, tier: 'ci', touched: 'yes' } } });
		const left = store.upsert({ ...pod, metadata: { ...pod.metadata, labels: { ...pod.metadata.labels, tier: 'cd' } } });
		const events = await w.next(3);
		expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
		// DELETED carries the last matching state at the version of the change.
		expect(events[2].object.metadata.labels.tier).toBe('ci');
		expect(events[2].object.metadata.resourceVersion).toBe(left.metadata.resourceVersion);
		w.abort();
	});

	it('sends 410 Expired as an ERROR event for a version older than the history', async () => {
		const store = sb.world.cluster;
		const old = Number(store.resourceVersion);
		for (let i = 0; i < 5002; i++) store.upsert({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'churn', namespace: GL }, data: { i: String(i) } });
		const w = await openWatch(sb, `/api/v1/configmaps?watch=1&resourceVersion=${old}`);
		expect(w.status).toBe(200);
		const [ev] = await w.next();
		expect(ev.type).toBe('ERROR');
		expect(ev.object).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 });
		expect(ev.object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
		expect(await w.ended()).toBe(true);
		// A version inside the history still resumes.
		const recent = Number(store.resourceVersion) - 10;
		const ok = await openWatch(sb, `/api/v1/namespaces/${GL}/configmaps?watch=1&resourceVersion=${recent}&fieldSelector=metadata.name%3Dchurn`);
		expect((await ok.next(10)).every((e) => e.type === 'MODIFIED')).toBe(true);
		ok.abort();
		expect((await k8s(sb, '/api/v1/pods?watch=1&resourceVersion=abc')).body).toMatchObject({ code: 400, reason: 'BadRequest' });
	});

	it('streams Tables to kubectl get -w: column definitions only in the first event', async () => {
		const store = sb.world.cluster;
		const w = await openWatch(sb, `${HPAS}?watch=true&resourceVersion=${store.resourceVersion}`, { Accept: TABLE_ACCEPT });
		store.upsert(withMax(sb.fx.hpa, 9));
		store.upsert(withMax(sb.fx.hpa, 10));
		const [a, b] = await w.next(2);
		expect(a.object).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
		expect(a.object.columnDefinitions.map((c: any) => c.name)).toContain('MaxPods');
		expect(a.object.rows[0].cells.slice(0, 5)).toEqual(['fx-docker-runner-hpa', 'Deployment/fx-docker-runner', 'cpu: 45%/70%', '1', 9]);
		expect(b.object.columnDefinitions).toEqual([]);
		expect(b.object.rows[0].cells[4]).toBe(10);
		w.abort();
	});

	it('watches a single object by name', async () => {
		const store = sb.world.cluster;
		const w = await openWatch(sb, `${HPAS}/fx-docker-runner-hpa?watch=true&resourceVersion=${store.resourceVersion}`);
		store.upsert({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'other', namespace: GL }, spec: { maxReplicas: 2 } });
		store.upsert(withMax(sb.fx.hpa, 4));
		const [ev] = await w.next();
		expect([ev.type, ev.object.metadata.name, ev.object.spec.maxReplicas]).toEqual(['MODIFIED', 'fx-docker-runner-hpa', 4]);
		w.abort();
	});
});

describe('watch lifetime', () => {
	it('unsubscribes from the store when the client disconnects', async () => {
		const store = sb.world.cluster;
		const base = store.watcherCount;
		const watches = await Promise.all([1, 2, 3].map(() => openWatch(sb, `/api/v1/pods?watch=1&resourceVersion=${store.resourceVersion}`)));
		expect(store.watcherCount).toBe(base + 3);
		for (const w of watches) w.abort();
		expect(await eventually(() => store.watcherCount === base)).toBe(true);
	});

	it('ends the stream after timeoutSeconds', async () => {
		const store = sb.world.cluster;
		const base = store.watcherCount;
		const w = await openWatch(sb, `/api/v1/pods?watch=1&timeoutSeconds=1&resourceVersion=${store.resourceVersion}`);
		expect(await w.ended(3000)).toBe(true);
		expect(await eventually(() => store.watcherCount === base)).toBe(true);
	});

	it('cuts open streams when a k8s fault is set, and new watches meet the fault', async () => {
		const store = sb.world.cluster;
		const base = store.watcherCount;
		const w = await openWatch(sb, `/api/v1/pods?watch=1&resourceVersion=${store.resourceVersion}`);
		await control(sb, '/faults', { target: 'k8s', mode: 'error' });
		expect(await w.ended()).toBe(true);
		expect(store.watcherCount).toBe(base);
		expect((await k8s(sb, '/api/v1/pods?watch=1')).status).toBe(500);
		await control(sb, '/faults', { target: 'k8s', mode: 'none' });
		const v = await openWatch(sb, `/api/v1/pods?watch=1&resourceVersion=${store.resourceVersion}`);
		await control(sb, '/faults', { target: 'k8s', mode: 'refuse' });
		expect(await v.ended()).toBe(true);
		expect(await eventually(() => store.watcherCount === base)).toBe(true);
	});

	it('ends every stream when the sandbox closes', async () => {
		const store = sb.world.cluster;
		const base = store.watcherCount;
		const w = await openWatch(sb, `/api/v1/pods?watch=1&resourceVersion=${store.resourceVersion}`);
		const v = await openWatch(sb, `/apis/actions.github.com/v1alpha1/autoscalingrunnersets?watch=1`);
		await v.next();
		await sb.close();
		expect(store.watcherCount).toBe(base);
		expect(await w.ended()).toBe(true);
		expect(await v.ended()).toBe(true);
	});
});

describe('bookmarks', () => {
	let server: Server;
	let url: string;
	let store: ObjectStore;
	let mount: ReturnType<typeof createK8sMount>;
	beforeEach(async () => {
		store = new ObjectStore(() => Date.parse('2026-01-01T00:00:00Z'));
		loadFixture(store);
		mount = createK8sMount({ store, now: () => Date.now(), serverAddress: () => 'x', log: () => {}, bookmarkMs: 30 });
		server = createServer((req, res) => {
			const u = new URL(`http://x${req.url}`);
			void mount.handle(req, res, u, u.pathname.slice('/k8s'.length));
		});
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
		url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	afterEach(async () => {
		mount.close();
		server.closeAllConnections();
		await new Promise((r) => server.close(r));
	});

	it('sends BOOKMARK events at the current resourceVersion when allowed', async () => {
		const w = await openWatch({ url, port: 0, close: async () => {} }, `/api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion=${store.resourceVersion}`);
		const [bm] = await w.next();
		expect(bm).toEqual({ type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: store.resourceVersion } } });
		w.abort();
		expect(await eventually(() => mount.watchCount === 0)).toBe(true);
	});

	it('ends the initial events of sendInitialEvents with an annotated BOOKMARK', async () => {
		const w = await openWatch({ url, port: 0, close: async () => {} }, `/api/v1/namespaces/${GL}/pods?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`);
		const events = await w.next(3);
		expect(events.map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'BOOKMARK']);
		expect(events[2].object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
		w.abort();
	});
});
