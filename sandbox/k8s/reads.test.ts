import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { control } from '../testing.js';
import { ARC, GL } from './fixtures.js';
import { TABLE_ACCEPT, k8s, startWithFixture, type TestSandbox } from './testing.js';

let sb: TestSandbox;
beforeEach(async () => {
	sb = await startWithFixture();
});
afterEach(async () => {
	await sb.close();
});

const KUBECTL_DISCOVERY_ACCEPT =
	'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

describe('discovery', () => {
	it('serves the legacy documents', async () => {
		const api = await k8s(sb, '/api');
		expect(api.body).toMatchObject({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ serverAddress: `127.0.0.1:${sb.port}` }] });
		const apis = (await k8s(sb, '/apis')).body;
		expect(apis.kind).toBe('APIGroupList');
		expect(apis.groups.map((g: any) => g.preferredVersion.groupVersion)).toEqual([
			'apps/v1',
			'events.k8s.io/v1',
			'authentication.k8s.io/v1',
			'authorization.k8s.io/v1',
			'autoscaling/v2',
			'coordination.k8s.io/v1',
			'actions.github.com/v1alpha1'
		]);
		const core = (await k8s(sb, '/api/v1')).body;
		expect(core).toMatchObject({ kind: 'APIResourceList', groupVersion: 'v1' });
		const byName = Object.fromEntries(core.resources.map((r: any) => [r.name, r]));
		expect(byName.pods).toMatchObject({ singularName: 'pod', namespaced: true, kind: 'Pod', shortNames: ['po'], verbs: expect.arrayContaining(['get', 'list', 'watch', 'patch']) });
		expect(byName.namespaces).toMatchObject({ namespaced: false, kind: 'Namespace', shortNames: ['ns'] });
		expect(byName.configmaps.shortNames).toEqual(['cm']);
		expect(byName.events.shortNames).toEqual(['ev']);
		expect(byName['pods/status']).toMatchObject({ kind: 'Pod', verbs: ['get', 'patch', 'update'] });
		const apps = (await k8s(sb, '/apis/apps/v1')).body;
		expect(apps.resources.find((r: any) => r.name === 'deployments')).toMatchObject({ kind: 'Deployment', shortNames: ['deploy'] });
		const hpa = (await k8s(sb, '/apis/autoscaling/v2')).body;
		expect(hpa.resources.find((r: any) => r.name === 'horizontalpodautoscalers')).toMatchObject({ kind: 'HorizontalPodAutoscaler', shortNames: ['hpa'] });
		const arc = (await k8s(sb, '/apis/actions.github.com/v1alpha1')).body;
		expect(arc.resources.filter((r: any) => !r.name.includes('/')).map((r: any) => [r.name, r.kind])).toEqual([
			['autoscalingrunnersets', 'AutoscalingRunnerSet'],
			['ephemeralrunnersets', 'EphemeralRunnerSet'],
			['ephemeralrunners', 'EphemeralRunner']
		]);
		expect((await k8s(sb, '/apis/coordination.k8s.io')).body).toMatchObject({ kind: 'APIGroup', name: 'coordination.k8s.io', preferredVersion: { version: 'v1' } });
		expect((await k8s(sb, '/version')).body).toMatchObject({ major: '1', minor: '31', gitVersion: 'v1.31.0' });
		expect((await k8s(sb, '/healthz')).body).toBe('ok');
	});

	it('answers kubectl’s aggregated discovery request with apidiscovery.k8s.io/v2', async () => {
		const res = await k8s(sb, '/apis', { headers: { Accept: KUBECTL_DISCOVERY_ACCEPT } });
		expect(res.headers.get('content-type')).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
		expect(res.body.kind).toBe('APIGroupDiscoveryList');
		const arc = res.body.items.find((g: any) => g.metadata.name === 'actions.github.com');
		expect(arc.versions[0].resources[0]).toMatchObject({
			resource: 'autoscalingrunnersets',
			responseKind: { group: 'actions.github.com', version: 'v1alpha1', kind: 'AutoscalingRunnerSet' },
			scope: 'Namespaced',
			subresources: [{ subresource: 'status' }]
		});
		const core = (await k8s(sb, '/api', { headers: { Accept: KUBECTL_DISCOVERY_ACCEPT } })).body;
		expect(core.items[0].versions[0].resources.map((r: any) => r.resource)).toEqual(['namespaces', 'pods', 'configmaps', 'events', 'nodes', 'services']);
	});

	it('answers unknown paths and methods with Status objects', async () => {
		for (const path of ['/apis/batch/v1', '/apis/nope', '/api/v1/secrets', '/api/v1/pods/x', '/api/v2', '/openapi/v2']) {
			const res = await k8s(sb, path);
			expect(res.status, path).toBe(404);
			expect(res.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
		}
		expect((await k8s(sb, '/api', { method: 'POST' })).body).toMatchObject({ reason: 'MethodNotAllowed', code: 405 });
		expect((await k8s(sb, '/api/v1/pods', { method: 'PUT' })).status).toBe(405);
	});
});

describe('list and get', () => {
	it('lists cluster-wide and per namespace with the store’s resourceVersion', async () => {
		const all = (await k8s(sb, '/api/v1/pods')).body;
		expect(all).toMatchObject({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: sb.world.cluster.resourceVersion } });
		expect(all.items.map((p: any) => p.metadata.name)).toEqual(expect.arrayContaining(sb.fx.pods.map((p) => p.metadata.name)));
		const ns = (await k8s(sb, `/apis/apps/v1/namespaces/${GL}/deployments`)).body;
		expect(ns.kind).toBe('DeploymentList');
		expect(ns.items.every((d: any) => d.metadata.namespace === GL)).toBe(true);
		expect((await k8s(sb, '/apis/apps/v1/namespaces/elsewhere/deployments')).body.items).toEqual([]);
		const ars = (await k8s(sb, `/apis/actions.github.com/v1alpha1/namespaces/${ARC}/autoscalingrunnersets`)).body;
		expect(ars).toMatchObject({ kind: 'AutoscalingRunnerSetList', apiVersion: 'actions.github.com/v1alpha1' });
		expect(ars.items.map((a: any) => a.metadata.name)).toContain('fx-gh-docker');
	});

	it('gets one object, namespaced or cluster-scoped, and 404s like the API server', async () => {
		const hpa = (await k8s(sb, `/apis/autoscaling/v2/namespaces/${GL}/horizontalpodautoscalers/fx-docker-runner-hpa`)).body;
		expect(hpa).toMatchObject({ kind: 'HorizontalPodAutoscaler', metadata: { uid: sb.fx.hpa.metadata.uid, resourceVersion: sb.fx.hpa.metadata.resourceVersion } });
		expect((await k8s(sb, `/api/v1/namespaces/${GL}`)).body).toMatchObject({ kind: 'Namespace', status: { phase: 'Active' } });
		expect((await k8s(sb, `/apis/autoscaling/v2/namespaces/${GL}/horizontalpodautoscalers/fx-docker-runner-hpa/status`)).body.status.currentReplicas).toBe(2);
		const missing = await k8s(sb, `/apis/autoscaling/v2/namespaces/${GL}/horizontalpodautoscalers/nope`);
		expect(missing.status).toBe(404);
		expect(missing.body).toEqual({
			kind: 'Status',
			apiVersion: 'v1',
			metadata: {},
			status: 'Failure',
			message: 'horizontalpodautoscalers.autoscaling "nope" not found',
			reason: 'NotFound',
			details: { name: 'nope', group: 'autoscaling', kind: 'horizontalpodautoscalers' },
			code: 404
		});
		expect((await k8s(sb, `/api/v1/namespaces/${GL}/pods/nope`)).body.message).toBe('pods "nope" not found');
	});

	it('filters with label selectors', async () => {
		const names = async (sel: string) => (await k8s(sb, `/api/v1/namespaces/${GL}/pods?labelSelector=${encodeURIComponent(sel)}`)).body.items.map((p: any) => p.metadata.name);
		const both = sb.fx.pods.map((p) => p.metadata.name);
		expect(await names('app=fx-docker-runner')).toEqual(both);
		expect(await names('app in (x,fx-docker-runner),pod-template-hash')).toEqual(both);
		expect(await names('app!=fx-docker-runner')).not.toContain(both[0]);
		expect(await names('!pod-template-hash')).not.toContain(both[0]);
		expect(await names('app notin (fx-docker-runner)')).not.toContain(both[0]);
		const bad = await k8s(sb, '/api/v1/pods?labelSelector=a%20b');
		expect(bad.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
	});

	it('filters with field selectors, including the events describe asks for', async () => {
		const pod = sb.fx.pods[0]!;
		const byName = (await k8s(sb, `/api/v1/pods?fieldSelector=metadata.name%3D${pod.metadata.name}`)).body.items;
		expect(byName.map((p: any) => p.metadata.name)).toEqual([pod.metadata.name]);
		const running = (await k8s(sb, `/api/v1/namespaces/${GL}/pods?fieldSelector=status.phase%3DRunning&labelSelector=app%3Dfx-docker-runner`)).body.items;
		expect(running.map((p: any) => p.metadata.name)).toEqual([pod.metadata.name]);
		const inArc = (await k8s(sb, `/api/v1/pods?fieldSelector=metadata.namespace%3D${ARC}`)).body.items;
		expect(inArc.every((p: any) => p.metadata.namespace === ARC)).toBe(true);
		expect((await k8s(sb, `/api/v1/pods?fieldSelector=metadata.namespace!%3D${GL}`)).body.items.some((p: any) => p.metadata.namespace === GL)).toBe(false);
		const sel = `involvedObject.name=${pod.metadata.name},involvedObject.namespace=${GL},involvedObject.uid=${pod.metadata.uid}`;
		const events = (await k8s(sb, `/api/v1/namespaces/${GL}/events?fieldSelector=${encodeURIComponent(sel)}&limit=500`)).body.items;
		expect(events.map((e: any) => e.reason)).toEqual(['Started']);
		const bad = await k8s(sb, '/api/v1/pods?fieldSelector=spec.foo%3D1');
		expect(bad.body).toMatchObject({ reason: 'BadRequest', message: 'field label not supported: spec.foo' });
	});

	it('pages with limit and continue, covering every item once', async () => {
		for (let i = 0; i < 7; i++) sb.world.cluster.upsert({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `page-${i}`, namespace: 'paging' }, data: {} });
		const seen: string[] = [];
		let token = '';
		let firstRv = '';
		for (let guard = 0; guard < 10; guard++) {
			const page = (await k8s(sb, `/api/v1/namespaces/paging/configmaps?limit=3${token ? `&continue=${token}` : ''}`)).body;
			firstRv ||= page.metadata.resourceVersion;
			expect(page.metadata.resourceVersion).toBe(firstRv);
			seen.push(...page.items.map((c: any) => c.metadata.name));
			if (!page.metadata.continue) break;
			expect(page.metadata.remainingItemCount).toBe(7 - seen.length);
			token = page.metadata.continue;
		}
		expect(seen).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6']);
		expect((await k8s(sb, '/api/v1/configmaps?continue=garbage')).body).toMatchObject({ code: 400, reason: 'BadRequest' });
		expect((await k8s(sb, '/api/v1/configmaps?limit=-1')).status).toBe(400);
	});
});

describe('server-side printing', () => {
	it('answers kubectl’s Table request with columns, cells and partial object metadata', async () => {
		const res = (await k8s(sb, `/api/v1/namespaces/${GL}/pods?limit=500`, { headers: { Accept: TABLE_ACCEPT } })).body;
		expect(res).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: sb.world.cluster.resourceVersion } });
		expect(res.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
		expect(res.columnDefinitions.filter((c: any) => c.priority === 1).map((c: any) => c.name)).toEqual(['IP', 'Node', 'Nominated Node', 'Readiness Gates']);
		const byName = Object.fromEntries(res.rows.map((r: any) => [r.cells[0], r]));
		expect(byName['fx-docker-runner-7c9d8f6b5d-abcde'].cells).toEqual(['fx-docker-runner-7c9d8f6b5d-abcde', '1/1', 'Running', '3', '0s', '10.42.0.17', 'node-a', '<none>', '<none>']);
		expect(byName['fx-docker-runner-7c9d8f6b5d-fghij'].cells.slice(1, 3)).toEqual(['0/1', 'ContainerCreating']);
		expect(byName['fx-docker-runner-7c9d8f6b5d-abcde'].object).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { namespace: GL, labels: { app: 'fx-docker-runner' } } });
		const full = (await k8s(sb, `/api/v1/namespaces/${GL}/pods?includeObject=Object`, { headers: { Accept: TABLE_ACCEPT } })).body;
		expect(full.rows[0].object.kind).toBe('Pod');
	});

	it('prints ages on the simulated clock', async () => {
		// Created 3h20m before the simulated now (real now is far from the simulation's origin).
		const created = new Date(sb.world.now() - (3 * 60 + 20) * 60_000).toISOString();
		const cm = sb.world.cluster.upsert({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fx-aged', namespace: GL, creationTimestamp: created }, data: { a: '1', b: '2' } });
		const t = (await k8s(sb, `/api/v1/namespaces/${GL}/configmaps/${cm.metadata.name}`, { headers: { Accept: TABLE_ACCEPT } })).body;
		expect(t.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Data', 'Age']);
		expect(t.rows[0].cells).toEqual(['fx-aged', 2, '3h20m']);
		const h = (await k8s(sb, `/apis/autoscaling/v2/namespaces/${GL}/horizontalpodautoscalers/fx-docker-runner-hpa`, { headers: { Accept: TABLE_ACCEPT } })).body;
		expect(h.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
		expect(h.rows[0].cells).toEqual(['fx-docker-runner-hpa', 'Deployment/fx-docker-runner', 'cpu: 45%/70%', '1', 8, 2, '0s']);
	});

	it('prints deployments and the ARC kinds with their printer columns', async () => {
		const d = (await k8s(sb, `/apis/apps/v1/namespaces/${GL}/deployments`, { headers: { Accept: TABLE_ACCEPT } })).body;
		expect(d.rows.find((r: any) => r.cells[0] === 'fx-docker-runner').cells).toEqual(['fx-docker-runner', '1/2', 2, 1, '0s', 'runner', 'gitlab/gitlab-runner:v17.5.2', 'app=fx-docker-runner']);
		const ars = (await k8s(sb, `/apis/actions.github.com/v1alpha1/namespaces/${ARC}/autoscalingrunnersets/fx-gh-docker`, { headers: { Accept: TABLE_ACCEPT } })).body;
		expect(ars.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Minimum Runners', 'Maximum Runners', 'Current Runners', 'Phase', 'Pending Runners', 'Running Runners', 'Finished Runners', 'Deleting Runners']);
		expect(ars.rows[0].cells).toEqual(['fx-gh-docker', 0, 10, 2, 'Running', 1, 1, null, null]);
		const er = (await k8s(sb, `/apis/actions.github.com/v1alpha1/namespaces/${ARC}/ephemeralrunners`, { headers: { Accept: TABLE_ACCEPT } })).body;
		expect(er.rows[0].cells.slice(0, 4)).toEqual(['fx-gh-docker-x7k2p-runner-r4m9q', 'https://github.com/platform', 4101, 'Running']);
		expect(er.columnDefinitions.at(-1).name).toBe('Age');
	});

	it('serves PartialObjectMetadata and refuses media types it cannot produce', async () => {
		const meta = (await k8s(sb, `/api/v1/namespaces/${GL}/pods`, { headers: { Accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1' } })).body;
		expect(meta.kind).toBe('PartialObjectMetadataList');
		expect(meta.items[0]).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: expect.objectContaining({ namespace: GL }) });
		const proto = await k8s(sb, '/api/v1/pods', { headers: { Accept: 'application/vnd.kubernetes.protobuf' } });
		expect(proto.body).toMatchObject({ code: 406, reason: 'NotAcceptable' });
	});
});

describe('faults', () => {
	it('answers faults as the API server would, then recovers', async () => {
		await control(sb, '/faults', { target: 'k8s', mode: 'error' });
		const err = await k8s(sb, '/api/v1/pods');
		expect(err.status).toBe(500);
		expect(err.body).toMatchObject({ kind: 'Status', reason: 'InternalError', code: 500 });
		await control(sb, '/faults', { target: 'k8s', mode: 'rate_limit', retry_after_s: 3 });
		const limited = await k8s(sb, '/api');
		expect(limited.status).toBe(429);
		expect(limited.headers.get('retry-after')).toBe('3');
		expect(limited.body).toMatchObject({ reason: 'TooManyRequests', details: { retryAfterSeconds: 3 } });
		await control(sb, '/faults', { target: 'k8s', mode: 'none' });
		expect((await k8s(sb, '/api/v1/pods')).status).toBe(200);
	});
});
