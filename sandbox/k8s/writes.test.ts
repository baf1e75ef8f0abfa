import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ARC, GL } from './fixtures.js';
import { k8s, openWatch, patchInit, startWithFixture, type TestSandbox } from './testing.js';

let sb: TestSandbox;
beforeEach(async () => {
	sb = await startWithFixture();
});
afterEach(async () => {
	await sb.close();
});

const HPA = `/apis/autoscaling/v2/namespaces/${GL}/horizontalpodautoscalers/fx-docker-runner-hpa`;
const ARS = `/apis/actions.github.com/v1alpha1/namespaces/${ARC}/autoscalingrunnersets/fx-gh-docker`;
const DEPLOY = `/apis/apps/v1/namespaces/${GL}/deployments/fx-docker-runner`;
const LEASES = `/apis/coordination.k8s.io/v1/namespaces/${GL}/leases`;

describe('patch', () => {
	it('merge-patches spec through the store: new resourceVersion, generation bumped, watchers told', async () => {
		const store = sb.world.cluster;
		const w = await openWatch(sb, `${HPA}?watch=1&resourceVersion=${store.resourceVersion}`);
		const res = await k8s(sb, HPA, patchInit('merge', { spec: { maxReplicas: 11 } }));
		expect(res.status).toBe(200);
		expect(res.body.spec.maxReplicas).toBe(11);
		expect(res.body.metadata.generation).toBe(sb.fx.hpa.metadata.generation! + 1);
		expect(Number(res.body.metadata.resourceVersion)).toBeGreaterThan(Number(sb.fx.hpa.metadata.resourceVersion));
		expect(res.body.metadata.uid).toBe(sb.fx.hpa.metadata.uid);
		expect(store.get('autoscaling/v2', 'HorizontalPodAutoscaler', GL, 'fx-docker-runner-hpa')!.spec.maxReplicas).toBe(11);
		const [ev] = await w.next();
		expect(ev).toMatchObject({ type: 'MODIFIED', object: { spec: { maxReplicas: 11 } } });
		w.abort();
	});

	it('keeps the resourceVersion for a patch that changes nothing', async () => {
		const res = await k8s(sb, HPA, patchInit('merge', { spec: { maxReplicas: 8 } }));
		expect(res.body.metadata.resourceVersion).toBe(sb.fx.hpa.metadata.resourceVersion);
	});

	it('drains a scale set with a merge patch; labels change without a generation bump', async () => {
		const res = await k8s(sb, ARS, patchInit('merge', { spec: { maxRunners: 0 }, metadata: { annotations: { 'runner-dashboard/drained-from': '10' } } }));
		expect(res.body.spec).toMatchObject({ maxRunners: 0, minRunners: 0 });
		expect(res.body.metadata.generation).toBe(2);
		const relabel = await k8s(sb, ARS, patchInit('merge', { metadata: { labels: { drained: 'true' } } }));
		expect(relabel.body.metadata.generation).toBe(2);
		expect(relabel.body.metadata.annotations['runner-dashboard/drained-from']).toBe('10');
	});

	it('strategic-merges built-in kinds by merge key and refuses it for custom resources (415)', async () => {
		const res = await k8s(sb, DEPLOY, patchInit('strategic', { spec: { template: { spec: { containers: [{ name: 'runner', image: 'gitlab/gitlab-runner:v17.6.0' }, { name: 'helper', image: 'h:1' }] } } } }));
		expect(res.status).toBe(200);
		expect(res.body.spec.template.spec.containers).toEqual([
			{ name: 'runner', image: 'gitlab/gitlab-runner:v17.6.0' },
			{ name: 'helper', image: 'h:1' }
		]);
		const crd = await k8s(sb, ARS, patchInit('strategic', { spec: { maxRunners: 1 } }));
		expect(crd.status).toBe(415);
		expect(crd.body).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType', message: expect.stringContaining('application/merge-patch+json') });
		expect((await k8s(sb, HPA, patchInit('merge', {}, { 'Content-Type': 'application/apply-patch+yaml' }))).status).toBe(415);
	});

	it('applies JSON patches and answers 422 when one does not apply', async () => {
		const res = await k8s(sb, ARS, patchInit('json', [{ op: 'test', path: '/spec/maxRunners', value: 10 }, { op: 'replace', path: '/spec/maxRunners', value: 4 }]));
		expect(res.body.spec.maxRunners).toBe(4);
		const stale = await k8s(sb, ARS, patchInit('json', [{ op: 'test', path: '/spec/maxRunners', value: 10 }]));
		expect(stale.status).toBe(422);
		expect(stale.body).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422 });
		expect((await k8s(sb, ARS, patchInit('json', { op: 'replace' }))).body).toMatchObject({ code: 400, reason: 'BadRequest' });
	});

	it('validates the result: 422 Invalid with causes, as a real cluster answers', async () => {
		const hpa = await k8s(sb, HPA, patchInit('merge', { spec: { minReplicas: 5, maxReplicas: 3 } }));
		expect(hpa.status).toBe(422);
		expect(hpa.body).toMatchObject({
			kind: 'Status',
			reason: 'Invalid',
			message: 'HorizontalPodAutoscaler.autoscaling "fx-docker-runner-hpa" is invalid: spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`',
			details: { name: 'fx-docker-runner-hpa', group: 'autoscaling', kind: 'HorizontalPodAutoscaler', causes: [{ field: 'spec.maxReplicas', reason: 'FieldValueInvalid' }] },
			code: 422
		});
		const ars = await k8s(sb, ARS, patchInit('merge', { spec: { maxRunners: -1 } }));
		expect(ars.body.message).toContain('spec.maxRunners in body should be greater than or equal to 0');
		const typed = await k8s(sb, ARS, patchInit('merge', { spec: { maxRunners: 'ten' } }));
		expect(typed.body.message).toContain('spec.maxRunners in body must be of type integer');
		expect(sb.world.cluster.get('actions.github.com/v1alpha1', 'AutoscalingRunnerSet', ARC, 'fx-gh-docker')!.spec.maxRunners).toBe(10);
	});

	it('answers 404, 400 and 409 as Status objects', async () => {
		const missing = await k8s(sb, `/apis/autoscaling/v2/namespaces/${GL}/horizontalpodautoscalers/nope`, patchInit('merge', { spec: { maxReplicas: 3 } }));
		expect(missing.body).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
		const garbage = await k8s(sb, HPA, { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: '{nope' });
		expect(garbage.body).toMatchObject({ reason: 'BadRequest', code: 400 });
		const rename = await k8s(sb, HPA, patchInit('merge', { metadata: { name: 'other' } }));
		expect(rename.body).toMatchObject({ code: 400, message: 'the name of the object (other) does not match the name on the URL (fx-docker-runner-hpa)' });
		const stale = await k8s(sb, HPA, patchInit('merge', { metadata: { resourceVersion: '1' }, spec: { maxReplicas: 3 } }));
		expect(stale.body).toMatchObject({ reason: 'Conflict', code: 409, message: expect.stringContaining('the object has been modified') });
	});

	it('leaves status alone on the object and changes only status on /status', async () => {
		const main = await k8s(sb, HPA, patchInit('merge', { status: { currentReplicas: 7 }, spec: { maxReplicas: 9 } }));
		expect(main.body.status.currentReplicas).toBe(2);
		expect(main.body.spec.maxReplicas).toBe(9);
		const status = await k8s(sb, `${HPA}/status`, patchInit('merge', { status: { currentReplicas: 7 }, spec: { maxReplicas: 1 } }));
		expect(status.body.status.currentReplicas).toBe(7);
		expect(status.body.spec.maxReplicas).toBe(9);
		expect(status.body.metadata.generation).toBe(main.body.metadata.generation);
	});

	it('does not write on dryRun=All', async () => {
		const res = await k8s(sb, `${HPA}?dryRun=All`, patchInit('merge', { spec: { maxReplicas: 12 } }));
		expect(res.body.spec.maxReplicas).toBe(12);
		expect(sb.world.cluster.get('autoscaling/v2', 'HorizontalPodAutoscaler', GL, 'fx-docker-runner-hpa')!.metadata.resourceVersion).toBe(sb.fx.hpa.metadata.resourceVersion);
	});
});

describe('create, update, delete', () => {
	const lease = (holder: string, extra: object = {}) => ({
		apiVersion: 'coordination.k8s.io/v1',
		kind: 'Lease',
		metadata: { name: 'runner-dashboard-leader', ...extra },
		spec: { holderIdentity: holder, leaseDurationSeconds: 15, acquireTime: '2026-01-01T00:00:00.000000Z', renewTime: '2026-01-01T00:00:00.000000Z' }
	});
	const json = (method: string, body: unknown): RequestInit => ({ method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

	it('runs a Lease through create, optimistic update and delete (leader election)', async () => {
		const created = await k8s(sb, LEASES, json('POST', lease('replica-a')));
		expect(created.status).toBe(201);
		expect(created.body.metadata).toMatchObject({ name: 'runner-dashboard-leader', namespace: GL, uid: expect.any(String) });
		expect((await k8s(sb, LEASES, json('POST', lease('replica-b')))).body).toMatchObject({ code: 409, reason: 'AlreadyExists' });
		const path = `${LEASES}/runner-dashboard-leader`;
		const renewed = await k8s(sb, path, json('PUT', { ...created.body, spec: { ...created.body.spec, holderIdentity: 'replica-a', renewTime: '2026-01-01T00:00:10.000000Z' } }));
		expect(renewed.status).toBe(200);
		expect(Number(renewed.body.metadata.resourceVersion)).toBeGreaterThan(Number(created.body.metadata.resourceVersion));
		// Replica b read the old version: its takeover loses.
		const takeover = await k8s(sb, path, json('PUT', { ...created.body, spec: { ...created.body.spec, holderIdentity: 'replica-b' } }));
		expect(takeover.body).toMatchObject({ code: 409, reason: 'Conflict' });
		const gone = await k8s(sb, path, { method: 'DELETE' });
		expect(gone.status).toBe(200);
		expect((await k8s(sb, path)).status).toBe(404);
		expect((await k8s(sb, path, { method: 'DELETE' })).status).toBe(404);
	});

	it('checks namespace, kind and names on create', async () => {
		expect((await k8s(sb, LEASES, json('POST', lease('a', { namespace: 'other' })))).body).toMatchObject({ code: 400 });
		expect((await k8s(sb, LEASES, json('POST', { ...lease('a'), kind: 'ConfigMap' }))).body).toMatchObject({ code: 400 });
		expect((await k8s(sb, LEASES, json('POST', lease('a', { name: 'Not_Valid' })))).body).toMatchObject({ code: 422, reason: 'Invalid' });
		const gen = await k8s(sb, LEASES, json('POST', { ...lease('a'), metadata: { generateName: 'lock-' } }));
		expect(gen.body.metadata.name).toMatch(/^lock-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
	});

	it('refuses an unconditional update of a custom resource', async () => {
		const ars = (await k8s(sb, ARS)).body;
		delete ars.metadata.resourceVersion;
		const res = await k8s(sb, ARS, json('PUT', { ...ars, spec: { ...ars.spec, maxRunners: 2 } }));
		expect(res.body).toMatchObject({ code: 422, reason: 'Invalid', details: { causes: [{ field: 'metadata.resourceVersion' }] } });
	});

	it('deletes with preconditions, and a watch sees it', async () => {
		const store = sb.world.cluster;
		const path = `/api/v1/namespaces/${GL}/configmaps/fx-docker-runner-config`;
		const w = await openWatch(sb, `/api/v1/namespaces/${GL}/configmaps?watch=1&resourceVersion=${store.resourceVersion}`);
		expect((await k8s(sb, path, json('DELETE', { preconditions: { uid: 'wrong' } }))).body).toMatchObject({ code: 409, reason: 'Conflict' });
		expect((await k8s(sb, path, { method: 'DELETE' })).status).toBe(200);
		const [ev] = await w.next();
		expect(ev).toMatchObject({ type: 'DELETED', object: { metadata: { name: 'fx-docker-runner-config' } } });
		w.abort();
	});
});
