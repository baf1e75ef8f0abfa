import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../index.js';
import { control, controlOk, gitlab, gitlabJson, start, state } from '../testing.js';

const JOB_KEYS = [
	'id', 'status', 'stage', 'name', 'ref', 'tag', 'coverage', 'allow_failure', 'created_at', 'started_at', 'finished_at', 'erased_at', 'duration',
	'queued_duration', 'user', 'commit', 'pipeline', 'web_url', 'project', 'artifacts', 'runner', 'runner_manager', 'artifacts_expire_at', 'archived', 'tag_list'
];

let sb: Sandbox;
beforeEach(async () => {
	sb = await start();
});
afterEach(async () => {
	await sb.close();
});

const waitingTruth = async () => (await (await fetch(`${sb.url}/_sandbox/jobs`)).json()) as { gitlab: any[]; github: any[] };

/** Every job of a project's list, following rel="next" like a client (no counts on this list). */
async function walkJobs(path: string): Promise<any[]> {
	const out: any[] = [];
	let next: string | undefined = `${sb.url}/gitlab/api/v4${path}`;
	for (let guard = 0; next && guard < 100; guard++) {
		const res: Response = await fetch(next, { headers: { 'PRIVATE-TOKEN': 'sandbox-gitlab-token' } });
		expect(res.status).toBe(200);
		out.push(...((await res.json()) as any[]));
		next = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
	}
	return out;
}

describe('pending jobs of a project', () => {
	it('lists the backlog no runner can take, with its tags, waiting minutes already', async () => {
		const truth = await waitingTruth();
		expect(truth.gitlab.length).toBeGreaterThan(0);
		const gpu = truth.gitlab.find((w) => w.tags.join(',') === 'cuda,gpu');
		expect(gpu).toMatchObject({ project: 'data/ml-training', runners: { matching: 0, connected: 0, available: 0 } });
		const jobs = await gitlabJson<any[]>(sb, `/projects/${encodeURIComponent('data/ml-training')}/jobs?scope[]=pending`);
		const job = jobs.find((j) => j.tag_list.includes('gpu'));
		expect(Object.keys(job)).toEqual(JOB_KEYS);
		expect(job).toMatchObject({ status: 'pending', name: 'train-model', tag_list: ['cuda', 'gpu'], started_at: null, runner: null, runner_manager: null, project: { ci_job_token_scope_enabled: false } });
		const waited = Date.parse((await state(sb)).now) - Date.parse(job.created_at);
		expect(waited).toBeGreaterThanOrEqual(5 * 60_000);
		expect(job.queued_duration).toBe(waited / 1000);
		expect(job.web_url).toBe(`${sb.url}/gitlab/data/ml-training/-/jobs/${job.id}`);
		expect(await gitlabJson(sb, `/projects/106/jobs/${job.id}`)).toEqual(job);
	});

	it('filters by scope, newest first, on pages without counts; rejects unknown scopes like Grape', async () => {
		await controlOk(sb, '/load', { jobs_per_minute: 3000 });
		await controlOk(sb, '/clock', { advance_s: 120 });
		const truth = await waitingTruth();
		const all = await walkJobs('/projects/101/jobs?scope[]=pending&per_page=100');
		const expected = truth.gitlab.filter((w) => w.project_id === 101).reduce((n, w) => n + w.waiting, 0);
		expect(all.length).toBe(expected);
		expect(all.length).toBeGreaterThan(100);
		expect(all.every((j) => j.status === 'pending')).toBe(true);
		const ids = all.map((j) => j.id);
		expect(ids).toEqual([...ids].sort((a, b) => b - a));

		const first = await gitlab(sb, '/projects/101/jobs?scope[]=pending&per_page=100');
		expect(first.headers.get('x-total')).toBeNull();
		expect(first.headers.get('x-total-pages')).toBeNull();
		expect(first.headers.get('x-next-page')).toBe('2');
		expect(first.headers.get('link')).not.toContain('rel="last"');

		const both = await walkJobs('/projects/101/jobs?scope[]=pending&scope[]=running&per_page=100');
		const running = both.filter((j) => j.status === 'running');
		expect(running.length).toBeGreaterThan(0);
		for (const j of running) {
			expect(j.runner).toMatchObject({ id: expect.any(Number), status: 'online' });
			expect(j.runner_manager.system_id).toMatch(/^[rs]_[0-9a-f]{12}$/);
			expect(j.started_at).not.toBeNull();
		}
		expect(await gitlabJson(sb, '/projects/101/jobs?scope=running&per_page=100')).toEqual((await gitlabJson<any[]>(sb, '/projects/101/jobs?scope[]=running&per_page=100')));

		const bad = await gitlab(sb, '/projects/101/jobs?scope[]=waiting&scope[]=pending');
		expect(bad.status).toBe(400);
		expect(await bad.json()).toEqual({ error: 'scope does not have a valid value' });
		expect((await gitlab(sb, '/projects/999/jobs')).status).toBe(404);
		expect(await gitlabJson(sb, '/projects/42/jobs')).toEqual([]);
		expect((await gitlab(sb, '/projects/101/jobs/123456789')).status).toBe(404);
		expect((await gitlab(sb, '/projects/101/jobs/abc')).status).toBe(400);
	});
});

describe('POST /_sandbox/jobs (gitlab)', () => {
	it('adds jobs asking for tags no runner has, already waiting; they stay pending', async () => {
		const added = await controlOk(sb, '/jobs', { forge: 'gitlab', project: 'platform/infra', tags: ['fpga', 'vivado'], count: 3, age_s: 300 });
		expect(added).toMatchObject({ forge: 'gitlab', project: 'platform/infra', tags: ['fpga', 'vivado'] });
		expect(added.job_ids).toHaveLength(3);
		const now = Date.parse((await state(sb)).now);
		expect(now - Date.parse(added.created_at)).toBe(300_000);
		await controlOk(sb, '/clock', { advance_s: 600 });
		const pending = await gitlabJson<any[]>(sb, '/projects/101/jobs?scope[]=pending&per_page=100');
		const ours = pending.filter((j) => added.job_ids.includes(j.id));
		expect(ours.map((j) => j.tag_list)).toEqual([['fpga', 'vivado'], ['fpga', 'vivado'], ['fpga', 'vivado']]);
		const group = (await waitingTruth()).gitlab.find((w) => w.project === 'platform/infra' && w.tags.join(',') === 'fpga,vivado');
		expect(group).toMatchObject({ waiting: 3, oldest_created_at: added.created_at, runners: { matching: 0 } });
	});

	it('leaves jobs pending while every matching runner is paused, and they run once one is resumed', async () => {
		await controlOk(sb, '/load', { jobs_per_minute: 0 });
		const added = await controlOk(sb, '/jobs', { forge: 'gitlab', project: 101, tags: ['nix', 'arm64'], count: 2 });
		const [before] = (await waitingTruth()).gitlab.filter((w) => w.project_id === 101 && w.tags.join(',') === 'arm64,nix');
		expect(before.runners.matching).toBeGreaterThan(0);
		// Pause every runner that could take them: GitLab's own filter finds them by tags.
		const candidates = await gitlabJson<any[]>(sb, '/runners/all?tag_list=nix,arm64&per_page=100');
		for (const r of candidates) await controlOk(sb, `/gitlab/runners/${r.id}`, { paused: true });
		const [paused] = (await waitingTruth()).gitlab.filter((w) => w.project_id === 101 && w.tags.join(',') === 'arm64,nix');
		expect(paused.runners).toMatchObject({ matching: before.runners.matching, available: 0 });
		await controlOk(sb, '/clock', { advance_s: 600 });
		for (const id of added.job_ids) expect((await gitlabJson(sb, `/projects/101/jobs/${id}`)).status).toBe('pending');
		for (const r of candidates) await controlOk(sb, `/gitlab/runners/${r.id}`, { paused: false });
		await controlOk(sb, '/clock', { advance_s: 10 });
		for (const id of added.job_ids) expect((await gitlabJson(sb, `/projects/101/jobs/${id}`)).status).not.toBe('pending');
	});

	it('validates the body and changes nothing on a bad one', async () => {
		const before = (await state(sb)).gitlab.jobs.pending;
		const cases: [unknown, RegExp][] = [
			[{ forge: 'bitbucket', project: 101, tags: [] }, /forge must be gitlab or github/],
			[{ project: 101, tags: [] }, /forge must be gitlab or github/],
			[{ forge: 'gitlab', tags: ['x'] }, /project is required/],
			[{ forge: 'gitlab', project: 'nope/nothing', tags: ['x'] }, /no project nope\/nothing/],
			[{ forge: 'gitlab', project: 101 }, /tags/],
			[{ forge: 'gitlab', project: 101, tags: 'gpu' }, /tags must be an array of strings/],
			[{ forge: 'gitlab', project: 101, tags: ['x'], count: 0 }, /count must be at least 1/],
			[{ forge: 'gitlab', project: 101, tags: ['x'], count: 1001 }, /count must be at most 1000/],
			[{ forge: 'gitlab', project: 101, tags: ['x'], age_s: 90_000 }, /age_s must be at most/],
			[{ forge: 'gitlab', project: 101, tags: ['x'], labels: ['y'] }, /labels/]
		];
		for (const [body, message] of cases) {
			const res = await control(sb, '/jobs', body);
			expect(res.status, JSON.stringify(body)).toBe(400);
			expect(((await res.json()) as any).error).toMatch(message);
		}
		expect((await state(sb)).gitlab.jobs.pending).toBe(before);
	});
});

describe('deleting runners and dead weight', () => {
	it('counts runners offline longer than N days in the ground truth, and deletes them for real', async () => {
		const truth = (await (await fetch(`${sb.url}/_sandbox/state?offline_days=7`)).json()) as any;
		const dead = truth.dead_weight.gitlab;
		// GitLab's stale rule is exactly "last contact (or registration) over 7 days ago".
		expect(dead.total).toBe(truth.gitlab.runners.by_status.stale);
		expect(dead.total).toBeGreaterThan(5);
		expect(dead.never_contacted).toBeGreaterThan(0);
		expect(dead.runner_ids).toHaveLength(dead.total);
		const three = ((await (await fetch(`${sb.url}/_sandbox/state?offline_days=3`)).json()) as any).dead_weight.gitlab;
		expect(three.total).toBeGreaterThan(dead.total);
		expect(dead.runner_ids.every((id: number) => three.runner_ids.includes(id))).toBe(true);

		for (const id of dead.runner_ids) {
			const details = await gitlabJson(sb, `/runners/${id}`);
			expect(details.status).toBe('stale');
			if (details.contacted_at !== null) expect(Date.parse(truth.now) - Date.parse(details.contacted_at)).toBeGreaterThan(7 * 86_400_000);
			const res = await gitlab(sb, `/runners/${id}`, { method: 'DELETE' });
			expect(res.status).toBe(204);
			expect(await res.text()).toBe('');
		}
		const after = (await (await fetch(`${sb.url}/_sandbox/state?offline_days=7`)).json()) as any;
		expect(after.dead_weight.gitlab.total).toBe(0);
		expect(after.gitlab.runners.total).toBe(160 - dead.total);
		expect((await gitlab(sb, `/runners/${dead.runner_ids[0]}`)).status).toBe(404);
		expect((await gitlab(sb, `/runners/${dead.runner_ids[0]}`, { method: 'DELETE' })).status).toBe(404);
		expect((await gitlab(sb, '/runners/all?status=stale')).headers.get('x-total')).toBe('0');
		expect((await fetch(`${sb.url}/_sandbox/state?offline_days=soon`)).status).toBe(400);
		expect((await fetch(`${sb.url}/_sandbox/state?offline_days=-1`)).status).toBe(400);
		expect((await state(sb)).dead_weight).toBeUndefined();
	});
});

describe('a group’s projects', () => {
	it('lists the projects a client walks for the group’s pending jobs', async () => {
		const web = await gitlabJson<any[]>(sb, '/groups/web/projects');
		expect(web.map((p) => p.path_with_namespace).sort()).toEqual(['web/checkout', 'web/storefront']);
		expect((await gitlab(sb, '/groups/999/projects')).status).toBe(404);
	});
});
