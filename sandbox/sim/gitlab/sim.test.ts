import { describe, expect, it } from 'vitest';
import { projectById, type Project } from '../catalog.js';
import { DAY, MINUTE } from '../clock.js';
import { World } from '../world.js';
import { runnerMayTake } from './board.js';
import { runnerContactedAt, runnerStatus, type Job } from './model.js';
import { UNMATCHED_SHAPES } from './unmatched.js';

const waiting = (w: World): Job[] => [...w.gitlab.board.waiting()];
const nobodyCanTake = (w: World, j: Job) =>
	!w.gitlab.runners.some((r) => runnerMayTake(r, { projectId: j.projectId, groupId: projectById(j.projectId)?.groupId ?? 0, tags: j.tags, protectedRef: j.protectedRef }));

describe('jobs no runner can take', () => {
	it('start as a seeded backlog already waiting minutes, and stay pending', () => {
		const w = new World({ seed: 1, gitlabRunners: 160 });
		const backlog = waiting(w);
		expect(backlog.length).toBeGreaterThanOrEqual(2);
		expect(backlog.length).toBeLessThanOrEqual(4);
		expect(backlog.some((j) => j.tags.join(',') === 'gpu,cuda')).toBe(true);
		for (const j of backlog) {
			expect(nobodyCanTake(w, j)).toBe(true);
			expect(w.now() - j.createdAt).toBeGreaterThanOrEqual(5 * MINUTE);
			expect(w.now() - j.createdAt).toBeLessThanOrEqual(50 * MINUTE);
		}
		// The same for the same seed, different for another.
		expect(waiting(new World({ seed: 1, gitlabRunners: 160 })).map((j) => [j.id, j.tags, j.createdAt])).toEqual(backlog.map((j) => [j.id, j.tags, j.createdAt]));
		w.advance(30 * MINUTE);
		const still = waiting(w).filter((j) => backlog.includes(j));
		expect(still).toHaveLength(backlog.length);
		expect(still.every((j) => j.status === 'pending')).toBe(true);
	});

	it('keep arriving now and then, about one per 1800 regular arrivals', () => {
		const w = new World({ seed: 3, gitlabRunners: 160, jobsPerMinute: 600 });
		w.advance(3_600_000);
		const odd = waiting(w).filter((j) => nobodyCanTake(w, j));
		// ~20 over 36 000 arrivals, plus the backlog.
		expect(odd.length).toBeGreaterThan(8);
		expect(odd.length).toBeLessThan(50);
		expect(odd.every((j) => UNMATCHED_SHAPES.some((s) => s.tags.join(',') === j.tags.join(',')))).toBe(true);
	});
});

describe('pausing every runner a job could use', () => {
	it('leaves those jobs pending; resuming lets them run', () => {
		const w = new World({ seed: 2, gitlabRunners: 160, jobsPerMinute: 0 });
		const infra = projectById(101) as Project;
		const docker = w.gitlab.runners.filter((r) => runnerMayTake(r, { projectId: 101, groupId: infra.groupId, tags: ['docker'], protectedRef: true }));
		expect(docker.filter((r) => r.connected).length).toBeGreaterThan(5);
		for (const r of docker) w.gitlab.setPaused(r, true);
		const added = w.gitlab.addPending({ project: infra, tags: ['docker'], name: 'build' }, 5, w.now());
		expect(Array.isArray(added) && added).toHaveLength(5);
		w.advance(10 * MINUTE);
		expect((added as Job[]).every((j) => j.status === 'pending')).toBe(true);
		for (const r of docker) w.gitlab.setPaused(r, false);
		w.advance(30_000);
		expect((added as Job[]).every((j) => j.status !== 'pending')).toBe(true);
	});
});

describe('deleting runners', () => {
	it('removes them for good: their ids never return, regrown runners keep their names', () => {
		const w = new World({ seed: 5, gitlabRunners: 40, jobsPerMinute: 200 });
		w.advance(10 * MINUTE);
		const busy = w.gitlab.runners.find((r) => r.running.length > 0);
		expect(busy).toBeDefined();
		const jobs = [...busy!.running];
		const before = w.gitlab.counts(w.stepTime(), w.now()).jobs.failed;
		w.gitlab.remove(busy!, w.stepTime());
		expect(w.gitlab.runner(busy!.id)).toBeUndefined();
		expect(jobs.every((j) => j.status === 'failed' && j.failureReason === 'runner_system_failure')).toBe(true);
		expect(w.gitlab.counts(w.stepTime(), w.now()).jobs.failed).toBe(before + jobs.length);
		expect(w.gitlab.runners).toHaveLength(39);

		const names = new Map(new World({ seed: 5, gitlabRunners: 60 }).gitlab.runners.map((r) => [r.id, r.description]));
		w.gitlab.resize(20, w.now());
		w.gitlab.resize(59, w.now());
		expect(w.gitlab.runners).toHaveLength(59);
		expect(w.gitlab.runner(busy!.id)).toBeUndefined();
		for (const r of w.gitlab.runners) expect(r.description).toBe(names.get(r.id));
		expect(w.gitlab.runners.map((r) => r.id)).toEqual([...names.keys()].filter((id) => id !== busy!.id));
	});
});

describe('dead weight', () => {
	it('has runners silent or never contacted for days and weeks, some stale ones never contacted at all', () => {
		const w = new World({ seed: 1, gitlabRunners: 160 });
		const t = (r: (typeof w.gitlab.runners)[number]) => w.now() - (runnerContactedAt(r, w.stepTime()) ?? r.createdAt);
		const stale = w.gitlab.runners.filter((r) => runnerStatus(r, w.stepTime(), w.now()) === 'stale');
		expect(stale.length).toBeGreaterThan(5);
		expect(stale.every((r) => t(r) > 7 * DAY && t(r) < 400 * DAY)).toBe(true);
		expect(stale.some((r) => r.managers.length === 0)).toBe(true);
		expect(w.gitlab.runners.some((r) => runnerStatus(r, w.stepTime(), w.now()) === 'offline' && t(r) > DAY)).toBe(true);
	});
});

describe('version skew', () => {
	it('spreads runner versions across releases against GitLab 17.5: mostly current, some a minor or two behind, a few a major behind', () => {
		const w = new World({ seed: 1, gitlabRunners: 1000 });
		const share = (prefix: string) => w.gitlab.runners.filter((r) => r.version.startsWith(prefix)).length / 1000;
		expect(share('17.5.')).toBeGreaterThan(0.6);
		expect(share('17.4.') + share('17.3.')).toBeGreaterThan(0.15);
		expect(share('16.')).toBeGreaterThan(0.02);
		expect(share('16.')).toBeLessThan(0.1);
	});
});

describe('a mid-day start', () => {
	it('has jobs running since minutes before the start, on runners that may take them, within their capacity', () => {
		const w = new World({ seed: 1, gitlabRunners: 160 });
		const now = w.now();
		const busy = w.gitlab.runners.filter((r) => r.running.length > 0);
		const running = busy.flatMap((r) => r.running.map((j) => ({ r, j })));
		expect(w.gitlab.counts(w.stepTime(), now).jobs.running).toBe(running.length);
		// About half the ~125 connected runners, one to three jobs each: as busy as the steady state at 30 jobs a minute.
		expect(busy.length).toBeGreaterThan(30);
		expect(running.length).toBeGreaterThan(40);
		for (const { r, j } of running) {
			expect(r.connected && !r.paused).toBe(true);
			expect(r.running.length).toBeLessThanOrEqual(r.concurrent * r.managers.filter((m) => m.active).length);
			expect(j).toMatchObject({ status: 'running', runnerId: r.id });
			expect(runnerMayTake(r, { projectId: j.projectId, groupId: projectById(j.projectId)?.groupId ?? 0, tags: j.tags, protectedRef: j.protectedRef })).toBe(true);
			expect(r.managers.some((m) => m.active && m.systemId === j.systemId)).toBe(true);
			expect(j.startedAt).toBeLessThan(now);
			expect(now - (j.startedAt as number)).toBeLessThan(60 * MINUTE);
			expect(j.createdAt).toBeLessThan(j.startedAt as number);
			expect(j.endsAt).toBeGreaterThan(now);
		}
		// Caught part-way through, long jobs more often: many began minutes ago.
		expect(running.filter(({ j }) => now - (j.startedAt as number) > 2 * MINUTE).length).toBeGreaterThan(running.length / 4);
		// Some finished shortly before the start: recent history, not counted since the start.
		const finished = w.gitlab.runners.flatMap((r) => r.history);
		expect(finished.length).toBeGreaterThan(10);
		expect(finished.every((j) => now - (j.finishedAt as number) <= 10 * MINUTE)).toBe(true);
		expect(finished.every((j) => (j.finishedAt as number) <= now && j.status !== 'running')).toBe(true);
		expect(w.gitlab.counts(w.stepTime(), now).jobs).toMatchObject({ success: 0, failed: 0, canceled: 0 });
		// They end on their own schedule.
		w.advance(20 * MINUTE);
		const ended = running.filter(({ j }) => j.status !== 'running');
		expect(ended.length).toBeGreaterThan(running.length / 2);
		for (const { j } of ended) expect(j.finishedAt).toBe(j.endsAt);
	});

	it('is the same for the same seed and origin, shifted with the origin', () => {
		const jobs = (w: World) => w.gitlab.runners.flatMap((r) => r.running.map((j) => [r.id, j.id, j.name, j.tags, (j.startedAt as number) - w.now(), j.endsAt - w.now()]));
		const a = new World({ seed: 5, gitlabRunners: 160 });
		expect(jobs(new World({ seed: 5, gitlabRunners: 160 }))).toEqual(jobs(a));
		expect(jobs(new World({ seed: 5, gitlabRunners: 160, origin: a.now() + 3 * DAY }))).toEqual(jobs(a));
		expect(jobs(new World({ seed: 6, gitlabRunners: 160 }))).not.toEqual(jobs(a));
	});
});
