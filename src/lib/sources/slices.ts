// Work over a whole fleet (ten thousand runners) done a slice at a time, yielding to
// the event loop between slices: syncs are background work, and a single 30 ms loop
// would hold up every API request that arrived meanwhile. On a background reader's own
// thread no request waits behind the loop, and it runs straight through (`runStraight`).
import { setImmediate as nextTurn } from 'node:timers/promises';

export const SLICE = 1_000;

let yielding = true;

/** This thread serves no requests (a background reader): long loops need not give way. */
export function runStraight(): void {
	yielding = false;
}

/** Gives the event loop a turn, where requests may be waiting for it. */
export async function giveWay(): Promise<void> {
	if (yielding) await nextTurn();
}

export async function mapInSlices<T, U>(items: readonly T[], fn: (item: T, index: number) => U, size = SLICE): Promise<U[]> {
	if (!yielding) return items.map(fn);
	const out: U[] = [];
	for (let i = 0; i < items.length; i++) {
		if (i > 0 && i % size === 0) await nextTurn();
		out.push(fn(items[i]!, i));
	}
	return out;
}
