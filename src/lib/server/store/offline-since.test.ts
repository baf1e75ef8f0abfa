// The GitHub runners' first-seen-offline times in the store, on both dialects.
import { describe, expect, it } from 'vitest';
import { BACKENDS, storeFor } from '../../../../tests/helpers/stores';
import { RunnerOfflineStore } from './offline-since';

describe.each(BACKENDS)('runner offline times on %s', (_dialect, makeBackend) => {
	const store = storeFor(makeBackend);
	const T = Date.parse('2026-01-01T00:00:00Z');

	it('keeps the first time a runner was seen offline and forgets runners cleared', async () => {
		const s = new RunnerOfflineStore(store().conn.db);
		await s.apply({ set: [['github:gh:1', T], ['github:gh:2', T + 1000]], clear: [] });
		// Seen again later (another leader, a restart): the earlier time stays.
		await s.apply({ set: [['github:gh:1', T + 60_000]], clear: ['github:gh:2'] });
		expect(await s.load()).toEqual(new Map([['github:gh:1', T]]));
		expect(await new RunnerOfflineStore(store().conn.db).load()).toEqual(new Map([['github:gh:1', T]]));
	});

	it('writes nothing when the fence refuses', async () => {
		const s = new RunnerOfflineStore(store().conn.db, async () => {
			throw new Error('term over');
		});
		await expect(s.apply({ set: [['github:gh:1', T]], clear: [] })).rejects.toThrow('term over');
		expect(await new RunnerOfflineStore(store().conn.db).load()).toEqual(new Map());
	});
});
