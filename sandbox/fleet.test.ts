import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from './index.js';
import { githubJson } from './github/testing.js';
import { control, controlOk, start, state } from './testing.js';

let sb: Sandbox;
beforeEach(async () => {
	// An idle start: the HPAs begin at their minimum (the ground truth below says so).
	sb = await start({ warmStart: false });
});
afterEach(async () => {
	await sb.close();
});

describe('ground truth for GitHub, ARC and Kubernetes', () => {
	it('reports the default fleet', async () => {
		const s = await state(sb);
		expect(s.github_jobs_per_minute).toBe(8);
		expect(s.github.runners).toMatchObject({ total: 39, ephemeral: 1 });
		expect(s.github.runners.by_status.online + s.github.runners.by_status.offline).toBe(39);
		expect(s.github.repository_runners).toMatchObject({ total: 2, by_repo: { 'sandbox-org/runner-images': 1, 'sandbox-org/storefront': 1 } });
		expect(s.github.runners.busy).toBeGreaterThan(0);
		// Queued at start: only the backlog of jobs asking for what no runner or scale set offers.
		const waiting = (await (await fetch(`${sb.url}/_sandbox/jobs`)).json()).github;
		expect(s.github.jobs.queued).toBeGreaterThanOrEqual(2);
		expect(s.github.jobs.queued).toBe(waiting.reduce((n: number, w: any) => n + w.waiting, 0));
		expect(waiting.every((w: any) => w.runners.matching === 0)).toBe(true);
		expect(s.github.jobs.assigned).toBe(0);
		expect(s.arc.scale_sets.map((x: any) => [x.name, x.namespace, x.min_runners, x.max_runners, x.current_runners, x.assigned_jobs, x.running_jobs])).toEqual([
			['gh-dind', 'arc-runners', 0, 5, 0, 0, 0],
			['gh-docker', 'arc-runners', 1, 20, 1, 0, 0],
			['gh-nix', 'arc-runners', 0, 10, 0, 0, 0]
		]);
		expect(s.k8s.pods).toMatchObject({ total: 9, by_namespace: { 'arc-runners': 1, 'arc-systems': 4, 'gitlab-runners': 4 } });
		expect(s.k8s.hpas.map((h: any) => [h.name, h.min, h.max, h.current, h.desired])).toEqual([
			['dind-runner-hpa', 1, 4, 0, 0],
			['docker-runner-hpa', 2, 8, 0, 0],
			['nix-runner-hpa', 1, 6, 0, 0]
		]);
		const later = await controlOk(sb, '/clock', { advance_s: 30 });
		expect(later.k8s.hpas.map((h: any) => h.current)).toEqual([1, 2, 1]);
	});

	it('takes github_jobs_per_minute on its own or with jobs_per_minute, and validates it', async () => {
		const s = await controlOk(sb, '/load', { github_jobs_per_minute: 120 });
		expect([s.jobs_per_minute, s.github_jobs_per_minute]).toEqual([30, 120]);
		const after = await controlOk(sb, '/clock', { advance_s: 600 });
		expect(after.github.jobs.assigned).toBeGreaterThan(after.github.jobs.running - after.github.runners.busy);
		expect(after.arc.scale_sets.every((x: any) => x.current_runners > 0)).toBe(true);
		for (const [body, msg] of [
			[{ github_jobs_per_minute: -1 }, /github_jobs_per_minute must be at least 0/],
			[{ github_jobs_per_minute: 'x' }, /github_jobs_per_minute must be a number/],
			[{ github_runners: 10001 }, /github_runners must be at most 10000/],
			[{ scale_sets: 1.5 }, /scale_sets must be a whole number/],
			[{}, /give at least one of gitlab_runners/]
		] as const) {
			const res = await control(sb, 'github_jobs_per_minute' in body ? '/load' : '/fleet', body);
			expect(res.status).toBe(400);
			expect(((await res.json()) as any).error).toMatch(msg);
		}
	});

	it('reaches the fleet benchmark size and keeps stepping quickly', async () => {
		await controlOk(sb, '/load', { github_jobs_per_minute: 0 });
		const t0 = performance.now();
		await controlOk(sb, '/fleet', { gitlab_runners: 10000, github_runners: 2000, scale_sets: 40, ephemeral_runners: 1000, pods: 3000 });
		const s = await controlOk(sb, '/clock', { advance_s: 180 });
		const setup = performance.now() - t0;
		expect(s.gitlab.runners.total).toBe(10000);
		expect(s.github.runners).toMatchObject({ total: 2900, ephemeral: 1000 });
		expect(s.github.repository_runners.total).toBe(100);
		expect(s.arc.scale_sets).toHaveLength(40);
		expect(s.arc.scale_sets.every((x: any) => x.current_runners === 25 && x.running === 25)).toBe(true);
		expect(s.k8s.pods.total).toBe(3000);
		expect(s.k8s.pods.by_namespace).toEqual({ 'arc-runners': 1000, 'arc-systems': 41, 'gitlab-runners': 1959 });
		expect(s.k8s.pods.by_phase).toEqual({ Running: 3000 });

		await controlOk(sb, '/load', { jobs_per_minute: 30, github_jobs_per_minute: 8 });
		const t1 = performance.now();
		await controlOk(sb, '/clock', { advance_s: 600 });
		const perStep = (performance.now() - t1) / 120;
		console.log(`fleet at benchmark size: set-up ${Math.round(setup)} ms, ${perStep.toFixed(2)} ms per 5 s step`);
		expect(perStep).toBeLessThan(50);
		const page = (await githubJson(sb, '/orgs/sandbox-org/actions/runners?per_page=100')) as any;
		expect(page.total_count).toBe((await state(sb)).github.runners.total);
	});

	it('is deterministic through the APIs: same seed, same control calls, same answers', async () => {
		const other = await start({ warmStart: false });
		try {
			for (const s of [sb, other]) {
				await controlOk(s, '/load', { github_jobs_per_minute: 60 });
				await controlOk(s, '/clock', { advance_s: 900 });
			}
			const read = async (s: Sandbox, path: string) => JSON.stringify(await githubJson(s, path)).replaceAll(s.url, '');
			for (const path of ['/orgs/sandbox-org/actions/runners?per_page=100', '/repos/sandbox-org/storefront/actions/runners', '/orgs/sandbox-org/actions/runner-groups/2/runners']) {
				expect(await read(other, path)).toBe(await read(sb, path));
			}
			const [a, b] = [await state(sb), await state(other)];
			expect([b.github, b.arc, b.k8s]).toEqual([a.github, a.arc, a.k8s]);
		} finally {
			await other.close();
		}
	});
});
