// The GitLab-managed OpenTofu states: served over the http backend's routes, recorded
// from the live objects (so a fresh sandbox has no drift), and left alone by the
// simulation while it runs (only replicas, status and server bookkeeping move).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxWithWorld, type Sandbox } from '../index.js';
import { patchInit } from '../k8s/testing.js';
import { ARC_V1ALPHA1, AUTOSCALING_V2 } from '../sim/cluster/meta.js';
import { control, controlOk, gitlab, start, state } from '../testing.js';
import { drift, managed, unrecorded, type Managed, type TestSandbox } from './testing.js';

describe('GitLab-managed OpenTofu state', () => {
	let sb: TestSandbox;
	beforeAll(async () => {
		sb = await startSandboxWithWorld({ port: 0, tickMs: 0 });
	});
	afterAll(() => sb.close());

	it('serves both states in format 4, serial and lineage stable per seed', async () => {
		const a = await (await gitlab(sb, '/projects/42/terraform/state/gitlab-runners-dev')).json();
		const b = await (await gitlab(sb, '/projects/platform%2Fgitops/terraform/state/arc-runners-dev')).json();
		expect(a).toMatchObject({ version: 4, terraform_version: '1.8.5', serial: 14 });
		expect(b).toMatchObject({ version: 4, serial: 9 });
		expect(a.lineage).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
		expect(a.lineage).not.toBe(b.lineage);
		const again = await start();
		const other = await start({ seed: 2 });
		try {
			expect(await (await gitlab(again, '/projects/42/terraform/state/gitlab-runners-dev')).text()).toBe(
				await (await gitlab(sb, '/projects/42/terraform/state/gitlab-runners-dev')).text()
			);
			expect((await (await gitlab(other, '/projects/42/terraform/state/gitlab-runners-dev')).json()).lineage).not.toBe(a.lineage);
		} finally {
			await again.close();
			await other.close();
		}
		const types = a.resources.map((r: any) => `${r.type}.${r.name}`);
		expect(types).toEqual(['kubernetes_config_map_v1.runner', 'kubernetes_deployment_v1.runner', 'kubernetes_horizontal_pod_autoscaler_v2.runner', 'kubernetes_pod_disruption_budget_v1.runner']);
		for (const r of a.resources) expect(r.instances.map((i: any) => i.index_key)).toEqual(['docker', 'dind', 'nix']);
		expect(b.resources.map((r: any) => `${r.type}.${r.name}`)).toEqual(['kubernetes_manifest.runner_set']);
		expect(b.resources[0].instances.map((i: any) => i.index_key)).toEqual(['gh-dind', 'gh-docker', 'gh-nix']);
		expect((await gitlab(sb, '/projects/42/terraform/state/prod')).status).toBe(404);
		expect((await gitlab(sb, '/projects/42/terraform/state/arc-runners-dev')).headers.get('content-type')).toBe('application/octet-stream');
	});

	it('records the provider shape with the live values', async () => {
		const objects = await managed(sb, 'gitlab-runners-dev');
		const hpa = objects.find((o) => o.address === 'kubernetes_horizontal_pod_autoscaler_v2.runner["docker"]')?.attributes;
		expect(hpa?.metadata[0].name).toBe('docker-runner-hpa');
		expect(hpa?.spec[0]).toMatchObject({ min_replicas: 2, max_replicas: 8, scale_target_ref: [{ api_version: 'apps/v1', kind: 'Deployment', name: 'docker-runner' }] });
		expect(hpa?.spec[0].metric[0].external[0].target[0]).toEqual({ type: 'AverageValue', average_value: '12' });
		expect(hpa?.spec[0].behavior[0].scale_up[0].policy).toHaveLength(2);
		const dep = objects.find((o) => o.address === 'kubernetes_deployment_v1.runner["docker"]')?.attributes;
		expect(dep?.spec[0].replicas).toBe('2');
		const container = dep?.spec[0].template[0].spec[0].container[0];
		expect(container).toMatchObject({ name: 'gitlab-runner', args: ['run'], resources: [{ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } }] });
		expect(container.port).toEqual([{ name: 'metrics', container_port: 9252, protocol: 'TCP' }]);
		expect(container.volume_mount).toEqual([{ name: 'config', mount_path: '/etc/gitlab-runner' }]);
		const pdb = objects.find((o) => o.address === 'kubernetes_pod_disruption_budget_v1.runner["dind"]')?.attributes;
		expect(pdb?.metadata[0].name).toBe('dind-runner-pdb');
		const arc = await managed(sb, 'arc-runners-dev');
		const docker = arc.find((o) => o.address === 'kubernetes_manifest.runner_set["gh-docker"]')?.attributes;
		expect(docker?.manifest.spec).toMatchObject({ minRunners: 1, maxRunners: 20, runnerScaleSetName: 'gh-docker' });
		// ARC's own annotation is in the applied object, not in the declared manifest.
		expect(docker?.object.metadata.annotations['runner-scale-set-id']).toMatch(/^\d+$/);
		expect(docker?.manifest.metadata.annotations['runner-scale-set-id']).toBeUndefined();
	});

	it('equals the live objects field by field on a fresh start, and records every live spec field', async () => {
		const objects = [...(await managed(sb, 'gitlab-runners-dev')), ...(await managed(sb, 'arc-runners-dev'))];
		expect(objects.filter((o) => o.live).length).toBe(12);
		expect(drift(objects)).toEqual({});
		for (const m of objects) {
			if (!m.live || m.type === 'kubernetes_manifest') continue;
			const attrs = m.attributes;
			const missing = unrecorded(attrs.spec ?? [], m.live.spec ?? {}, 'spec', []);
			expect(missing, m.address).toEqual([]);
		}
		// The walk is able to see a difference.
		const hpa = objects.find((o) => o.address.startsWith('kubernetes_horizontal_pod_autoscaler_v2.runner["nix"]')) as Managed;
		const changed = { ...hpa, attributes: structuredClone(hpa.attributes) };
		changed.attributes.spec[0].behavior[0].scale_up[0].policy[1].value = 50;
		expect(drift([changed])).toEqual({ [hpa.address]: ['spec.behavior.scaleUp.policies[1].value (50 vs 100)'] });
	});

	it('stays equal while the simulation runs under load (only replicas and server bookkeeping move)', async () => {
		await controlOk(sb, '/load', { jobs_per_minute: 400, github_jobs_per_minute: 200 });
		await controlOk(sb, '/clock', { advance_s: 1800 });
		const hpas = (await state(sb)).k8s.hpas;
		// The load did scale something, so replicas really moved.
		expect(hpas.some((h: any) => h.current > h.min)).toBe(true);
		const objects = [...(await managed(sb, 'gitlab-runners-dev')), ...(await managed(sb, 'arc-runners-dev'))];
		expect(drift(objects, ['spec.replicas', 'metadata.generation', 'metadata.resourceVersion'])).toEqual({});
		await controlOk(sb, '/load', { jobs_per_minute: 30, github_jobs_per_minute: 8 });
	});

	it('keeps an out-of-band kubectl patch (the simulation does not revert it)', async () => {
		const path = '/k8s/apis/autoscaling/v2/namespaces/gitlab-runners/horizontalpodautoscalers/docker-runner-hpa';
		const res = await fetch(`${sb.url}${path}`, patchInit('merge', { spec: { maxReplicas: 11 } }));
		expect(res.status).toBe(200);
		const ars = await fetch(`${sb.url}/k8s/apis/actions.github.com/v1alpha1/namespaces/arc-runners/autoscalingrunnersets/gh-nix`, patchInit('merge', { spec: { maxRunners: 0 } }));
		expect(ars.status).toBe(200);
		await controlOk(sb, '/clock', { advance_s: 600 });
		expect(sb.world.cluster.get(AUTOSCALING_V2, 'HorizontalPodAutoscaler', 'gitlab-runners', 'docker-runner-hpa')?.spec.maxReplicas).toBe(11);
		const objects = [...(await managed(sb, 'gitlab-runners-dev')), ...(await managed(sb, 'arc-runners-dev'))];
		const found = drift(objects, ['spec.replicas', 'metadata.generation', 'metadata.resourceVersion']);
		expect(found).toEqual({
			'kubernetes_horizontal_pod_autoscaler_v2.runner["docker"]': ['spec.maxReplicas (8 vs 11)'],
			'kubernetes_manifest.runner_set["gh-nix"]': ['spec']
		});
		expect(sb.world.cluster.get(ARC_V1ALPHA1, 'AutoscalingRunnerSet', 'arc-runners', 'gh-nix')?.spec.maxRunners).toBe(0);
	});
});

describe('the http backend routes', () => {
	let sb: Sandbox;
	beforeAll(async () => {
		sb = await start();
	});
	afterAll(() => sb.close());
	const url = '/projects/42/terraform/state/arc-runners-dev';
	const json = { 'Content-Type': 'application/json' };

	it('locks, refuses a second lock and unlocked writes, unlocks by ID', async () => {
		const info = { ID: 'c0ffee00-1111-2222-3333-444455556666', Operation: 'OperationTypeApply', Info: '', Who: 'ci@runner', Version: '1.8.5', Created: '2026-01-01T00:00:00Z', Path: '' };
		const first = await gitlab(sb, `${url}/lock`, { method: 'POST', headers: json, body: JSON.stringify(info) });
		expect(first.status).toBe(200);
		expect(await first.json()).toMatchObject({ ID: info.ID, Operation: 'OperationTypeApply' });
		const second = await gitlab(sb, `${url}/lock`, { method: 'POST', headers: json, body: JSON.stringify({ ...info, ID: 'other' }) });
		expect(second.status).toBe(409);
		expect((await second.json()).ID).toBe(info.ID);
		expect((await state(sb)).gitops.states['arc-runners-dev']).toMatchObject({ serial: 9, locked: true });

		const current = await (await gitlab(sb, url)).json();
		const next = JSON.stringify({ ...current, serial: current.serial + 1 });
		expect((await gitlab(sb, url, { method: 'POST', headers: json, body: next })).status).toBe(409);
		expect((await gitlab(sb, `${url}?ID=${info.ID}`, { method: 'POST', headers: json, body: next })).status).toBe(200);
		expect((await (await gitlab(sb, url)).json()).serial).toBe(10);

		const wrong = await gitlab(sb, `${url}/lock`, { method: 'DELETE', headers: json, body: JSON.stringify({ ID: 'other' }) });
		expect(wrong.status).toBe(409);
		const unlock = await gitlab(sb, `${url}/lock`, { method: 'DELETE', headers: json, body: JSON.stringify(info) });
		expect(unlock.status).toBe(200);
		expect((await gitlab(sb, url, { method: 'POST', headers: json, body: next })).status).toBe(200);
		expect((await state(sb)).gitops.states['arc-runners-dev']).toMatchObject({ serial: 10, locked: false });
	});

	it('takes the token as a Basic password (as the http backend sends it) on state routes only', async () => {
		const basic = `Basic ${Buffer.from('gitlab-ci-token:sandbox-gitlab-token').toString('base64')}`;
		expect((await fetch(`${sb.url}/gitlab/api/v4${url}`, { headers: { Authorization: basic } })).status).toBe(200);
		const wrong = `Basic ${Buffer.from('x:nope').toString('base64')}`;
		expect((await fetch(`${sb.url}/gitlab/api/v4${url}`, { headers: { Authorization: wrong } })).status).toBe(401);
		expect((await fetch(`${sb.url}/gitlab/api/v4/projects/42`, { headers: { Authorization: basic } })).status).toBe(401);
	});

	it('refuses a body that is not a state object; the control API stores any text verbatim', async () => {
		const bad = await gitlab(sb, url, { method: 'POST', headers: json, body: '{"version": 4,' });
		expect(bad.status).toBe(400);
		const broken = '{\n  "version": 4,\n  "serial": 3,\n  "resources": [\n';
		const res = await control(sb, '/gitops/state', { name: 'gitlab-runners-dev', content: broken });
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ name: 'gitlab-runners-dev', bytes: broken.length, serial: null });
		expect(await (await gitlab(sb, '/projects/42/terraform/state/gitlab-runners-dev')).text()).toBe(broken);
		expect((await state(sb)).gitops.states['gitlab-runners-dev'].serial).toBeNull();
		expect((await control(sb, '/gitops/state', { name: 'a/b', content: '' })).status).toBe(400);
	});
});
