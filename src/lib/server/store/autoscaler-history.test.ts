// The autoscalers' replica history in the store, on both dialects.
import { describe, expect, it } from 'vitest';
import { BACKENDS, storeFor } from '../../../../tests/helpers/stores';
import { AutoscalerHistoryStore } from './autoscaler-history';

describe.each(BACKENDS)('autoscaler history on %s', (_dialect, makeBackend) => {
	const store = storeFor(makeBackend);
	const point = (at_s: number, current: number, max = 8) => ({ autoscaler: 'hpa:a', at_s, current, desired: current, max });

	it('keeps samples in time order; a second sample at the same second replaces the first', async () => {
		const h = new AutoscalerHistoryStore(store().conn.db);
		await h.append([point(1000, 1), point(1015.7, 2), { autoscaler: 'hpa:b', at_s: 1000, current: null, desired: null, max: 3 }]);
		await h.append([point(1015, 5)]);
		expect(await h.load(0)).toEqual([point(1000, 1), point(1015, 5), { autoscaler: 'hpa:b', at_s: 1000, current: null, desired: null, max: 3 }]);
		expect(await h.load(1010)).toEqual([point(1015, 5)]);
		// A time with a fraction (Date.now() / 1000) reads from that whole second.
		expect(await h.load(1014.5)).toEqual([point(1015, 5)]);
	});

	it('folds old samples into per-bucket peaks and drops those past the week', async () => {
		const h = new AutoscalerHistoryStore(store().conn.db);
		await h.append([point(100, 9), point(1200, 2), point(1215, 6), point(1290, 3), point(1500, 4), point(5000, 7)]);
		expect(await h.compact(2000.5, 300, 1000.25)).toBe(3);
		expect(await h.load(0)).toEqual([point(1200, 6), point(1500, 4), point(5000, 7)]);
		// Already folded: nothing more to do.
		expect(await h.compact(2000, 300, 1000)).toBe(0);
	});

	it('writes nothing when the fence refuses', async () => {
		const h = new AutoscalerHistoryStore(store().conn.db, async () => {
			throw new Error('term over');
		});
		await expect(h.append([point(1, 1)])).rejects.toThrow('term over');
		expect(await new AutoscalerHistoryStore(store().conn.db).load(0)).toEqual([]);
	});
});
