// The sandbox's clock starts at the wall clock by default: every timestamp it serves is
// in the past of the real now and ages computed from them are real.

import { describe, expect, it } from 'vitest';
import { startSandbox } from './index.js';
import { DAY, FIXED_EPOCH } from './sim/clock.js';
import { githubJson } from './github/testing.js';
import { gitlabJson, start, state } from './testing.js';

const ISO = /"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))"/g;
const times = (body: unknown) => [...JSON.stringify(body).matchAll(ISO)].map((m) => Date.parse(m[1] as string));

describe('the default clock', () => {
	it('starts at the real time and serves nothing from the future', async () => {
		const before = Date.now();
		const sb = await start();
		const after = Date.now();
		try {
			const s = await state(sb);
			expect(Date.parse(s.epoch)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
			expect(Date.parse(s.epoch)).toBeLessThanOrEqual(after);
			expect(s.now).toBe(s.epoch);

			const bodies: unknown[] = [];
			const get = async (path: string) => {
				const res = await fetch(`${sb.url}${path}`, { headers: { 'PRIVATE-TOKEN': 'sandbox-gitlab-token', Authorization: 'Bearer sandbox-github-token' } });
				expect(res.status, path).toBe(200);
				const body = await res.json();
				bodies.push(body);
				return body as any;
			};
			const runners = await get('/gitlab/api/v4/runners/all?per_page=100');
			for (const r of runners.slice(0, 40)) {
				const d = await get(`/gitlab/api/v4/runners/${r.id}`);
				await get(`/gitlab/api/v4/runners/${r.id}/managers`);
				const age = d.contacted_at === null ? null : Date.now() - Date.parse(d.contacted_at);
				// Online by GitLab's definition, and in practice polling right now.
				if (d.status === 'online') expect(age).toBeLessThanOrEqual(2 * 3_600_000);
				if (d.status === 'stale' && age !== null) expect(age).toBeGreaterThan(7 * DAY);
			}
			const online = await gitlabJson<any[]>(sb, '/runners/all?status=online&per_page=100');
			const fresh = await Promise.all(online.slice(0, 20).map((r) => gitlabJson(sb, `/runners/${r.id}`)));
			expect(fresh.filter((d) => Date.now() - Date.parse(d.contacted_at) < 60_000).length).toBeGreaterThan(15);
			await get('/gitlab/api/v4/projects/106/jobs?scope[]=pending');
			await get('/gitlab/api/v4/projects/42/repository/commits');
			await get('/gitlab/api/v4/projects/42/terraform/state/gitlab-runners-dev');
			for (const path of ['/api/v1/pods', '/apis/apps/v1/deployments', '/apis/autoscaling/v2/horizontalpodautoscalers', '/apis/actions.github.com/v1alpha1/ephemeralrunners', '/api/v1/events']) await get(`/k8s${path}`);
			await get('/github/api/v3/orgs/sandbox-org/actions/runners');
			await get('/github/api/v3/repos/sandbox-org/storefront');
			const runs = await get('/github/api/v3/repos/sandbox-org/storefront/actions/runs?status=in_progress');
			for (const run of runs.workflow_runs) {
				const jobs = await get(`/github/api/v3/repos/sandbox-org/storefront/actions/runs/${run.id}/jobs`);
				// Jobs running at the start began minutes ago.
				for (const j of jobs.jobs.filter((x: any) => x.status === 'in_progress')) expect(Date.now() - Date.parse(j.started_at)).toBeLessThan(15 * 60_000);
			}
			const all = bodies.flatMap(times);
			expect(all.length).toBeGreaterThan(200);
			const latest = Math.max(...all);
			expect(latest).toBeLessThanOrEqual(Date.now());
			expect(latest).toBeGreaterThan(Date.now() - 60_000);
			expect(Math.min(...all)).toBeGreaterThan(Date.parse('2023-01-01T00:00:00Z'));
			// The stacks were installed a month before the start.
			const deploys = await get('/k8s/apis/apps/v1/namespaces/gitlab-runners/deployments');
			for (const d of deploys.items) expect(Date.parse(s.epoch) - Date.parse(d.metadata.creationTimestamp)).toBe(30 * DAY);
		} finally {
			await sb.close();
		}
	});

	it('keeps tracking the real time at speed 1', async () => {
		const sb = await start({ tickMs: 20 });
		try {
			const t0 = Date.now();
			await new Promise((r) => setTimeout(r, 1200));
			const s = await state(sb);
			const simulated = Date.parse(s.now) - Date.parse(s.epoch);
			expect(simulated).toBeGreaterThan(700);
			expect(simulated).toBeLessThanOrEqual(Date.now() - t0 + 1000);
			expect(Date.parse(s.now)).toBeLessThanOrEqual(Date.now());
		} finally {
			await sb.close();
		}
	});

	it('starts at a fixed epoch when given one; refuses an unreadable one', async () => {
		const sb = await start({ epoch: FIXED_EPOCH });
		try {
			expect(await state(sb)).toMatchObject({ epoch: '2026-01-01T00:00:00.000Z', now: '2026-01-01T00:00:00.000Z' });
			const org = await githubJson(sb, '/repos/sandbox-org/runner-images');
			expect(org.pushed_at).toBe('2025-12-30T16:24:00Z');
		} finally {
			await sb.close();
		}
		await expect(startSandbox({ port: 0, epoch: 'yesterday' })).rejects.toThrow(/sandbox: epoch must be an ISO 8601 date-time/);
	});
});
