import { describe, expect, it } from 'vitest';
import { PROJECTS } from './catalog.js';
import { DAY, FIXED_EPOCH_MS, HOUR, MINUTE } from './clock.js';
import { runnerMayTake } from './gitlab/board.js';
import { contactStatus, runnerStatus, type Runner } from './gitlab/model.js';
import { Rng } from './rng.js';
import { World } from './world.js';

/** The parts of a runner that define it (no live job objects). */
function identity(r: Runner) {
	const { running, history, ...rest } = r;
	return { ...rest, running: running.map((j) => j.id), history: history.map((j) => j.id) };
}

/** A runner as fleet generation makes it: jobs (the warm start's included) are the simulation's, not the runner's. */
function definition(r: Runner) {
	const { running: _running, history: _history, ...rest } = r;
	return rest;
}

function snapshot(w: World) {
	return { now: w.now(), counts: w.gitlab.counts(w.stepTime(), w.now()), runners: w.gitlab.runners.map(identity) };
}

describe('Rng', () => {
	it('is reproducible and stays in range', () => {
		const a = new Rng(7);
		const b = new Rng(7);
		const xs = Array.from({ length: 1000 }, () => a.next());
		expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
		expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
		expect(new Rng(8).next()).not.toBe(xs[0]);
		expect(new Rng(1).hex(12)).toMatch(/^[0-9a-f]{12}$/);
	});
});

describe('GitLab status rule', () => {
	const now = FIXED_EPOCH_MS + 30 * DAY;
	it('follows GitLab: online ≤ 2 h, stale > 7 days, never_contacted until 7 days old', () => {
		expect(contactStatus(now - 2 * HOUR, now - 30 * DAY, now)).toBe('online');
		expect(contactStatus(now - 2 * HOUR - 1, now - 30 * DAY, now)).toBe('offline');
		expect(contactStatus(now - 7 * DAY, now - 30 * DAY, now)).toBe('offline');
		expect(contactStatus(now - 7 * DAY - 1, now - 30 * DAY, now)).toBe('stale');
		expect(contactStatus(null, now - 6 * DAY, now)).toBe('never_contacted');
		expect(contactStatus(null, now - 8 * DAY, now)).toBe('stale');
	});
});

describe('fleet generation', () => {
	it('is identical for the same seed and differs across seeds', () => {
		expect(snapshot(new World({ seed: 1, gitlabRunners: 160 }))).toEqual(snapshot(new World({ seed: 1, gitlabRunners: 160 })));
		const a = new World({ seed: 1, gitlabRunners: 160 }).gitlab.runners.map(identity);
		const b = new World({ seed: 2, gitlabRunners: 160 }).gitlab.runners.map(identity);
		expect(a).not.toEqual(b);
	});

	it('spreads 160 runners over instance (40), 3 groups (20 each) and 6 projects (10 each)', () => {
		const w = new World({ seed: 1, gitlabRunners: 160 });
		const rs = w.gitlab.runners;
		expect(rs).toHaveLength(160);
		expect(rs.filter((r) => r.type === 'instance_type')).toHaveLength(40);
		const groups = new Map<number, number>();
		const projects = new Map<number, number>();
		for (const r of rs) {
			if (r.groupId !== null) groups.set(r.groupId, (groups.get(r.groupId) ?? 0) + 1);
			if (r.projectId !== null) projects.set(r.projectId, (projects.get(r.projectId) ?? 0) + 1);
		}
		expect([...groups.values()]).toEqual([20, 20, 20]);
		expect([...projects.values()]).toEqual([10, 10, 10, 10, 10, 10]);
		expect(new Set(rs.map((r) => r.id)).size).toBe(160);
	});

	it('gives runners realistic names, tags, versions, managers and every status', () => {
		const w = new World({ seed: 1, gitlabRunners: 160 });
		const statuses = new Set<string>();
		for (const r of w.gitlab.runners) {
			expect(r.description).toMatch(/^(docker|dind|nix)-runner-\d+$/);
			expect(r.tags).toContain(r.kind);
			expect(r.tags.some((t) => t === 'amd64' || t === 'arm64')).toBe(true);
			expect(['17.5.2', '17.4.0', '17.3.1', '16.11.0']).toContain(r.version);
			const status = runnerStatus(r, w.stepTime(), w.now());
			statuses.add(status);
			// Never contacted: no managers; a stale runner may never have contacted either.
			if (status === 'never_contacted') expect(r.managers).toHaveLength(0);
			else if (status !== 'stale') expect(r.managers.length).toBeGreaterThanOrEqual(1);
			expect(r.managers.length).toBeLessThanOrEqual(3);
			for (const m of r.managers) expect(m.systemId).toMatch(/^[rs]_[0-9a-f]{12}$/);
		}
		expect([...statuses].sort()).toEqual(['never_contacted', 'offline', 'online', 'stale']);
		expect(w.gitlab.runners.some((r) => r.paused)).toBe(true);
	});

	it('grows deterministically and shrinks newest-first', () => {
		const w = new World({ seed: 3, gitlabRunners: 160 });
		w.gitlab.resize(200, w.now());
		const grown = w.gitlab.runners.map(definition);
		expect(grown.slice(0, 160)).toEqual(new World({ seed: 3, gitlabRunners: 160 }).gitlab.runners.map(definition));
		w.gitlab.resize(150, w.now());
		expect(w.gitlab.runners.map((r) => r.id)).toEqual(grown.slice(0, 150).map((r) => r.id));
		w.gitlab.resize(200, w.now());
		expect(w.gitlab.runners.map(definition)).toEqual(grown);
		expect(w.gitlab.runner(1200)).toBeDefined();
		expect(w.gitlab.runner(1201)).toBeUndefined();
	});
});

describe('live simulation', () => {
	it('gives the same events for the same total time however it is sliced into ticks', () => {
		const a = new World({ seed: 5, gitlabRunners: 160 });
		const b = new World({ seed: 5, gitlabRunners: 160 });
		a.advance(2 * HOUR);
		for (let i = 0; i < 7200; i++) b.advance(1000);
		expect(snapshot(b)).toEqual(snapshot(a));
		expect(a.gitlab.counts(a.stepTime(), a.now()).jobs.success).toBeGreaterThan(0);
	});

	it('runs jobs only on runners allowed to take them, within capacity', () => {
		const w = new World({ seed: 9, gitlabRunners: 160, jobsPerMinute: 600 });
		w.advance(30 * MINUTE);
		let seen = 0;
		for (const r of w.gitlab.runners) {
			expect(r.running.length).toBeLessThanOrEqual(r.managers.filter((m) => m.active).length * r.concurrent);
			for (const j of [...r.running, ...r.history]) {
				const project = PROJECTS.find((p) => p.id === j.projectId);
				expect(runnerMayTake(r, { projectId: j.projectId, groupId: project?.groupId ?? -1, tags: j.tags, protectedRef: j.protectedRef })).toBe(true);
				expect(j.startedAt).not.toBeNull();
				expect(j.startedAt as number).toBeGreaterThanOrEqual(j.createdAt);
				seen++;
			}
			expect(r.history.length).toBeLessThanOrEqual(50);
		}
		expect(seen).toBeGreaterThan(100);
	});

	it('queues jobs beyond capacity and fails jobs stuck for a day', () => {
		const w = new World({ seed: 2, gitlabRunners: 160, jobsPerMinute: 5000 });
		w.advance(10 * MINUTE);
		const busy = w.gitlab.counts(w.stepTime(), w.now()).jobs;
		expect(busy.pending).toBeGreaterThan(1000);
		expect(busy.running).toBeGreaterThan(0);
		w.jobsPerMinute = 0;
		w.advance(25 * HOUR);
		const after = w.gitlab.counts(w.stepTime(), w.now()).jobs;
		expect(after.pending).toBe(0);
		expect(after.failed).toBeGreaterThan(busy.failed);
	});

	it('lets runners drop off and come back over time', () => {
		const w = new World({ seed: 4, gitlabRunners: 160 });
		const before = new Map(w.gitlab.runners.map((r) => [r.id, runnerStatus(r, w.stepTime(), w.now())]));
		w.advance(12 * HOUR);
		const changed = w.gitlab.runners.filter((r) => runnerStatus(r, w.stepTime(), w.now()) !== before.get(r.id));
		expect(changed.length).toBeGreaterThan(0);
	});
});
