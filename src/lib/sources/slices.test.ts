import { setImmediate } from 'node:timers';
import { describe, expect, it } from 'vitest';
import { giveWay, mapInSlices, runStraight } from './slices';

/** How many times the event loop got a turn while `work` ran. */
async function turnsDuring(work: () => Promise<unknown>): Promise<number> {
	let turns = 0;
	let running = true;
	const tick = () => {
		if (!running) return;
		turns++;
		setImmediate(tick);
	};
	setImmediate(tick);
	await work();
	running = false;
	return turns;
}

describe('slices', () => {
	// One file, in order: runStraight() holds for the rest of the thread.
	it('give the event loop a turn between slices, then run straight through on a thread that serves no requests', async () => {
		const items = Array.from({ length: 2_500 }, (_, i) => i);
		let out: number[] = [];
		expect(await turnsDuring(async () => (out = await mapInSlices(items, (n) => n * 2, 1_000)))).toBe(2);
		expect(out).toEqual(items.map((n) => n * 2));
		expect(await turnsDuring(() => giveWay())).toBe(1);

		runStraight();
		expect(await turnsDuring(async () => (out = await mapInSlices(items, (n, i) => n + i, 1_000)))).toBe(0);
		expect(out).toEqual(items.map((n) => n * 2));
		expect(await turnsDuring(() => giveWay())).toBe(0);
	});
});
