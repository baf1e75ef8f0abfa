// The leader's lease, its fence and the replica feed on a real PostgreSQL server.
import { beforeAll, describe, expect, it } from 'vitest';
import { postgresBackend, storeFor } from '../../../../tests/helpers/stores';
import type { DriftItem } from '$lib/core/drift';
import { DriftHistory, scopeKey } from './drift';
import { Replication, StaleTermError } from './replication';

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
const store = storeFor(postgresBackend);
let r: Replication;
beforeAll(() => {
	r = new Replication(store().conn.db);
});

describe('the leader lease', () => {
	it('is held by one replica at a time; an expired lease goes to the next with the next term', async () => {
		const a = await r.acquire('a', 400);
		expect(a).toMatchObject({ holder: 'a', term: 1 });
		expect(await r.acquire('b', 400)).toBeNull();
		expect(await r.renew('a', 1, 400)).toMatchObject({ term: 1 });
		await sleep(600);
		const b = await r.acquire('b', 60_000);
		expect(b).toMatchObject({ holder: 'b', term: 2 });
		// The old leader can no longer renew, nor take it back while it is held.
		expect(await r.renew('a', 1, 400)).toBeNull();
		expect(await r.acquire('a', 400)).toBeNull();
		expect(await r.lease()).toMatchObject({ holder: 'b', term: 2 });
	});

	it('given up, is taken at once', async () => {
		await r.acquire('a', 60_000);
		await r.release('a', 1);
		expect(await r.acquire('b', 60_000)).toMatchObject({ holder: 'b', term: 2 });
	});
});

describe('the fence', () => {
	it('refuses a stale term\'s feed rows and drift history, and writes nothing of them', async () => {
		await r.acquire('a', 100);
		await sleep(300);
		await r.acquire('b', 60_000);
		await expect(r.append({ term: 1, origin: 'a', kind: 'event', payload: '{}' }, { holder: 'a', term: 1 })).rejects.toBeInstanceOf(StaleTermError);
		expect(await r.after(0)).toEqual([]);
		const item: DriftItem = {
			key: 'k1',
			stack: 's',
			env: 'dev',
			object: 'HorizontalPodAutoscaler ns/x',
			field: 'spec.maxReplicas',
			class: 'out-of-band',
			severity: 'warning',
			declared: 8,
			applied: 8,
			live: 11
		} as DriftItem;
		const stale = new DriftHistory(store().conn.db, (trx) => Replication.fence(trx, 'a', 1));
		await expect(stale.record([item], new Set([scopeKey('s', 'dev')]), new Date().toISOString())).rejects.toThrow(/term 1 is over \(the lease is at term 2\)/);
		const current = new DriftHistory(store().conn.db, (trx) => Replication.fence(trx, 'b', 2));
		await current.record([item], new Set([scopeKey('s', 'dev')]), new Date().toISOString());
		expect((await current.openFirstSeen()).size).toBe(1);
		expect(await r.append({ term: 2, origin: 'b', kind: 'event', payload: '{}' }, { holder: 'b', term: 2 })).toBeGreaterThan(0);
	});
});

describe('the replica feed', () => {
	it('numbers rows in commit order, also when appended concurrently, and finds the newest snapshot', async () => {
		const seqs = await Promise.all(Array.from({ length: 20 }, (_, i) => r.append({ term: 0, origin: `o${i % 3}`, kind: i === 10 ? 'snapshot' : 'event', payload: JSON.stringify({ i }) })));
		const rows = await r.after(0);
		expect(rows.map((x) => x.seq)).toEqual([...seqs].sort((a, b) => a - b));
		expect(await r.head()).toBe(Math.max(...seqs));
		expect((await r.latest('snapshot'))?.seq).toBe(seqs[10]);
		expect((await r.after(rows[17]!.seq)).map((x) => x.seq)).toEqual(rows.slice(18).map((x) => x.seq));
		expect((await r.recent('event', 2)).map((x) => x.seq)).toEqual(rows.filter((x) => x.kind === 'event').slice(-2).map((x) => x.seq));
	});

	it('prunes only behind the newest snapshot, keeping the newest rows, and only under the current term', async () => {
		await r.acquire('a', 60_000);
		for (let i = 0; i < 10; i++) await r.append({ term: 1, origin: 'a', kind: i === 6 ? 'snapshot' : 'event', payload: '{}' });
		const rows = await r.after(0);
		expect(await r.prune('snapshot', 2, { holder: 'a', term: 1 })).toBe(6);
		expect((await r.after(0)).map((x) => x.seq)).toEqual(rows.slice(6).map((x) => x.seq));
		await expect(r.prune('snapshot', 2, { holder: 'x', term: 1 })).rejects.toBeInstanceOf(StaleTermError);
	});

	it('lists replicas by heartbeat and forgets them', async () => {
		const now = Date.now();
		await r.heartbeat({ id: 'r1', started_at: new Date(now - 5000).toISOString(), last_seen: new Date(now).toISOString(), term: 3, applied_seq: 12, lag_ms: 40 });
		await r.heartbeat({ id: 'r2', started_at: new Date(now - 1000).toISOString(), last_seen: new Date(now - 60_000).toISOString(), term: 3, applied_seq: 9, lag_ms: 0 });
		expect(await r.replicas(new Date(now - 15_000).toISOString())).toEqual([{ id: 'r1', started_at: new Date(now - 5000).toISOString(), last_seen: new Date(now).toISOString(), term: 3, applied_seq: 12, lag_ms: 40 }]);
		await r.heartbeat({ id: 'r1', started_at: 'ignored', last_seen: new Date(now + 1000).toISOString(), term: 4, applied_seq: 13, lag_ms: 0 });
		expect((await r.replicas(new Date(now - 15_000).toISOString()))[0]).toMatchObject({ term: 4, applied_seq: 13, started_at: new Date(now - 5000).toISOString() });
		await r.pruneReplicas(new Date(now - 30_000).toISOString());
		await r.forget('r1');
		expect(await r.replicas('1970-01-01T00:00:00.000Z')).toEqual([]);
	});
});
