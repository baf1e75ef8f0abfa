// The built-in scraper's capacity window in the store, on both dialects.
import { describe, expect, it } from 'vitest';
import { BACKENDS, storeFor } from '../../../../tests/helpers/stores';
import { CapacityWindowStore } from './capacity-window';

describe.each(BACKENDS)('capacity window on %s', (_dialect, makeBackend) => {
	const store = storeFor(makeBackend);
	const slot = (at: number, v: number) => ({ at, row: new Map([['gitlab|docker|jobs_running', v]]), born: new Map(v > 1 ? [] : [['gitlab|docker|jobs_total', 0]]) });

	it('keeps each scrape once, oldest first, and deletes those older than the window', async () => {
		const w = new CapacityWindowStore(store().conn.db);
		await w.append(slot(1_000, 1), 0);
		await w.append(slot(16_000, 2), 0);
		await w.append(slot(16_000, 9), 0);
		expect(await w.load(0)).toEqual([slot(1_000, 1), slot(16_000, 2)]);
		await w.append(slot(31_000.4, 3), 15_000);
		expect(await w.load(0)).toEqual([slot(16_000, 2), slot(31_000, 3)]);
		expect(await w.load(20_000.7)).toEqual([slot(31_000, 3)]);
	});

	it('writes nothing when the fence refuses', async () => {
		const w = new CapacityWindowStore(store().conn.db, async () => {
			throw new Error('term over');
		});
		await expect(w.append(slot(1_000, 1), 0)).rejects.toThrow('term over');
		expect(await new CapacityWindowStore(store().conn.db).load(0)).toEqual([]);
	});
});
