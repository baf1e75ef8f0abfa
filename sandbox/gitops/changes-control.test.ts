// The change flow's control API: commits that set variables (on main or a branch),
// refusals of bad input with nothing changed, the ground truth, and determinism (the
// same calls on the same seed give the same commits, ids and logs).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../index.js';
import { control, controlOk, gitlab, gitlabJson, start } from '../testing.js';
import { advance, changes } from './testing.js';

const TFVARS = 'tofu/stacks/gitlab-runners/dev.tfvars';
const raw = async (sb: Sandbox, ref = 'main') => (await gitlab(sb, `/projects/42/repository/files/${encodeURIComponent(TFVARS)}/raw?ref=${ref}`)).text();

describe('change flow controls', () => {
	let sb: Sandbox;
	beforeAll(async () => {
		sb = await start();
	});
	afterAll(() => sb.close());

	it('commits variables set in an environment tfvars, everything else byte for byte', async () => {
		const before = await raw(sb);
		const c = await controlOk(sb, '/gitops/commit', { forge: 'gitlab', stack: 'gitlab-runners', set: { docker_hpa_max_replicas: 12, nix_concurrent_jobs: 11 } });
		expect(c).toMatchObject({ branch: 'main', file: TFVARS, message: `Set docker_hpa_max_replicas, nix_concurrent_jobs in ${TFVARS}` });
		const after = await raw(sb);
		expect(after).toBe(`${before.replace(/^(docker_hpa_max_replicas\s*=\s*)8$/m, '$112')}nix_concurrent_jobs = 11\n`);
		const head = await gitlabJson(sb, '/projects/42/repository/branches/main');
		expect(head.commit.id).toBe(c.id);
	});

	it('refuses bad commits and changes nothing', async () => {
		const head = (await gitlabJson(sb, '/projects/42/repository/branches/main')).commit.id;
		const refused = [
			[{ stack: 'gitlab-runners', set: { a: 1 }, content: 'x' }, 400],
			[{ stack: 'gitlab-runners' }, 400],
			[{ file: TFVARS, stack: 'gitlab-runners', set: { a: 1 } }, 400],
			[{ stack: 'nope', set: { a: 1 } }, 400],
			[{ stack: 'gitlab-runners', set: { a: null } }, 400],
			[{ stack: 'gitlab-runners', set: { a: 1 }, branch: 'no-such-branch' }, 404],
			[{ file: 'README.md', set: { a: 1 } }, 422]
		] as const;
		for (const [body, status] of refused) {
			const res = await control(sb, '/gitops/commit', body);
			expect({ body, status: res.status }).toEqual({ body, status });
			expect((await res.json()).error).toBeTruthy();
		}
		expect((await gitlabJson(sb, '/projects/42/repository/branches/main')).commit.id).toBe(head);
	});

	it('refuses bad fault, conflict and merge requests', async () => {
		const cases = [
			['/gitops/fail-next', { forge: 'gitlab', op: 'create_pull_request' }, 400],
			['/gitops/fail-next', { forge: 'github', op: 'create_pull_request', status: 418 }, 400],
			['/gitops/fail-job', { forge: 'gitlab', job: 'deploy' }, 400],
			['/gitops/fail-job', { forge: 'gitlab', job: 'plan', pipeline_id: 12345 }, 404],
			['/gitops/conflict', { forge: 'gitlab', id: 7 }, 404],
			['/gitops/merge', { forge: 'github', id: 7 }, 404],
			['/webhooks/deliveries/1/redeliver', undefined, 404]
		] as const;
		for (const [path, body, status] of cases) expect({ path, status: (await control(sb, path, body)).status }).toEqual({ path, status });
		expect((await fetch(`${sb.url}/_sandbox/webhooks/svn`, { method: 'DELETE' })).status).toBe(404);
		expect(await changes(sb)).toMatchObject({ pending_faults: { ops: {}, jobs: { gitlab: { plan: 0, apply: 0 }, github: { plan: 0, apply: 0 } } } });
	});

	it('merges as a reviewer would, refusing with the reason while the pipeline runs', async () => {
		await gitlabJson(sb, '/projects/42/repository/branches', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ branch: 'r', ref: 'main' }) });
		await controlOk(sb, '/gitops/commit', { stack: 'gitlab-runners', set: { dind_hpa_max_replicas: 5 }, branch: 'r' });
		const mr = await gitlabJson(sb, '/projects/42/merge_requests', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ source_branch: 'r', target_branch: 'main', title: 'dind 5' }) });
		const early = await control(sb, '/gitops/merge', { forge: 'gitlab', id: mr.iid });
		expect(early.status).toBe(405);
		expect(await early.json()).toEqual({ error: 'the pipeline has not finished' });
		expect((await control(sb, '/gitops/merge', { forge: 'gitlab', id: mr.iid, sha: 'f'.repeat(40) })).status).toBe(405);
		await advance(sb, 40);
		expect((await control(sb, '/gitops/merge', { forge: 'gitlab', id: mr.iid, sha: 'f'.repeat(40) })).status).toBe(409);
		expect(await controlOk(sb, '/gitops/merge', { forge: 'gitlab', id: mr.iid, remove_source_branch: true })).toMatchObject({ state: 'merged' });
		const truth = await changes(sb);
		expect(truth.branches.map((b: any) => b.name)).toEqual(['main']);
		expect(truth.merge_requests).toEqual([expect.objectContaining({ number: mr.iid, state: 'merged', source_branch: 'r', merge_status: 'not_open' })]);
		expect(truth.pipelines.map((p: any) => [p.forge, p.source, p.status, p.jobs.map((j: any) => j.name)])).toEqual([
			['gitlab', 'merge_request_event', 'success', ['plan']],
			['gitlab', 'push', 'created', ['plan', 'apply']]
		]);
		const list = await (await fetch(`${sb.url}/_sandbox`)).json();
		expect(list.endpoints).toContain('GET /_sandbox/gitops/changes');
		expect(list.endpoints).toContain('POST /_sandbox/webhooks/deliveries/:id/redeliver');
	});
});

describe('determinism', () => {
	it('gives the same commits, ids, merge commits and logs for the same calls on the same seed', async () => {
		const run = async () => {
			const sb = await start({ epoch: '2026-01-01T00:00:00Z' });
			try {
				const post = (path: string, body: unknown) => gitlabJson(sb, path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
				await post('/projects/42/repository/branches', { branch: 'd', ref: 'main' });
				const c = await controlOk(sb, '/gitops/commit', { stack: 'gitlab-runners', set: { docker_hpa_max_replicas: 9 }, branch: 'd' });
				const mr = await post('/projects/42/merge_requests', { source_branch: 'd', target_branch: 'main', title: 'docker 9' });
				await advance(sb, 40);
				const merged = await gitlabJson(sb, `/projects/42/merge_requests/${mr.iid}/merge`, { method: 'PUT' });
				await advance(sb, 80);
				const pipelines = await gitlabJson(sb, '/projects/42/pipelines');
				const jobs = await gitlabJson(sb, '/projects/42/jobs');
				const logs = await Promise.all(jobs.map(async (j: any) => (await gitlab(sb, `/projects/42/jobs/${j.id}/trace`)).text()));
				return { commit: c.id, mr: [mr.id, mr.iid, mr.sha], merge: merged.merge_commit_sha, pipelines: pipelines.map((p: any) => [p.id, p.sha, p.status]), jobs: jobs.map((j: any) => [j.id, j.status, j.finished_at]), logs };
			} finally {
				await sb.close();
			}
		};
		const a = await run();
		expect(a.pipelines).toHaveLength(2);
		expect(await run()).toEqual(a);
	});
});
