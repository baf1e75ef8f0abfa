import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SORTABLE, fleetQuery, patchSorted, queryFleet, sortRunners, type FleetQuery } from './fleet-query';
import type { Runner } from './runner';
import { makeRunner } from './runner.fixture';
import { skewJudge } from './versions';

const runner = makeRunner;

const q = (input: Record<string, string> = {}): FleetQuery => fleetQuery.parse(input);
const ids = (rs: Runner[]) => rs.map((r) => r.id);

const fleet: Runner[] = [
	runner({ upstream_id: 1, name: 'runner-1', tags: ['docker', 'linux'], ip_address: '10.0.0.1', version: '17.5.0' }),
	runner({ upstream_id: 2, name: 'runner-2', status: 'offline', tags: ['linux'], version: '17.4.2', type: 'group_type' }),
	runner({ upstream_id: 10, name: 'runner-10', status: 'stale', paused: true, tags: ['docker'], version: '16.11.0', type: 'project_type' }),
	runner({ forge: 'github', source: 'gh', upstream_id: 3, name: 'arc-a', type: 'organization', scale_set: 'arc-linux', version: '2.320.0', tags: ['self-hosted', 'linux'] }),
	runner({ forge: 'github', source: 'gh', upstream_id: 4, name: 'Build-Box', status: 'offline', paused: true, type: 'repository', version: null, ip_address: '192.168.1.7' })
];

describe('fleetQuery schema', () => {
	it('applies defaults', () => {
		expect(q()).toEqual({ page: 1, per_page: 50, sort: 'name' });
	});

	it('coerces numbers and splits comma lists', () => {
		expect(q({ page: '3', per_page: '200', status: 'online, paused,', tag: 'a,b' })).toMatchObject({
			page: 3,
			per_page: 200,
			status: ['online', 'paused'],
			tag: ['a', 'b']
		});
	});

	it.each([
		[{ per_page: '201' }, 'per_page'],
		[{ per_page: '0' }, 'per_page'],
		[{ page: '0' }, 'page'],
		[{ page: 'x' }, 'page'],
		[{ sort: 'bogus' }, 'sort'],
		[{ sort: '--name' }, 'sort'],
		[{ paused: 'yes' }, 'paused']
	])('rejects %o', (input, key) => {
		const r = fleetQuery.safeParse(input);
		expect(r.success).toBe(false);
		expect(r.error!.issues[0]!.path).toEqual([key]);
	});

	it('rejects an unknown query key', () => {
		const r = fleetQuery.safeParse({ staus: 'online' });
		expect(r.success).toBe(false);
		expect(r.error!.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['staus'] });
	});

	it('accepts every sortable field, ascending and descending', () => {
		for (const s of ['name', '-name', 'contacted_at', '-id', 'version']) expect(q({ sort: s }).sort).toBe(s);
	});
});

describe('queryFleet filters', () => {
	const run = (input: Record<string, string>) => ids(queryFleet(fleet, q({ sort: 'id', ...input })).items);

	it('filters by forge and source', () => {
		expect(run({ forge: 'github' })).toEqual(['github:gh:3', 'github:gh:4']);
		expect(run({ source: 'corp' })).toEqual(['gitlab:corp:1', 'gitlab:corp:2', 'gitlab:corp:10']);
		expect(run({ source: 'corp,gh', forge: 'gitlab' })).toHaveLength(3);
	});

	it('filters by status, where "paused" also selects paused runners', () => {
		expect(run({ status: 'offline' })).toEqual(['github:gh:4', 'gitlab:corp:2']);
		expect(run({ status: 'paused' })).toEqual(['github:gh:4', 'gitlab:corp:10']);
		expect(run({ status: 'online,paused' })).toEqual(['github:gh:3', 'github:gh:4', 'gitlab:corp:1', 'gitlab:corp:10']);
	});

	it('filters by type', () => {
		expect(run({ type: 'group_type,repository' })).toEqual(['github:gh:4', 'gitlab:corp:2']);
	});

	it('requires all given tags', () => {
		expect(run({ tag: 'linux' })).toEqual(['github:gh:3', 'gitlab:corp:1', 'gitlab:corp:2']);
		expect(run({ tag: 'docker,linux' })).toEqual(['gitlab:corp:1']);
		expect(run({ tag: 'docker,windows' })).toEqual([]);
	});

	it('filters by version prefix; a runner without a version never matches', () => {
		expect(run({ version: '17.' })).toEqual(['gitlab:corp:1', 'gitlab:corp:2']);
		expect(run({ version: '17.5' })).toEqual(['gitlab:corp:1']);
		expect(run({ version: '2' })).toEqual(['github:gh:3']);
	});

	it('filters by paused and scale set', () => {
		expect(run({ paused: 'true' })).toEqual(['github:gh:4', 'gitlab:corp:10']);
		expect(run({ paused: 'false' })).toEqual(['github:gh:3', 'gitlab:corp:1', 'gitlab:corp:2']);
		expect(run({ scale_set: 'arc-linux' })).toEqual(['github:gh:3']);
	});

	it('searches name, tags and IP, case-insensitively', () => {
		expect(run({ q: 'build-BOX' })).toEqual(['github:gh:4']);
		expect(run({ q: 'docker' })).toEqual(['gitlab:corp:1', 'gitlab:corp:10']);
		expect(run({ q: '192.168.' })).toEqual(['github:gh:4']);
		expect(run({ q: '  10.0.0.1 ' })).toEqual(['gitlab:corp:1']);
		expect(run({ q: 'nothing-like-this' })).toEqual([]);
	});

	it('treats a blank search as no search', () => {
		expect(run({ q: '   ' })).toHaveLength(fleet.length);
	});
});

describe('queryFleet sorting and paging', () => {
	it('sorts names with numeric collation, case-insensitively', () => {
		const names = queryFleet(fleet, q({ sort: 'name' })).items.map((r) => r.name);
		expect(names).toEqual(['arc-a', 'Build-Box', 'runner-1', 'runner-2', 'runner-10']);
		const desc = queryFleet(fleet, q({ sort: '-name' })).items.map((r) => r.name);
		expect(desc).toEqual(['runner-10', 'runner-2', 'runner-1', 'Build-Box', 'arc-a']);
	});

	it('breaks ties by id in both directions', () => {
		const same = [runner({ upstream_id: 20, name: 'x' }), runner({ upstream_id: 3, name: 'x' }), runner({ upstream_id: 100, name: 'x' })];
		expect(ids(queryFleet(same, q({ sort: 'name' })).items)).toEqual(['gitlab:corp:3', 'gitlab:corp:20', 'gitlab:corp:100']);
		expect(ids(queryFleet(same, q({ sort: '-name' })).items)).toEqual(['gitlab:corp:100', 'gitlab:corp:20', 'gitlab:corp:3']);
	});

	it('sorts versions numerically and puts a missing version first', () => {
		const v = queryFleet(fleet, q({ sort: 'version' })).items.map((r) => r.version);
		expect(v).toEqual([null, '2.320.0', '16.11.0', '17.4.2', '17.5.0']);
	});

	it('pages with totals', () => {
		const many = Array.from({ length: 25 }, (_, i) => runner({ upstream_id: i + 1 }));
		const p1 = queryFleet(many, q({ per_page: '10' }));
		expect(p1).toMatchObject({ total: 25, page: 1, per_page: 10 });
		expect(p1.items.map((r) => r.name)).toEqual(Array.from({ length: 10 }, (_, i) => `runner-${i + 1}`));
		const p3 = queryFleet(many, q({ per_page: '10', page: '3' }));
		expect(p3.items.map((r) => r.name)).toEqual(['runner-21', 'runner-22', 'runner-23', 'runner-24', 'runner-25']);
		const p4 = queryFleet(many, q({ per_page: '10', page: '4' }));
		expect(p4).toEqual({ items: [], total: 25, page: 4, per_page: 10 });
	});

	it('does not reorder its input', () => {
		const input = [...fleet];
		queryFleet(input, q({ sort: '-name' }));
		expect(input).toEqual(fleet);
	});
});

describe('queryFleet properties', () => {
	const TAGS = ['docker', 'linux', 'arm64', 'gpu'];
	const arbRunner = fc
		.record({
			forge: fc.constantFrom('gitlab' as const, 'github' as const),
			source: fc.constantFrom('a', 'b', 'c'),
			upstream_id: fc.integer({ min: 1, max: 5000 }),
			name: fc.stringMatching(/^[a-zA-Z]{1,3}-?[0-9]{0,3}$/),
			status: fc.constantFrom('online' as const, 'offline' as const, 'stale' as const, 'never_contacted' as const),
			paused: fc.boolean(),
			type: fc.constantFrom('instance_type' as const, 'group_type' as const, 'repository' as const),
			tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 4 }),
			version: fc.option(fc.constantFrom('17.5.0', '17.4.1', '16.0.0', '2.320.0'), { nil: null }),
			ip_address: fc.option(fc.constantFrom('10.0.0.1', '10.0.0.22', '192.168.0.5'), { nil: null })
		})
		.map((r) => runner(r));
	const arbFleet = fc.uniqueArray(arbRunner, { selector: (r) => r.id, maxLength: 60 });

	const arbInput = fc.record(
		{
			forge: fc.constantFrom('gitlab', 'github', 'gitlab,github'),
			source: fc.constantFrom('a', 'b', 'a,c'),
			status: fc.constantFrom('online', 'paused', 'offline,stale', 'never_contacted,paused'),
			type: fc.constantFrom('instance_type', 'group_type,repository'),
			tag: fc.constantFrom('docker', 'linux', 'docker,linux', 'gpu,arm64'),
			version: fc.constantFrom('17', '17.4', '2.', '1'),
			paused: fc.constantFrom('true', 'false'),
			q: fc.constantFrom('a', '1', '10.0.0', 'DOCKER', 'x-'),
			sort: fc.constantFrom('name', '-name', 'status', '-version', 'id', '-source', 'type'),
			per_page: fc.integer({ min: 1, max: 25 }).map(String)
		},
		{ requiredKeys: ['per_page'] }
	);

	/** An independent statement of what the filters mean. */
	function expected(r: Runner, i: Record<string, string | undefined>): boolean {
		const list = (s?: string) => s?.split(',');
		if (i.forge && !list(i.forge)!.includes(r.forge)) return false;
		if (i.source && !list(i.source)!.includes(r.source)) return false;
		if (i.status) {
			const st = list(i.status)!;
			if (!st.includes(r.status) && !(st.includes('paused') && r.paused)) return false;
		}
		if (i.type && !list(i.type)!.includes(r.type)) return false;
		if (i.tag && list(i.tag)!.some((t) => !r.tags.includes(t))) return false;
		if (i.version && !(r.version !== null && r.version.startsWith(i.version))) return false;
		if (i.paused && String(r.paused) !== i.paused) return false;
		if (i.q) {
			const n = i.q.toLowerCase();
			const fields = [r.name, r.description, ...r.tags, r.ip_address ?? '', r.id].map((f) => f.toLowerCase());
			if (!fields.some((f) => f.includes(n))) return false;
		}
		return true;
	}

	it('returns only matches, counts all of them, and pages partition them', () => {
		fc.assert(
			fc.property(arbFleet, arbInput, (runners, input) => {
				const matching = runners.filter((r) => expected(r, input));
				const first = queryFleet(runners, q(input));
				expect(first.total).toBe(matching.length);

				const seen: string[] = [];
				const pages = Math.max(1, Math.ceil(first.total / first.per_page));
				for (let page = 1; page <= pages + 1; page++) {
					const res = queryFleet(runners, q({ ...input, page: String(page) }));
					expect(res.total).toBe(matching.length);
					expect(res.items.length).toBeLessThanOrEqual(res.per_page);
					if (page > pages) expect(res.items).toEqual([]);
					for (const r of res.items) expect(expected(r, input)).toBe(true);
					seen.push(...ids(res.items));
				}
				expect(new Set(seen).size).toBe(seen.length);
				expect([...seen].sort()).toEqual(ids(matching).sort());
			}),
			{ numRuns: 300 }
		);
	});

	it('orders each result by the sort key, ties broken by id', () => {
		const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
		fc.assert(
			fc.property(arbFleet, fc.constantFrom('name', '-name', 'status', '-version', 'source'), (runners, sort) => {
				const desc = sort.startsWith('-');
				const key = sort.replace('-', '') as keyof Runner;
				const items = queryFleet(runners, q({ sort, per_page: '200' })).items;
				for (let i = 1; i < items.length; i++) {
					const a = items[i - 1]!;
					const b = items[i]!;
					const c = collator.compare(String(a[key] ?? ''), String(b[key] ?? '')) || collator.compare(a.id, b.id);
					expect(desc ? c >= 0 : c <= 0).toBe(true);
				}
			}),
			{ numRuns: 200 }
		);
	});
});

describe('offline_days (the ghost view)', () => {
	const now = Date.parse('2026-11-25T12:00:00Z');
	const fleet = [
		makeRunner({ upstream_id: 1, status: 'online', contacted_at: '2026-11-25T11:59:00Z' }),
		makeRunner({ upstream_id: 2, status: 'offline', contacted_at: '2026-11-24T12:00:00Z' }),
		makeRunner({ upstream_id: 3, status: 'stale', contacted_at: '2026-11-01T12:00:00Z' }),
		makeRunner({ upstream_id: 4, status: 'never_contacted', contacted_at: null })
	];
	it('keeps runners that are not online and silent for at least N days, or never seen', () => {
		expect(ids(queryFleet(fleet, q({ offline_days: '7' }), now).items)).toEqual(['gitlab:corp:3', 'gitlab:corp:4']);
		expect(ids(queryFleet(fleet, q({ offline_days: '0' }), now).items)).toEqual(['gitlab:corp:2', 'gitlab:corp:3', 'gitlab:corp:4']);
	});
	it('rejects a negative or absurd number of days', () => {
		expect(fleetQuery.safeParse({ offline_days: '-1' }).success).toBe(false);
		expect(fleetQuery.safeParse({ offline_days: 'x' }).success).toBe(false);
	});
});

describe('sortRunners', () => {
	it('gives one order whatever order the runners come in (the order is total)', () => {
		const runner = fc.record({
			// Ids that collate equal (a/A, 1/01) need the final code-point tie-break.
			id: fc.stringMatching(/^[aAbB01]{1,3}$/),
			name: fc.constantFrom('runner-2', 'runner-10', 'Runner-3', 'a', 'b', ''),
			status: fc.constantFrom('online', 'offline', 'paused'),
			version: fc.option(fc.constantFrom('17.1.0', '17.10.0', '17.2.1'), { nil: null })
		});
		fc.assert(
			fc.property(fc.uniqueArray(runner, { selector: (r) => r.id, maxLength: 40 }), fc.constantFrom(...SORTABLE), (rs, key) => {
				const runners = rs as unknown as Runner[];
				expect(ids(sortRunners([...runners].reverse(), key))).toEqual(ids(sortRunners(runners, key)));
			})
		);
	});
});

describe('the outdated filter', () => {
	const judge = skewJudge((source) => (source === 'gh' ? '2.323.0' : '17.5.2'));
	it('keeps the runners the judge calls so; without a judge every runner is unknown', () => {
		expect(ids(queryFleet(fleet, q({ outdated: 'true' }), Date.now(), undefined, judge).items)).toEqual(['github:gh:3', 'gitlab:corp:2', 'gitlab:corp:10']);
		expect(ids(queryFleet(fleet, q({ outdated: 'false' }), Date.now(), undefined, judge).items)).toEqual(['gitlab:corp:1']);
		expect(ids(queryFleet(fleet, q({ outdated: 'unknown' }), Date.now(), undefined, judge).items)).toEqual(['github:gh:4']);
		expect(queryFleet(fleet, q({ outdated: 'unknown' })).total).toBe(fleet.length);
		expect(() => q({ outdated: 'maybe' })).toThrow();
	});
});

describe('patchSorted', () => {
	it('gives exactly the order of a new sort after runners changed, came and went', () => {
		const arb = fc.record({
			upstream_id: fc.integer({ min: 1, max: 60 }),
			name: fc.constantFrom('runner-2', 'runner-10', 'Runner-3', 'a', 'b', ''),
			status: fc.constantFrom('online', 'offline', 'never_contacted', 'stale'),
			paused: fc.boolean(),
			version: fc.option(fc.constantFrom('17.1.0', '17.10.0', '17.2.1'), { nil: null })
		});
		fc.assert(
			fc.property(
				fc.uniqueArray(arb, { selector: (r) => r.upstream_id, maxLength: 40 }),
				fc.uniqueArray(arb, { selector: (r) => r.upstream_id, maxLength: 15 }),
				fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 10 }),
				fc.constantFrom(...SORTABLE),
				(before, changes, removals, key) => {
					const fleet = new Map(before.map((p) => [p.upstream_id, runner(p)]));
					const order = sortRunners(fleet.values(), key);
					const touched = new Set<string>();
					for (const p of changes) {
						const r = runner(p);
						fleet.set(p.upstream_id, r);
						touched.add(r.id);
					}
					for (const id of removals) {
						const r = fleet.get(id);
						if (!r) continue;
						fleet.delete(id);
						touched.add(r.id);
					}
					const current = [...fleet.values()].filter((r) => touched.has(r.id));
					expect(ids(patchSorted(order, key, touched, current))).toEqual(ids(sortRunners(fleet.values(), key)));
				}
			),
			{ numRuns: 300 }
		);
	});
});
