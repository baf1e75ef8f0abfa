// Permissions: SelfSubjectAccessReview / SelfSubjectRulesReview / SelfSubjectReview
// answered from the access policy, and the same policy enforced by the API with the
// RBAC authorizer's 403 — through HTTP, @kubernetes/client-node and kubectl.

import { ApiException, AuthorizationV1Api, CoreV1Api, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandboxWithWorld, type Sandbox } from '../index.js';
import type { World } from '../sim/world.js';
import { control, controlOk } from '../testing.js';
import { HAS_KUBECTL, k8s, kubeConfig, kubectlFor, openWatch, type Kubectl } from './testing.js';

const USER = 'system:serviceaccount:runner-dashboard:runner-dashboard';
const ARC = 'arc-runners';
let sb: Sandbox & { world: World };
let k: Kubectl;

beforeAll(async () => {
	sb = await startSandboxWithWorld({ port: 0, tickMs: 0 });
	k = kubectlFor(sb);
});
afterAll(async () => {
	await sb?.close();
	k?.cleanup();
});
beforeEach(async () => {
	await controlOk(sb, '/k8s/permissions', { reset: true });
});

const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const ssar = (resourceAttributes: object) => k8s(sb, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', post({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes } }));
const denyPodWatch = () => controlOk(sb, '/k8s/permissions', { deny: [{ verb: 'watch', resource: 'pods', namespace: ARC, group: '' }] });

describe('SelfSubjectAccessReview', () => {
	it('allows every verb on what the server serves, and says so as RBAC does', async () => {
		const res = await ssar({ namespace: ARC, verb: 'watch', group: '', resource: 'pods' });
		expect(res.status).toBe(201);
		expect(res.body).toEqual({
			kind: 'SelfSubjectAccessReview',
			apiVersion: 'authorization.k8s.io/v1',
			metadata: { creationTimestamp: null },
			spec: { resourceAttributes: { namespace: ARC, verb: 'watch', resource: 'pods' } },
			status: { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "runner-dashboard" of ClusterRole "runner-dashboard" to ServiceAccount "runner-dashboard/runner-dashboard"' }
		});
		expect((await ssar({ namespace: ARC, verb: 'patch', group: 'actions.github.com', resource: 'autoscalingrunnersets' })).body.status.allowed).toBe(true);
		expect((await ssar({ namespace: 'runner-dashboard', verb: 'update', group: 'coordination.k8s.io', resource: 'leases' })).body.status.allowed).toBe(true);
		expect((await ssar({ namespace: ARC, verb: 'list', group: 'events.k8s.io', resource: 'events' })).body.status.allowed).toBe(true);
		// Not served here, so not granted; status only has get/patch/update.
		expect((await ssar({ namespace: ARC, verb: 'get', resource: 'secrets' })).body.status).toEqual({ allowed: false });
		expect((await ssar({ namespace: ARC, verb: 'delete', resource: 'pods', subresource: 'status' })).body.status).toEqual({ allowed: false });
	});

	it('answers non-resource paths and refuses malformed reviews like the API server', async () => {
		const nr = await k8s(sb, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', post({ spec: { nonResourceAttributes: { path: '/apis', verb: 'get' } } }));
		expect(nr.body.status).toEqual({ allowed: true });
		const none = await k8s(sb, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', post({ spec: {} }));
		expect(none.body).toMatchObject({ code: 422, reason: 'Invalid', details: { causes: [{ field: 'spec.resourceAttributes' }] } });
		expect((await k8s(sb, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')).body).toMatchObject({ code: 405, reason: 'MethodNotAllowed' });
		const discovery = (await k8s(sb, '/apis/authorization.k8s.io/v1')).body;
		expect(discovery.resources.map((r: any) => [r.name, r.verbs])).toEqual([
			['selfsubjectaccessreviews', ['create']],
			['selfsubjectrulesreviews', ['create']]
		]);
	});
});

describe('narrowed permissions', () => {
	it('refuses the denied request with the RBAC authorizer’s 403 and nothing else', async () => {
		expect(await denyPodWatch()).toEqual({ user: USER, deny: [{ verb: 'watch', resource: 'pods', namespace: ARC, group: '' }] });
		const watch = await k8s(sb, `/api/v1/namespaces/${ARC}/pods?watch=1`);
		expect(watch.status).toBe(403);
		expect(watch.body).toEqual({
			kind: 'Status',
			apiVersion: 'v1',
			metadata: {},
			status: 'Failure',
			message: `pods is forbidden: User "${USER}" cannot watch resource "pods" in API group "" in the namespace "arc-runners"`,
			reason: 'Forbidden',
			details: { kind: 'pods' },
			code: 403
		});
		// A watch of every namespace includes arc-runners: refused at the cluster scope.
		expect((await k8s(sb, '/api/v1/pods?watch=true')).body.message).toBe(`pods is forbidden: User "${USER}" cannot watch resource "pods" in API group "" at the cluster scope`);
		const named = await k8s(sb, `/api/v1/namespaces/${ARC}/pods/x?watch=1`);
		expect(named.body).toMatchObject({ code: 403, message: `pods "x" is forbidden: User "${USER}" cannot watch resource "pods" in API group "" in the namespace "arc-runners"`, details: { name: 'x', kind: 'pods' } });
		// Everything else still works.
		expect((await k8s(sb, `/api/v1/namespaces/${ARC}/pods`)).status).toBe(200);
		const other = await openWatch(sb, '/api/v1/namespaces/gitlab-runners/pods?watch=1');
		expect(other.status).toBe(200);
		other.abort();
		expect((await ssar({ namespace: ARC, verb: 'watch', resource: 'pods' })).body.status).toEqual({ allowed: false });
		expect((await ssar({ namespace: ARC, verb: 'list', resource: 'pods' })).body.status.allowed).toBe(true);
		expect((await ssar({ namespace: 'gitlab-runners', verb: 'watch', resource: 'pods' })).body.status.allowed).toBe(true);

		await controlOk(sb, '/k8s/permissions', { reset: true });
		const back = await openWatch(sb, `/api/v1/namespaces/${ARC}/pods?watch=1`);
		expect(back.status).toBe(200);
		back.abort();
	});

	it('words refusals of groups, subresources and cluster-scoped kinds as the server does', async () => {
		await controlOk(sb, '/k8s/permissions', {
			deny: [
				{ verb: 'patch', group: 'actions.github.com', resource: 'autoscalingrunnersets' },
				{ verb: 'list', resource: 'nodes' },
				{ resource: 'horizontalpodautoscalers', subresource: 'status' }
			]
		});
		const patch = await k8s(sb, `/apis/actions.github.com/v1alpha1/namespaces/${ARC}/autoscalingrunnersets/gh-docker`, {
			method: 'PATCH',
			headers: { 'Content-Type': 'application/merge-patch+json' },
			body: '{"spec":{"maxRunners":0}}'
		});
		expect(patch.body).toMatchObject({
			code: 403,
			message: `autoscalingrunnersets.actions.github.com "gh-docker" is forbidden: User "${USER}" cannot patch resource "autoscalingrunnersets" in API group "actions.github.com" in the namespace "arc-runners"`,
			details: { name: 'gh-docker', group: 'actions.github.com', kind: 'autoscalingrunnersets' }
		});
		expect(sb.world.cluster.get('actions.github.com/v1alpha1', 'AutoscalingRunnerSet', ARC, 'gh-docker')!.spec.maxRunners).toBe(20);
		expect((await k8s(sb, '/api/v1/nodes')).body.message).toBe(`nodes is forbidden: User "${USER}" cannot list resource "nodes" in API group "" at the cluster scope`);
		const status = await k8s(sb, '/apis/autoscaling/v2/namespaces/gitlab-runners/horizontalpodautoscalers/docker-runner-hpa/status');
		expect(status.body.message).toBe(
			`horizontalpodautoscalers.autoscaling "docker-runner-hpa" is forbidden: User "${USER}" cannot get resource "horizontalpodautoscalers/status" in API group "autoscaling" in the namespace "gitlab-runners"`
		);
		expect((await k8s(sb, '/apis/autoscaling/v2/namespaces/gitlab-runners/horizontalpodautoscalers/docker-runner-hpa')).status).toBe(200);
	});

	it('lists what is left in a SelfSubjectRulesReview, and who the caller is in a SelfSubjectReview', async () => {
		await denyPodWatch();
		const rules = await k8s(sb, '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', post({ spec: { namespace: ARC } }));
		expect(rules.status).toBe(201);
		const core = rules.body.status.resourceRules.filter((r: any) => r.apiGroups[0] === '');
		const forPods = core.find((r: any) => r.resources.includes('pods'));
		expect(forPods.verbs).toEqual(['create', 'delete', 'get', 'list', 'patch', 'update']);
		expect(core.find((r: any) => r.resources.includes('configmaps')).verbs).toContain('watch');
		expect(rules.body.status).toMatchObject({ incomplete: false, nonResourceRules: [{ verbs: ['get'], nonResourceURLs: expect.arrayContaining(['/api', '/apis/*']) }] });
		const who = await k8s(sb, '/apis/authentication.k8s.io/v1/selfsubjectreviews', post({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }));
		expect(who.body.status.userInfo).toMatchObject({ username: USER, groups: ['system:serviceaccounts', 'system:serviceaccounts:runner-dashboard', 'system:authenticated'] });
	});

	it('validates the control body and changes nothing on a bad one', async () => {
		await denyPodWatch();
		for (const [body, msg] of [
			[{}, 'give deny (a list of rules) or reset: true'],
			[{ deny: [{ verb: 'look' }] }, 'verb must be one of'],
			[{ deny: [{ resource: 'pod' }] }, 'resource must be a served plural'],
			[{ deny: [{ group: 'apps/v1' }] }, 'group must be one the server serves'],
			[{ deny: [{ verb: 'get', colour: 'red' }] }, 'colour']
		] as const) {
			const res = await control(sb, '/k8s/permissions', body);
			expect(res.status).toBe(400);
			expect((await res.json()).error).toContain(msg);
		}
		expect(await (await fetch(`${sb.url}/_sandbox/k8s/permissions`)).json()).toEqual({ user: USER, deny: [{ verb: 'watch', resource: 'pods', namespace: ARC, group: '' }] });
	});
});

describe('@kubernetes/client-node', () => {
	it('reviews access and meets the 403 on a denied watch', async () => {
		const kc = kubeConfig(`${sb.url}/k8s`);
		const authz = kc.makeApiClient(AuthorizationV1Api);
		const ask = async () =>
			(await authz.createSelfSubjectAccessReview({ body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: ARC, verb: 'watch', resource: 'pods' } } } })).status?.allowed;
		expect(await ask()).toBe(true);
		await denyPodWatch();
		expect(await ask()).toBe(false);

		const core = kc.makeApiClient(CoreV1Api);
		expect((await core.listNamespacedPod({ namespace: ARC })).items.length).toBeGreaterThan(0);
		const failure = await new Promise<unknown>((resolve) => {
			void new Watch(kc).watch(`/api/v1/namespaces/${ARC}/pods`, {}, () => {}, resolve).catch(resolve);
		});
		expect(String(failure)).toMatch(/403|Forbidden/);
		const err = await core.readNamespacedPodStatus({ namespace: 'gitlab-runners', name: 'nope' }).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(ApiException);
		expect((err as ApiException<string>).code).toBe(404);
	});
});

describe.skipIf(!HAS_KUBECTL)('kubectl auth', () => {
	it('can-i, can-i --list and whoami agree with the policy; a denied get prints the server’s words', async () => {
		expect((await k.run(['auth', 'can-i', 'watch', 'pods', '-n', ARC])).stdout.trim()).toBe('yes');
		await denyPodWatch();
		const no = await k.run(['auth', 'can-i', 'watch', 'pods', '-n', ARC]);
		expect([no.code, no.stdout.trim()]).toEqual([1, 'no']);
		expect((await k.run(['auth', 'can-i', 'list', 'pods', '-n', ARC])).stdout.trim()).toBe('yes');
		const rules = await k.ok(['auth', 'can-i', '--list', '-n', ARC]);
		expect(rules).toMatch(/^pods\s+\[\]\s+\[\]\s+\[create delete get list patch update\]$/m);
		expect(await k.ok(['auth', 'whoami'])).toMatch(new RegExp(`Username\\s+${USER}`));
		// client-go does not decode a refused watch's Status: real kubectl says just this.
		const watch = await k.run(['get', 'pods', '-n', ARC, '--watch', '--request-timeout=5s']);
		expect(watch.stderr).toContain('Error from server (Forbidden): unknown (get pods)');
		await controlOk(sb, '/k8s/permissions', { deny: [{ verb: 'list', resource: 'pods', namespace: ARC }] });
		const list = await k.run(['get', 'pods', '-n', ARC]);
		expect(list.stderr.trim()).toBe(`Error from server (Forbidden): pods is forbidden: User "${USER}" cannot list resource "pods" in API group "" in the namespace "arc-runners"`);
	});
});
