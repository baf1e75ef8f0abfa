import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, TOKEN, walk } from '../../../../sandbox/testing';
import type { Sandbox } from '../../../../sandbox/index';
import { createGitlabClient } from './client';
import { listPendingJobs } from './pending-jobs';

let sb: Sandbox;
beforeAll(async () => {
	sb = await start();
});
afterAll(async () => {
	await sb?.close();
});

describe('listPendingJobs', () => {
	it('names a project configured by id by its path, as runners’ scopes do, reading it once', async () => {
		const client = createGitlabClient({ source: 'pj', url: `${sb.url}/gitlab`, token: TOKEN });
		const all = await listPendingJobs(client, 'pj', 'all');
		const withJobs = all.jobs[0]!;
		expect(withJobs.project).toContain('/');
		const project = (await walk(sb, '/projects')).find((p: { path_with_namespace: string }) => p.path_with_namespace === withJobs.project);
		const byId = await listPendingJobs(client, 'pj', { projects: [project.id] });
		expect(new Set(byId.jobs.map((j) => j.project))).toEqual(new Set([withJobs.project]));
		expect(byId.jobs.length).toBe(all.jobs.filter((j) => j.project === withJobs.project).length);
		expect(byId.requests).toBe(2); // the project once, then its jobs
		expect((await listPendingJobs(client, 'pj', { projects: [project.id] })).requests).toBe(1);
		// A path needs no reading.
		expect((await listPendingJobs(client, 'pj', { projects: [withJobs.project] })).jobs.map((j) => j.project)).toEqual(byId.jobs.map((j) => j.project));
	});
});
