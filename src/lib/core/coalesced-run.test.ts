import { describe, expect, it } from 'vitest';
import { CoalescedRun } from './coalesced-run';

function gate() {
	let open!: () => void;
	const opened = new Promise<void>((r) => (open = r));
	return { open, opened };
}

describe('CoalescedRun', () => {
	it('runs once more after a run for any number of requests made during it, and every caller waits for that', async () => {
		const gates = [gate(), gate()];
		let runs = 0;
		const r = new CoalescedRun(async () => {
			await gates[runs++]?.opened;
		});
		const first = r.run();
		const during = [r.run(), r.run(), r.run()];
		expect(during.every((p) => p === first)).toBe(true);
		gates[0]!.open();
		await Promise.resolve();
		gates[1]!.open();
		await first;
		expect(runs).toBe(2);
		expect(r.current).toBeNull();
		await r.run();
		expect(runs).toBe(3);
	});

	it('asks for no extra run once stopped, and a failure reaches the callers and frees the next run', async () => {
		let stopped = false;
		let runs = 0;
		const g = gate();
		const r = new CoalescedRun(
			async () => {
				runs++;
				if (runs === 1) await g.opened;
				if (runs === 2) throw new Error('store down');
			},
			() => stopped
		);
		const first = r.run();
		void r.run();
		stopped = true;
		g.open();
		await first;
		expect(runs).toBe(1);
		stopped = false;
		await expect(r.run()).rejects.toThrow('store down');
		expect(r.current).toBeNull();
		await r.run();
		expect(runs).toBe(3);
	});
});
