// coordination.k8s.io/v1 Leases as leader election uses them: create, read, optimistic
// replace and patch with resourceVersion conflicts, watch, delete — through
// @kubernetes/client-node's CoordinationV1Api and kubectl, with MicroTime decoded as
// strictly as the API server decodes it.

import { ApiException, CoordinationV1Api, PatchStrategy, V1MicroTime, Watch, setHeaderOptions, type V1Lease } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxWithWorld, type Sandbox } from '../index.js';
import { HAS_KUBECTL, k8s, kubeConfig, kubectlFor, rows, type Kubectl } from './testing.js';

const NS = 'runner-dashboard';
let sb: Sandbox;
let k: Kubectl;
let leases: CoordinationV1Api;

beforeAll(async () => {
	sb = await startSandboxWithWorld({ port: 0, tickMs: 0 });
	k = kubectlFor(sb);
	leases = kubeConfig(`${sb.url}/k8s`).makeApiClient(CoordinationV1Api);
});
afterAll(async () => {
	await sb?.close();
	k?.cleanup();
});

const lease = (name: string, holder: string, at: Date, extra: Partial<V1Lease['spec']> = {}): V1Lease => ({
	apiVersion: 'coordination.k8s.io/v1',
	kind: 'Lease',
	metadata: { name, namespace: NS },
	spec: { holderIdentity: holder, leaseDurationSeconds: 15, acquireTime: new V1MicroTime(at.getTime()), renewTime: new V1MicroTime(at.getTime()), leaseTransitions: 0, ...extra }
});

/** The Status an ApiException carries (client-node keeps the body as text). */
async function failure(p: Promise<unknown>): Promise<{ code: number; status: any }> {
	const e = await p.then(
		() => undefined,
		(err: unknown) => err
	);
	if (!(e instanceof ApiException)) throw new Error(`expected an ApiException, got ${String(e)}`);
	return { code: e.code, status: typeof e.body === 'string' ? JSON.parse(e.body) : e.body };
}

describe('Leases through CoordinationV1Api', () => {
	it('elects: create, AlreadyExists for the loser, renew with the read version, Conflict for a stale one', async () => {
		const t0 = new Date('2026-01-01T00:00:00.123Z');
		const created = await leases.createNamespacedLease({ namespace: NS, body: lease('leader', 'replica-a', t0) });
		expect(created.metadata).toMatchObject({ name: 'leader', namespace: NS, uid: expect.any(String), resourceVersion: expect.stringMatching(/^\d+$/) });
		// MicroTime comes back with six fractional digits, in UTC.
		expect(created.spec).toMatchObject({ holderIdentity: 'replica-a', leaseDurationSeconds: 15, acquireTime: '2026-01-01T00:00:00.123000Z', renewTime: '2026-01-01T00:00:00.123000Z', leaseTransitions: 0 });

		const lost = await failure(leases.createNamespacedLease({ namespace: NS, body: lease('leader', 'replica-b', t0) }));
		expect(lost).toEqual({
			code: 409,
			status: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'leases.coordination.k8s.io "leader" already exists', reason: 'AlreadyExists', details: { name: 'leader', group: 'coordination.k8s.io', kind: 'leases' }, code: 409 }
		});

		const read = await leases.readNamespacedLease({ namespace: NS, name: 'leader' });
		const renewed = await leases.replaceNamespacedLease({ namespace: NS, name: 'leader', body: { ...read, spec: { ...read.spec, renewTime: new V1MicroTime(t0.getTime() + 10_000) } } });
		expect(renewed.spec?.renewTime).toBe('2026-01-01T00:00:10.123000Z');
		expect(Number(renewed.metadata?.resourceVersion)).toBeGreaterThan(Number(read.metadata?.resourceVersion));

		// Replica b read before the renewal: its takeover must lose.
		const takeover = await failure(
			leases.replaceNamespacedLease({ namespace: NS, name: 'leader', body: { ...read, spec: { ...read.spec, holderIdentity: 'replica-b', leaseTransitions: 1, acquireTime: new V1MicroTime(t0.getTime() + 20_000) } } })
		);
		expect(takeover.code).toBe(409);
		expect(takeover.status).toMatchObject({
			reason: 'Conflict',
			message: 'Operation cannot be fulfilled on leases.coordination.k8s.io "leader": the object has been modified; please apply your changes to the latest version and try again'
		});
		expect((await leases.readNamespacedLease({ namespace: NS, name: 'leader' })).spec?.holderIdentity).toBe('replica-a');

		// A merge patch carrying the version it read is just as optimistic.
		const stale = await failure(
			leases.patchNamespacedLease({ namespace: NS, name: 'leader', body: { metadata: { resourceVersion: read.metadata?.resourceVersion }, spec: { holderIdentity: 'replica-b' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))
		);
		expect(stale.status.reason).toBe('Conflict');
		const patched = await leases.patchNamespacedLease(
			{ namespace: NS, name: 'leader', body: { metadata: { resourceVersion: renewed.metadata?.resourceVersion }, spec: { holderIdentity: 'replica-b', leaseTransitions: 1 } } },
			setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
		);
		expect(patched.spec).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1, renewTime: '2026-01-01T00:00:10.123000Z' });

		const list = await leases.listNamespacedLease({ namespace: NS });
		expect(list.items.map((l) => [l.metadata?.name, l.spec?.holderIdentity])).toEqual([['leader', 'replica-b']]);
		await leases.deleteNamespacedLease({ namespace: NS, name: 'leader' });
		expect((await failure(leases.readNamespacedLease({ namespace: NS, name: 'leader' }))).status).toMatchObject({ code: 404, reason: 'NotFound', message: 'leases.coordination.k8s.io "leader" not found' });
	});

	it('refuses a renewTime written as Date#toISOString (three digits), as the API server’s decoder does', async () => {
		const body = lease('ms', 'a', new Date(0));
		const plain = { ...body, spec: { ...body.spec, renewTime: new Date('2026-01-01T00:00:00.103Z') as unknown as V1MicroTime } };
		const res = await failure(leases.createNamespacedLease({ namespace: NS, body: plain }));
		expect(res.code).toBe(400);
		expect(res.status).toMatchObject({
			reason: 'BadRequest',
			message: 'Lease in version "v1" cannot be handled as a Lease: parsing time "2026-01-01T00:00:00.103Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".103Z" as ".000000"'
		});
		const json = (spec: object) => k8s(sb, `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ metadata: { name: 'x' }, spec }) });
		expect((await json({ renewTime: '2026-01-01T00:00:00Z' })).body.message).toContain('cannot parse "Z" as ".000000"');
		expect((await json({ leaseDurationSeconds: '15' })).body.message).toBe('Lease in version "v1" cannot be handled as a Lease: json: cannot unmarshal string into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32');
		expect((await json({ leaseDurationSeconds: 0 })).body).toMatchObject({ code: 422, reason: 'Invalid', message: 'Lease.coordination.k8s.io "x" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0' });
		expect((await json({ leaseTransitions: -1 })).body.message).toContain('spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0');
		expect((await k8s(sb, '/apis/coordination.k8s.io/v1/namespaces/nowhere/leases', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"metadata":{"name":"x"}}' })).body).toMatchObject({
			code: 404,
			reason: 'NotFound',
			message: 'namespaces "nowhere" not found'
		});
		// Another offset is accepted and written back in UTC.
		expect((await json({ renewTime: '2026-01-01T02:00:00.000001+02:00' })).body.spec.renewTime).toBe('2026-01-01T00:00:00.000001Z');
		expect((await k8s(sb, `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ metadata: { name: 'rv', resourceVersion: '5' } }) })).body).toEqual({
			kind: 'Status',
			apiVersion: 'v1',
			metadata: {},
			status: 'Failure',
			message: 'resourceVersion should not be set on objects to be created',
			code: 500
		});
	});

	it('streams a Lease’s changes to a watcher', async () => {
		const kc = kubeConfig(`${sb.url}/k8s`);
		const seen: string[] = [];
		const req = await new Watch(kc).watch(`/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`, { resourceVersion: (await leases.listNamespacedLease({ namespace: NS })).metadata?.resourceVersion }, (type, obj: V1Lease) => seen.push(`${type} ${obj.spec?.holderIdentity}`), () => {});
		try {
			const created = await leases.createNamespacedLease({ namespace: NS, body: lease('watched', 'a', new Date(0)) });
			await leases.replaceNamespacedLease({ namespace: NS, name: 'watched', body: { ...created, spec: { ...created.spec, holderIdentity: 'b' } } });
			await leases.deleteNamespacedLease({ namespace: NS, name: 'watched' });
			const until = Date.now() + 3000;
			while (seen.length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
			expect(seen).toEqual(['ADDED a', 'MODIFIED b', 'DELETED b']);
		} finally {
			req.abort();
		}
	});
});

describe.skipIf(!HAS_KUBECTL)('kubectl and Leases', () => {
	it('gets a Lease as a server-side table and as YAML, and deletes it', async () => {
		await leases.createNamespacedLease({ namespace: NS, body: lease('kubectl-lease', 'replica-a', new Date('2026-01-01T00:00:00Z')) });
		const table = rows(await k.ok(['get', 'leases', '-n', NS]));
		expect(table[0]).toEqual(['NAME', 'HOLDER', 'AGE']);
		expect(table[1]).toEqual(['kubectl-lease', 'replica-a', '0s']);
		const yaml = await k.ok(['get', 'lease', 'kubectl-lease', '-n', NS, '-o', 'yaml']);
		expect(yaml).toContain("renewTime: \"2026-01-01T00:00:00.000000Z\"");
		expect(await k.ok(['delete', 'lease', 'kubectl-lease', '-n', NS])).toBe('lease.coordination.k8s.io "kubectl-lease" deleted\n');
	});
});
