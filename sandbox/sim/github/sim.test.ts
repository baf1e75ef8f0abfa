import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../clock.js';
import { World } from '../world.js';
import type { PlainRunner } from './model.js';
import { runConclusion, runStatus } from './runs.js';

const queued = (w: World) => [...w.github.plainWaiting()];

describe('jobs no runner or scale set can take', () => {
	it('start as a seeded backlog already waiting minutes, in runs of their own, and stay queued', () => {
		const w = new World({ seed: 1, gitlabRunners: 10 });
		const groups = queued(w);
		const jobs = groups.flatMap((g) => g.jobs);
		expect(jobs.length).toBeGreaterThanOrEqual(2);
		expect(jobs.some((j) => j.target.kind === 'labels' && j.target.labels.includes('cuda'))).toBe(true);
		for (const j of jobs) {
			expect(w.now() - j.createdAt).toBeGreaterThanOrEqual(5 * MINUTE);
			const run = w.github.runs.run(j.runId);
			expect(run?.jobs).toEqual([j]);
			expect(runStatus(run!)).toBe('queued');
		}
		// No plain runner holds every label, no scale set has the name.
		for (const g of groups) {
			if (g.jobs[0]?.target.kind === 'scale_set') expect(w.github.scaleSetNames()).not.toContain(g.labels[0]);
			else expect(w.github.plain.some((r) => g.labels.every((l) => r.labelKeys.includes(l)))).toBe(false);
		}
		w.advance(20 * MINUTE);
		expect(jobs.every((j) => j.status === 'queued')).toBe(true);
	});
});

describe('workflow runs', () => {
	it('group jobs and report GitHub’s run status and conclusion', () => {
		const w = new World({ seed: 2, gitlabRunners: 10, githubJobsPerMinute: 60 });
		w.advance(30 * MINUTE);
		const runs = ['sandbox-org/runner-images', 'sandbox-org/storefront'].flatMap((r) => w.github.runs.ofRepo(r));
		expect(runs.length).toBeGreaterThan(50);
		const statuses = new Set(runs.map(runStatus));
		expect([...statuses].sort()).toEqual(['completed', 'in_progress', 'queued']);
		for (const run of runs) {
			const s = runStatus(run);
			if (s === 'completed') expect(run.jobs.every((j) => j.status === 'completed') && runConclusion(run) !== null).toBe(true);
			if (s === 'queued') expect(run.jobs.every((j) => j.status === 'queued' || j.status === 'assigned')).toBe(true);
			expect(run.jobs.every((j) => j.runId === run.id && w.github.runs.job(j.id) === j)).toBe(true);
		}
		// Newest first, ids unique.
		const ids = w.github.runs.ofRepo('sandbox-org/storefront').map((r) => r.id);
		expect(ids).toEqual([...ids].sort((a, b) => b - a));
	});
});

describe('deleting runners', () => {
	it('refuses a busy runner, removes an idle one for good', () => {
		const w = new World({ seed: 1, gitlabRunners: 10, githubJobsPerMinute: 0 });
		const busy = w.github.plain.find((r) => r.job !== null) as PlainRunner;
		expect(w.github.removeRunner({ kind: 'plain', runner: busy }, w.stepTime())).toBe(false);
		expect(w.github.runner(busy.id)).toBe(busy);
		const idle = w.github.plain.find((r) => r.job === null) as PlainRunner;
		expect(w.github.removeRunner({ kind: 'plain', runner: idle }, w.stepTime())).toBe(true);
		expect(w.github.runner(idle.id)).toBeUndefined();
		w.github.resize(10, w.now());
		w.github.resize(50, w.now());
		expect(w.github.runner(idle.id)).toBeUndefined();
		expect(w.github.plain).toHaveLength(50);
	});

	it('lets an idle ARC runner exit: GitHub forgets it at once, ARC cleans up on its next pass over the set', () => {
		const w = new World({ seed: 1, gitlabRunners: 10, githubJobsPerMinute: 0 });
		const reg = w.github.orgRunners().find((r) => r.kind === 'ephemeral');
		expect(reg).toBeDefined();
		const name = reg!.runner.name;
		expect(w.cluster.get('actions.github.com/v1alpha1', 'EphemeralRunner', 'arc-runners', name)).toBeDefined();
		expect(w.github.removeRunner(reg!, w.stepTime())).toBe(true);
		expect(w.github.ephemeralRunner(reg!.runner.id)).toBeUndefined();
		w.githubJobsPerMinute = 60;
		w.advance(3 * MINUTE);
		expect(w.cluster.get('actions.github.com/v1alpha1', 'EphemeralRunner', 'arc-runners', name)).toBeUndefined();
		expect(w.github.orgRunners().some((r) => r.kind === 'ephemeral' && r.runner.scaleSet === 'gh-docker')).toBe(true);
	});
});

describe('dead weight', () => {
	it('has abandoned runners offline for days and weeks that never come back', () => {
		const w = new World({ seed: 1, gitlabRunners: 10, githubRunners: 200 });
		const abandoned = w.github.plain.filter((r) => !r.connected && r.offlineSince !== null && w.now() - r.offlineSince > 3 * DAY);
		expect(abandoned.length).toBeGreaterThan(3);
		expect(abandoned.every((r) => r.offlineSince! > r.createdAt && r.nextChurnAt === Infinity)).toBe(true);
		w.githubJobsPerMinute = 0;
		w.advance(4 * HOUR);
		expect(abandoned.every((r) => !r.connected)).toBe(true);
		// Runners that drop off later know since when.
		const dropped = w.github.plain.filter((r) => !r.connected && r.offlineSince !== null && w.now() - r.offlineSince < 4 * HOUR);
		expect(dropped.length).toBeGreaterThan(0);
		expect(w.github.plain.filter((r) => r.connected).every((r) => r.offlineSince === null)).toBe(true);
	});
});
