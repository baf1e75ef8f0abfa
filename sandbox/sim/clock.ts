// Simulated time. The origin is fixed (not the real "now") so that two sandboxes with
// the same seed report identical timestamps. The simulation advances in fixed steps;
// time that does not fill a whole step is carried over, so the events that happen
// depend only on how much time passed in total, never on how it was sliced into ticks.

export const SIM_ORIGIN_MS = Date.parse('2026-01-01T00:00:00Z');
/** Length of one simulation step in simulated milliseconds. */
export const STEP_MS = 5_000;

export class SimClock {
	/** Simulated time of the last completed step. */
	stepMs = SIM_ORIGIN_MS;
	/** Simulated time advanced past the last step, not yet simulated. */
	private carryMs = 0;
	/** Simulated seconds per real second for the background ticker. */
	speed = 1;

	now(): number {
		return this.stepMs + this.carryMs;
	}

	/** Adds simulated time and calls `step(t0, t1)` for every whole step it completes. */
	advance(ms: number, step: (t0: number, t1: number) => void): void {
		if (!(ms > 0)) return;
		this.carryMs += ms;
		while (this.carryMs >= STEP_MS) {
			const t0 = this.stepMs;
			step(t0, t0 + STEP_MS);
			this.stepMs = t0 + STEP_MS;
			this.carryMs -= STEP_MS;
		}
	}
}

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export function iso(ms: number): string {
	return new Date(ms).toISOString();
}
