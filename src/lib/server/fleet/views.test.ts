import { beforeAll, describe, expect, it } from 'vitest';
import { fleetQuery, queryFleet } from '$lib/core/fleet-query';
import { makeRunner } from '$lib/core/runner.fixture';
import type { Runner } from '$lib/core/runner';
import { skewJudge } from '$lib/core/versions';
import { FleetCache } from './cache';
import { FleetViews } from './views';

const q = (input: Record<string, string> = {}) => fleetQuery.parse(input);

describe('FleetViews', () => {
	const fleet = new FleetCache();
	beforeAll(() => fleet.replaceSource('corp', Array.from({ length: 300 }, (_, i) => makeRunner({ upstream_id: i + 1, name: `runner-${(i * 7919) % 300}`, status: i % 3 ? 'online' : 'offline', tags: i % 2 ? ['docker'] : ['nix'] }))));
	const views = new FleetViews(fleet);

	it('answers exactly what the plain query answers, for sorts in both directions and filters', () => {
		for (const input of [{}, { sort: '-name' }, { sort: 'status', status: 'online' }, { tag: 'docker', sort: '-id', page: '2' }, { q: 'runner-1', sort: 'name' }] as Record<string, string>[]) {
			expect(views.query(q(input)), JSON.stringify(input)).toEqual(queryFleet(fleet.values(), q(input)));
		}
	});

	it('serves a repeated query from cache, and recomputes after the fleet changes', () => {
		const first = views.query(q({ status: 'offline' }));
		expect(views.query(q({ status: 'offline' }))).toBe(first);
		fleet.upsert(makeRunner({ upstream_id: 2, status: 'offline' }));
		const after = views.query(q({ status: 'offline' }));
		expect(after).not.toBe(first);
		expect(after.total).toBe(first.total + 1);
	});

	it('reuses a serialised answer within a second while the fleet is unchanged, and never across a change', () => {
		let marks = 0;
		const mark = (items: unknown[]) => (marks++, items.map((i) => ({ ...(i as object), stale: false })));
		const query = q({ status: 'online', sort: 'name' });
		const body = views.json(query, mark, 1_000);
		expect(JSON.parse(body.toString())).toEqual({ ...views.query(query), items: views.query(query).items.map((i) => ({ ...i, stale: false })) });
		expect(views.json(query, mark, 1_900)).toBe(body);
		expect(marks).toBe(1);
		views.json(query, mark, 2_000);
		expect(marks).toBe(2);
		fleet.upsert(makeRunner({ upstream_id: 3, name: 'renamed-runner', status: 'online' }));
		expect(JSON.parse(views.json(query, mark, 2_001).toString()).items.some((r: { name: string }) => r.name === 'renamed-runner')).toBe(true);
		expect(marks).toBe(3);
	});

	it('never serves an outdated filter or mark judged against a reference that has since changed', async () => {
		const cache = new FleetCache();
		await cache.replaceSource('corp', [makeRunner({ upstream_id: 1, version: '17.4.0' }), makeRunner({ upstream_id: 2, version: '17.5.2' })]);
		let reference = '17.4.3';
		let generation = 0;
		const skew = { outdated: (r: { forge: 'gitlab' | 'github'; source: string; version: string | null }) => skewJudge(() => reference)(r), generation: () => generation };
		const v = new FleetViews(cache, skew);
		const query = q({ outdated: 'true' });
		const mark = (items: Runner[]) => items.map((r) => ({ id: r.id, outdated: skew.outdated(r) }));
		expect(v.query(query).total).toBe(0);
		expect(JSON.parse(v.json(q(), mark, 1_000).toString()).items.map((i: { outdated: string }) => i.outdated)).toEqual(['false', 'false']);
		// The forge was upgraded: same fleet, new reference.
		reference = '17.5.2';
		generation++;
		expect(v.query(query).items.map((r) => r.id)).toEqual(['gitlab:corp:1']);
		expect(JSON.parse(v.json(q(), mark, 1_001).toString()).items.map((i: { outdated: string }) => i.outdated)).toEqual(['true', 'false']);
	});

	it('patches its sorted orders through syncs, actions and resyncs and still answers what a fresh query answers', async () => {
		const cache = new FleetCache();
		const v = new FleetViews(cache);
		const inputs: Record<string, string>[] = [{ sort: 'name' }, { sort: '-status' }, { sort: 'version', per_page: '200' }, { sort: '-contacted_at', status: 'online' }];
		const check = (what: string) => {
			for (const input of inputs) expect(v.query(q(input)), `${what} ${JSON.stringify(input)}`).toEqual(queryFleet(cache.values(), q(input)));
		};
		let seed = 7;
		const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
		const reading = (n: number) =>
			Array.from({ length: n }, (_, i) =>
				makeRunner({ upstream_id: i + 1, name: `r-${rnd(50)}`, status: (['online', 'offline', 'stale'] as const)[rnd(3)]!, version: `17.${rnd(12)}.0`, contacted_at: new Date(1.7e12 + rnd(1e6) * 1000).toISOString() })
			);
		await cache.replaceSource('corp', reading(400));
		check('first sync');
		for (let round = 0; round < 20; round++) {
			const runners = [...cache.values()].filter(() => rnd(40) !== 0);
			for (let k = 0; k < 5; k++) {
				const i = rnd(runners.length);
				runners[i] = { ...runners[i]!, status: (['online', 'offline', 'stale'] as const)[rnd(3)]!, name: `r-${rnd(50)}` };
			}
			runners.push(makeRunner({ upstream_id: 1000 + round, name: `r-${rnd(50)}` }));
			await cache.replaceSource('corp', runners);
			if (round % 3 === 0) cache.upsert({ ...runners[rnd(runners.length)]!, paused: true, status: 'offline' });
			check(`round ${round}`);
		}
		await cache.replaceSource('corp', reading(2_500)); // more than the change log keeps: sorted again
		check('resync');
	});
});
