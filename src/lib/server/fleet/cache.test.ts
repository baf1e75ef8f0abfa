import { describe, expect, it } from 'vitest';
import type { Runner } from '$lib/core/runner';
import { FleetCache } from './cache';
import { makeRunner } from '$lib/core/runner.fixture';

function runner(source: string, upstream_id: number, p: Partial<Runner> = {}): Runner {
	return makeRunner({ source, upstream_id, tags: ['linux'], ...p });
}

const ids = (rs: Runner[]) => rs.map((r) => r.id);

describe('FleetCache', () => {
	it('reports every runner as upserted on the first sync', async () => {
		const cache = new FleetCache();
		const delta = await cache.replaceSource('a', [runner('a', 1), runner('a', 2)]);
		expect(delta).toEqual({ source: 'a', upserted: [runner('a', 1), runner('a', 2)], removed: [] });
		expect(cache.size).toBe(2);
		expect(cache.countBySource('a')).toBe(2);
	});

	it('reports only new and changed runners, and the removed ids', async () => {
		const cache = new FleetCache();
		await cache.replaceSource('a', [runner('a', 1), runner('a', 2), runner('a', 3)]);
		const changed = runner('a', 2, { status: 'offline' });
		const added = runner('a', 4);
		const delta = await cache.replaceSource('a', [runner('a', 1), changed, added]);
		expect(ids(delta.upserted)).toEqual(['gitlab:a:2', 'gitlab:a:4']);
		expect(delta.upserted[0]).toEqual(changed);
		expect(delta.removed).toEqual(['gitlab:a:3']);
		expect(cache.get('gitlab:a:3')).toBeUndefined();
		expect(cache.get('gitlab:a:2')?.status).toBe('offline');
		expect(cache.countBySource('a')).toBe(3);
	});

	it('notices changes inside nested fields', async () => {
		const cache = new FleetCache();
		await cache.replaceSource('a', [runner('a', 1)]);
		expect(ids((await cache.replaceSource('a', [runner('a', 1, { tags: ['linux', 'docker'] })])).upserted)).toEqual(['gitlab:a:1']);
		expect((await cache.replaceSource('a', [runner('a', 1, { tags: ['linux', 'docker'] })])).upserted).toEqual([]);
	});

	it('reports nothing for an identical resync', async () => {
		const cache = new FleetCache();
		await cache.replaceSource('a', [runner('a', 1), runner('a', 2)]);
		expect(await cache.replaceSource('a', [runner('a', 1), runner('a', 2)])).toEqual({ source: 'a', upserted: [], removed: [] });
	});

	it('leaves other sources untouched', async () => {
		const cache = new FleetCache();
		await cache.replaceSource('a', [runner('a', 1), runner('a', 2)]);
		await cache.replaceSource('b', [runner('b', 1)]);
		const delta = await cache.replaceSource('a', []);
		expect(delta).toEqual({ source: 'a', upserted: [], removed: ['gitlab:a:1', 'gitlab:a:2'] });
		expect(ids([...cache.values()])).toEqual(['gitlab:b:1']);
		expect(cache.countBySource('a')).toBe(0);
		expect(cache.countBySource('b')).toBe(1);
		expect(cache.get('gitlab:b:1')).toEqual(runner('b', 1));
	});

	it('applies a reading\'s changes: only what differs from the cache, and only ids the source has', async () => {
		const cache = new FleetCache();
		await cache.replaceSource('a', [runner('a', 1), runner('a', 2), runner('a', 3)]);
		await cache.replaceSource('b', [runner('b', 1)]);
		const before = cache.get('gitlab:a:1');
		const delta = cache.applySourceChanges('a', [runner('a', 1), runner('a', 2, { paused: true }), runner('a', 4)], ['gitlab:a:3', 'gitlab:b:1', 'gitlab:a:9']);
		expect(ids(delta.upserted)).toEqual(['gitlab:a:2', 'gitlab:a:4']);
		expect(delta.removed).toEqual(['gitlab:a:3']);
		expect(cache.get('gitlab:a:1')).toBe(before);
		expect(ids(cache.runnersOf('a')).sort()).toEqual(['gitlab:a:1', 'gitlab:a:2', 'gitlab:a:4']);
		expect(cache.sourceSize('a')).toBe(3);
		expect(cache.get('gitlab:b:1')).toBeDefined();
	});

	it('counts zero for an unknown source', async () => {
		expect(new FleetCache().countBySource('nope')).toBe(0);
	});

	it('applies an upsert at once and the next sync reconciles it', async () => {
		const cache = new FleetCache();
		await cache.replaceSource('a', [runner('a', 1)]);
		cache.upsert(runner('a', 1, { paused: true }));
		expect(cache.get('gitlab:a:1')?.paused).toBe(true);
		expect(cache.countBySource('a')).toBe(1);
		// The sync still sees paused:false upstream: that is a change worth reporting.
		expect(ids((await cache.replaceSource('a', [runner('a', 1)])).upserted)).toEqual(['gitlab:a:1']);
	});

	it('drops on the next sync a runner that was only upserted locally', async () => {
		const cache = new FleetCache();
		await cache.replaceSource('a', [runner('a', 1)]);
		cache.upsert(runner('a', 9));
		expect(cache.countBySource('a')).toBe(2);
		expect((await cache.replaceSource('a', [runner('a', 1)])).removed).toEqual(['gitlab:a:9']);
		expect(cache.size).toBe(1);
	});

	it('in slices: the same delta over several slices, unchanged runners keep their object, readers see the old fleet until the end', async () => {
		const first = Array.from({ length: 2_500 }, (_, i) => runner('a', i + 1));
		const cache = new FleetCache();
		await cache.replaceSource('a', first);
		const kept = cache.get('gitlab:a:7');
		const next = first.map((r) => ({ ...r, tags: [...r.tags] }));
		next[1_999] = { ...next[1_999]!, status: 'offline' };
		next.splice(10, 1); // gitlab:a:11 removed
		next.push(runner('a', 9_999));
		const version = cache.version;
		const pending = cache.replaceSource('a', next);
		expect(cache.version).toBe(version); // nothing applied before the last slice
		expect(cache.get('gitlab:a:2000')?.status).toBe(first[1_999]!.status);
		const delta = await pending;
		expect(ids(delta.upserted)).toEqual(['gitlab:a:2000', 'gitlab:a:9999']);
		expect(delta.removed).toEqual(['gitlab:a:11']);
		expect(cache.get('gitlab:a:7')).toBe(kept);
		expect(cache.get('gitlab:a:2000')?.status).toBe('offline');
		expect(cache.size).toBe(2_500);
		expect(cache.version).toBe(version + 1);
	});
});
