// Work over a whole fleet (ten thousand runners) done a slice at a time, yielding to
// the event loop between slices: syncs are background work, and a single 30 ms loop
// would hold up every API request that arrived meanwhile.
import { setImmediate as nextTurn } from 'node:timers/promises';

export const SLICE = 1_000;

export async function mapInSlices<T, U>(items: readonly T[], fn: (item: T, index: number) => U, size = SLICE): Promise<U[]> {
	const out: U[] = [];
	for (let i = 0; i < items.length; i++) {
		if (i > 0 && i % size === 0) await nextTurn();
		out.push(fn(items[i]!, i));
	}
	return out;
}

export { nextTurn };
