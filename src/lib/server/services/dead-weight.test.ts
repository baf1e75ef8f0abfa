// GitHub runners' first-seen-offline times through the store, on both dialects: a restart
// keeps them, a follower's preview equals the leader's, and only the leader writes.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BACKENDS, storeFor } from '../../../../tests/helpers/stores';
import { makeRunner } from '$lib/core/runner.fixture';
import { FleetCache } from '../fleet/cache';
import { RunnerOfflineStore } from '../store/offline-since';
import { createLogger } from '../telemetry/logger';
import { DeadWeight } from './dead-weight';

const DAY = 86_400_000;
const gh = (id: number, status: 'online' | 'offline') => makeRunner({ forge: 'github', source: 'gh', upstream_id: id, status, type: 'organization' });

describe.each(BACKENDS)('dead weight of GitHub runners on %s', (_dialect, makeBackend) => {
	const store = storeFor(makeBackend);
	const made: DeadWeight[] = [];
	afterEach(() => {
		for (const d of made.splice(0)) d.stop();
		vi.useRealTimers();
	});

	async function replica(leading: boolean, runners = [gh(1, 'offline'), gh(2, 'online'), gh(3, 'offline')]) {
		const fleet = new FleetCache();
		await fleet.replaceSource('gh', runners);
		const offline = new RunnerOfflineStore(store().conn.db);
		const lead = { term: leading ? 1 : null as number | null };
		const d = new DeadWeight({ fleet, offline, leadingTerm: () => lead.term, logger: createLogger('silent') } as never);
		made.push(d);
		return { d, fleet, offline, lead };
	}

	it('keeps when a runner was first seen offline across a restart, and a follower previews the same', async () => {
		const now = Date.now();
		const leader = await replica(true);
		// Noted ten days ago (the leader's look then), so they are dead weight at 7 days now.
		await leader.d.observe(now - 10 * DAY);
		const first = await leader.d.preview(7, 'github');
		expect(first.map((r) => r.id)).toEqual(['github:gh:1', 'github:gh:3']);
		expect(first[0]!.silent_since).toBe(new Date(now - 10 * DAY).toISOString());

		// A restart: a new process on the same database, its first look today, keeps the old time.
		const restarted = await replica(true);
		await restarted.d.observe(now);
		expect(await restarted.d.preview(7, 'github')).toEqual(first);
		// A follower never writes, and answers as the leader does.
		const follower = await replica(false, [gh(1, 'offline'), gh(2, 'online'), gh(3, 'offline'), gh(4, 'offline')]);
		expect(await follower.d.preview(7, 'github')).toEqual(first);
		expect([...(await follower.offline.load()).keys()].sort()).toEqual(['github:gh:1', 'github:gh:3']);
	});

	it('forgets a runner that came back or is gone, writing only on transitions', async () => {
		const leader = await replica(true);
		await leader.d.observe(1000);
		const apply = vi.spyOn(leader.offline, 'apply');
		await leader.d.observe(2000);
		expect(apply).not.toHaveBeenCalled();
		await leader.fleet.replaceSource('gh', [gh(1, 'online'), gh(2, 'online')]);
		await leader.d.observe(3000);
		expect(apply).toHaveBeenCalledTimes(1);
		expect(await leader.offline.load()).toEqual(new Map());
	});

	it('reloads what another leader wrote when it leads again in a new term', async () => {
		const a = await replica(true);
		await a.d.observe(1000);
		// Another replica leads (term 2) and sees runner 1 back online: its row goes.
		const b = await replica(true, [gh(1, 'online'), gh(2, 'online'), gh(3, 'offline')]);
		b.lead.term = 2;
		await b.d.observe(2000);
		expect(await b.offline.load()).toEqual(new Map([['github:gh:3', 1000]]));
		// The first leads again (term 3) and sees runner 1 offline: with its copy from term 1 it
		// would see no transition, and runner 1 would never be stored again.
		b.lead.term = null;
		a.lead.term = 3;
		await a.d.observe(6000);
		expect(await a.offline.load()).toEqual(new Map([['github:gh:1', 6000], ['github:gh:3', 1000]]));
	});

	it('forgets nothing on a restart before the fleet was read', async () => {
		const leader = await replica(true);
		await leader.d.observe(1000);
		const fresh = new DeadWeight({ fleet: new FleetCache(), offline: new RunnerOfflineStore(store().conn.db), leadingTerm: () => 1, logger: createLogger('silent') } as never);
		made.push(fresh);
		await fresh.observe(5000);
		expect(await new RunnerOfflineStore(store().conn.db).load()).toEqual(new Map([['github:gh:1', 1000], ['github:gh:3', 1000]]));
	});
});
