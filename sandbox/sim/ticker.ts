// Drives the world from real time: every tick, simulated time advances by
// speed × the real time elapsed since the previous tick.

import { performance } from 'node:perf_hooks';
import type { World } from './world.js';

/** A stalled event loop (debugger, suspended laptop) must not trigger days of catch-up. */
const MAX_REAL_GAP_MS = 60_000;

export class Ticker {
	private timer: NodeJS.Timeout | undefined;
	private last = 0;

	constructor(
		private readonly world: World,
		private readonly tickMs: number,
		private readonly onError: (err: unknown) => void
	) {}

	start(): void {
		if (this.tickMs <= 0 || this.timer) return;
		this.last = performance.now();
		// Deliberately not unref'd: a sandbox that was never closed should be visible
		// (a hanging process, a leaked handle in tests) rather than silently stop ticking.
		this.timer = setInterval(() => this.tick(), this.tickMs);
	}

	stop(): void {
		if (this.timer) clearInterval(this.timer);
		this.timer = undefined;
	}

	private tick(): void {
		const t = performance.now();
		const real = Math.min(t - this.last, MAX_REAL_GAP_MS);
		this.last = t;
		try {
			this.world.advance(real * this.world.clock.speed);
		} catch (err) {
			this.onError(err);
		}
	}
}
