import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../index.js';
import { control, controlOk, start, state } from '../testing.js';
import { check, loadGhesSpec, responseSchema, type OpenApi } from './openapi-check.js';
import { github, githubJson } from './testing.js';

const REPO = '/repos/sandbox-org/runner-images';

let sb: Sandbox;
let spec: OpenApi;
beforeAll(() => {
	spec = loadGhesSpec();
});
afterAll(() => {
	spec = undefined as unknown as OpenApi;
});
beforeEach(async () => {
	sb = await start();
});
afterEach(async () => {
	await sb.close();
});

const conforms = (op: string, body: unknown, method = 'get', status = '200') => expect({ op, errors: check(spec, responseSchema(spec, op, method, status), body) }).toEqual({ op, errors: [] });

/** Queued jobs of a repository the way a client finds them: queued and in-progress runs, then their jobs. */
async function queuedJobs(repo: string): Promise<any[]> {
	const out: any[] = [];
	for (const status of ['queued', 'in_progress']) {
		const runs = await githubJson(sb, `${repo}/actions/runs?status=${status}&per_page=100`);
		for (const run of runs.workflow_runs) {
			const jobs = await githubJson(sb, `${repo}/actions/runs/${run.id}/jobs?per_page=100`);
			out.push(...jobs.jobs.filter((j: any) => j.status === 'queued'));
		}
	}
	return out;
}

describe('workflow runs and jobs', () => {
	it('answer in GitHub’s documented shapes, for queued, running and finished ones', async () => {
		await controlOk(sb, '/load', { github_jobs_per_minute: 120 });
		await controlOk(sb, '/clock', { advance_s: 600 });
		for (const repo of [REPO, '/repos/sandbox-org/storefront']) {
			const list = await githubJson(sb, `${repo}/actions/runs?per_page=100`);
			conforms('/repos/{owner}/{repo}/actions/runs', list);
			expect(list.total_count).toBeGreaterThan(20);
			for (const status of ['completed', 'in_progress']) expect((await githubJson(sb, `${repo}/actions/runs?status=${status}`)).total_count, status).toBeGreaterThan(0);
			const run = (await githubJson(sb, `${repo}/actions/runs?status=in_progress`)).workflow_runs.find((r: any) => r.status === 'in_progress');
			conforms('/repos/{owner}/{repo}/actions/runs/{run_id}', await githubJson(sb, `${repo}/actions/runs/${run.id}`));
			const jobs = await githubJson(sb, `${repo}/actions/runs/${run.id}/jobs`);
			conforms('/repos/{owner}/{repo}/actions/runs/{run_id}/jobs', jobs);
			const running = jobs.jobs.find((j: any) => j.status === 'in_progress');
			expect(running).toMatchObject({ run_id: run.id, conclusion: null, completed_at: null, runner_name: expect.any(String), runner_id: expect.any(Number) });
			conforms('/repos/{owner}/{repo}/actions/jobs/{job_id}', await githubJson(sb, `${repo}/actions/jobs/${running.id}`));
		}
		const completed = await githubJson(sb, `${REPO}/actions/runs?status=completed&per_page=5`);
		expect(completed.workflow_runs.every((r: any) => r.status === 'completed' && ['success', 'failure', 'cancelled'].includes(r.conclusion))).toBe(true);
		const success = await githubJson(sb, `${REPO}/actions/runs?status=success`);
		expect(success.workflow_runs.every((r: any) => r.conclusion === 'success')).toBe(true);
		expect((await githubJson(sb, `${REPO}/actions/runs?status=stale`)).total_count).toBe(0);
		const page2 = await github(sb, `${REPO}/actions/runs?per_page=10&page=2`);
		expect(page2.headers.get('link')).toContain('rel="next"');
		for (const path of [`${REPO}/actions/runs/1`, `${REPO}/actions/jobs/1`, '/repos/sandbox-org/nope/actions/runs', `${REPO}/actions/runs/abc/jobs`]) {
			expect((await github(sb, path)).status, path).toBe(404);
		}
	});

	it('show the seeded backlog queued with labels no runner or scale set has, runner_name null', async () => {
		const truth = (await (await fetch(`${sb.url}/_sandbox/jobs`)).json()) as any;
		expect(truth.github.length).toBeGreaterThan(0);
		const queued = [...(await queuedJobs(REPO)), ...(await queuedJobs('/repos/sandbox-org/storefront'))];
		expect(queued.length).toBe(truth.github.reduce((n: number, w: any) => n + w.waiting, 0));
		const cuda = queued.find((j) => j.labels.includes('cuda'));
		expect(cuda).toMatchObject({ status: 'queued', conclusion: null, runner_id: null, runner_name: null, runner_group_id: null, runner_group_name: null, labels: ['self-hosted', 'linux', 'x64', 'gpu', 'cuda'] });
		expect(cuda.started_at).toBe(cuda.created_at);
		expect(Date.parse((await state(sb)).now) - Date.parse(cuda.created_at)).toBeGreaterThanOrEqual(5 * 60_000);
	});
});

describe('POST /_sandbox/jobs (github)', () => {
	it('adds queued jobs with the given labels; one label naming a scale set goes to that set', async () => {
		const added = await controlOk(sb, '/jobs', { forge: 'github', repo: 'sandbox-org/storefront', labels: ['self-hosted', 'Linux', 'RISCV64'], count: 2, age_s: 180 });
		expect(added).toMatchObject({ forge: 'github', repo: 'sandbox-org/storefront', labels: ['self-hosted', 'Linux', 'RISCV64'], scale_set: null });
		await controlOk(sb, '/clock', { advance_s: 300 });
		for (const [i, id] of added.job_ids.entries()) {
			const job = await githubJson(sb, `/repos/sandbox-org/storefront/actions/jobs/${id}`);
			expect(job).toMatchObject({ status: 'queued', run_id: added.run_ids[i], labels: ['self-hosted', 'Linux', 'RISCV64'], runner_name: null });
		}
		const group = ((await (await fetch(`${sb.url}/_sandbox/jobs`)).json()) as any).github.find((w: any) => w.labels.includes('RISCV64'));
		expect(group).toMatchObject({ repo: 'sandbox-org/storefront', waiting: 2, scale_set: null, runners: { matching: 0 } });

		const toSet = await controlOk(sb, '/jobs', { forge: 'github', repo: 'sandbox-org/runner-images', labels: ['gh-nix'] });
		expect(toSet.scale_set).toBe('gh-nix');
		expect((await state(sb)).arc.scale_sets.find((s: any) => s.name === 'gh-nix').assigned_jobs).toBeGreaterThanOrEqual(1);
		// Plain labels a runner has: it runs.
		const runs = await controlOk(sb, '/jobs', { forge: 'github', repo: 'sandbox-org/runner-images', labels: ['self-hosted', 'linux'] });
		await controlOk(sb, '/clock', { advance_s: 10 });
		expect((await githubJson(sb, `${REPO}/actions/jobs/${runs.job_ids[0]}`)).status).not.toBe('queued');

		for (const [body, message] of [
			[{ forge: 'github', repo: 'sandbox-org/other', labels: ['x'] }, /no repository sandbox-org\/other/],
			[{ forge: 'github', repo: 'sandbox-org/storefront', labels: [] }, /labels must name at least one label/],
			[{ forge: 'github', repo: 'sandbox-org/storefront', tags: ['x'], labels: ['x'] }, /tags/]
		] as [unknown, RegExp][]) {
			const res = await control(sb, '/jobs', body);
			expect(res.status).toBe(400);
			expect(((await res.json()) as any).error).toMatch(message);
		}
	});
});

describe('runner versions and downloads', () => {
	it('lists the runner application GHES distributes, and runners report their version', async () => {
		const downloads = await githubJson(sb, '/orgs/sandbox-org/actions/runners/downloads');
		conforms('/orgs/{org}/actions/runners/downloads', downloads);
		expect(downloads.find((d: any) => d.os === 'linux' && d.architecture === 'x64')).toEqual({
			os: 'linux',
			architecture: 'x64',
			download_url: 'https://github.com/actions/runner/releases/download/v2.323.0/actions-runner-linux-x64-2.323.0.tar.gz',
			filename: 'actions-runner-linux-x64-2.323.0.tar.gz'
		});
		expect(await githubJson(sb, `${REPO}/actions/runners/downloads`)).toEqual(downloads);
		const runners = (await githubJson(sb, '/orgs/sandbox-org/actions/runners?per_page=100')).runners;
		const versions = new Set(runners.map((r: any) => r.version));
		expect([...versions].sort()).toEqual(['2.321.0', '2.322.0', '2.323.0']);
	});
});

describe('deleting runners', () => {
	it('deletes offline runners for real, refuses a busy one, and the dead-weight truth follows', async () => {
		const truth = ((await (await fetch(`${sb.url}/_sandbox/state?offline_days=2`)).json()) as any).dead_weight.github;
		expect(truth.org.total + truth.repository.total).toBeGreaterThan(0);
		for (const id of truth.org.runner_ids) {
			const r = await githubJson(sb, `/orgs/sandbox-org/actions/runners/${id}`);
			expect(r.status).toBe('offline');
			const res = await github(sb, `/orgs/sandbox-org/actions/runners/${id}`, { method: 'DELETE' });
			expect(res.status).toBe(204);
			expect((await github(sb, `/orgs/sandbox-org/actions/runners/${id}`)).status).toBe(404);
		}
		const after = ((await (await fetch(`${sb.url}/_sandbox/state?offline_days=2`)).json()) as any).dead_weight.github;
		expect(after.org.total).toBe(0);

		const busy = (await githubJson(sb, '/orgs/sandbox-org/actions/runners?per_page=100')).runners.find((r: any) => r.busy && !r.ephemeral);
		const refused = await github(sb, `/orgs/sandbox-org/actions/runners/${busy.id}`, { method: 'DELETE' });
		expect(refused.status).toBe(422);
		expect(((await refused.json()) as any).message).toBe(`Bad request - Runner "${busy.name}" is still running a job`);
		expect((await github(sb, `/orgs/sandbox-org/actions/runners/${busy.id}`)).status).toBe(200);

		const repoRunner = (await githubJson(sb, '/repos/sandbox-org/storefront/actions/runners')).runners[0];
		expect((await github(sb, `/orgs/sandbox-org/actions/runners/${repoRunner.id}`, { method: 'DELETE' })).status).toBe(404);
		const viaRepo = await github(sb, `/repos/sandbox-org/storefront/actions/runners/${repoRunner.id}`, { method: 'DELETE' });
		expect(viaRepo.status).toBe(repoRunner.busy ? 422 : 204);
	});
});
