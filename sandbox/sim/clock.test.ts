import { describe, expect, it } from 'vitest';
import { DAY, FIXED_EPOCH, FIXED_EPOCH_MS, HOUR, SimClock, originFor } from './clock.js';
import type { Runner } from './gitlab/model.js';
import type { PlainRunner } from './github/model.js';
import { World } from './world.js';

describe('origin', () => {
	it('is the wall clock to the whole second by default, or the given epoch', () => {
		expect(originFor(undefined, Date.parse('2026-12-02T22:16:38.734Z'))).toBe(Date.parse('2026-12-02T22:16:38Z'));
		expect(originFor(FIXED_EPOCH)).toBe(FIXED_EPOCH_MS);
		expect(originFor('2026-03-01T12:30:00+01:00')).toBe(Date.parse('2026-03-01T11:30:00Z'));
		expect(new SimClock(Date.parse('2026-05-05T05:05:05Z')).now()).toBe(Date.parse('2026-05-05T05:05:05Z'));
	});

	it('refuses what is not a full ISO date-time with a zone, or lies before the catalog’s fixed dates', () => {
		for (const bad of ['2026-01-01', 'tomorrow', '2026-13-01T00:00:00Z', '2026-01-01T00:00:00', '']) {
			expect(() => originFor(bad), bad).toThrow(/ISO 8601 date-time with a zone/);
		}
		expect(() => originFor('2025-06-01T00:00:00Z')).toThrow(/must not be before 2026-01-01T00:00:00Z/);
	});
});

/** Every time field of a GitLab runner, shifted by `d` (the rest as is). */
function shiftedRunner(r: Runner, d: number) {
	const { running, history, ...rest } = r;
	return {
		...rest,
		createdAt: r.createdAt + d,
		nextChurnAt: r.nextChurnAt + d,
		managers: r.managers.map((m) => ({ ...m, createdAt: m.createdAt + d, contactedAt: m.contactedAt === null ? null : m.contactedAt + d })),
		running: running.map((j) => [j.id, j.createdAt + d, j.startedAt === null ? null : j.startedAt + d]),
		history: history.map((j) => [j.id, j.status, j.finishedAt === null ? null : j.finishedAt + d])
	};
}

function plain(r: PlainRunner, d: number) {
	return { id: r.id, connected: r.connected, createdAt: r.createdAt + d, offlineSince: r.offlineSince === null ? null : r.offlineSince + d, nextChurnAt: r.nextChurnAt + d, job: r.job?.id ?? null };
}

describe('a world at another origin', () => {
	it('is the same world shifted in time: nothing assumes a particular origin', () => {
		const d = 337 * DAY + 5 * HOUR + 3_000;
		const a = new World({ seed: 4, gitlabRunners: 160, jobsPerMinute: 120 });
		const b = new World({ seed: 4, gitlabRunners: 160, jobsPerMinute: 120, origin: FIXED_EPOCH_MS + d });
		for (const w of [a, b]) w.advance(HOUR);
		expect(b.now() - a.now()).toBe(d);
		expect(b.gitlab.runners.map((r) => shiftedRunner(r, 0))).toEqual(a.gitlab.runners.map((r) => shiftedRunner(r, d)));
		expect(b.gitlab.counts(b.stepTime(), b.now())).toEqual(a.gitlab.counts(a.stepTime(), a.now()));
		expect(b.github.plain.map((r) => plain(r, 0))).toEqual(a.github.plain.map((r) => plain(r, d)));
		expect(b.github.counts()).toEqual(a.github.counts());
		expect(b.kube.counts()).toEqual(a.kube.counts());
		// Cluster objects: the same objects, every timestamp d later (the install a month before the start).
		const objects = (w: World, shift: number) =>
			JSON.stringify(w.cluster.list('apps/v1', 'Deployment')).replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, (t) => new Date(Date.parse(t) + shift).toISOString());
		expect(objects(b, 0)).toBe(objects(a, d));
		const created = a.cluster.list('apps/v1', 'Deployment').map((o) => Date.parse(o.metadata.creationTimestamp ?? ''));
		expect(created.every((t) => t === FIXED_EPOCH_MS - 30 * DAY)).toBe(true);
		// The GitOps history and states: one month and more before the start, whatever the start.
		const history = (w: World) => w.gitops.repo.log(w.gitops.repo.head()).map((c) => w.now() - c.at);
		expect(history(b)).toEqual(history(a));
		expect(Math.min(...history(a))).toBeGreaterThan(30 * DAY);
	});
});
