// Simulated time. The clock starts at an origin the sandbox is given: by default the
// real time it starts at (so every timestamp it serves agrees with the wall clock of a
// dashboard reading it), or a fixed epoch for tests that want exact timestamps (two
// sandboxes with one seed and one epoch then report identical timestamps). Nothing in
// the simulation assumes a particular origin: every seeded past (creation, last
// contact, install, git history) is placed relative to it.
// The simulation advances in fixed steps; time that does not fill a whole step is
// carried over, so the events that happen depend only on how much time passed in
// total, never on how it was sliced into ticks.

/** The epoch tests pass for exact timestamps (and the World's default, for unit tests of the engine). */
export const FIXED_EPOCH = '2026-01-01T00:00:00Z';
export const FIXED_EPOCH_MS = Date.parse(FIXED_EPOCH);
/** Length of one simulation step in simulated milliseconds. */
export const STEP_MS = 5_000;

export class SimClock {
	/** Simulated time of the last completed step. */
	stepMs: number;
	/** Simulated time advanced past the last step, not yet simulated. */
	private carryMs = 0;
	/** Simulated seconds per real second for the background ticker. */
	speed = 1;

	constructor(readonly originMs: number = FIXED_EPOCH_MS) {
		this.stepMs = originMs;
	}

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

/**
 * The origin for a sandbox: `epoch` (an ISO 8601 date-time) when given, else the real
 * time now, cut to the whole second so served timestamps read cleanly. Throws on an
 * unreadable epoch.
 */
export function originFor(epoch: string | undefined, wallNow: number = Date.now()): number {
	if (epoch === undefined) return Math.floor(wallNow / 1000) * 1000;
	// A date alone (`2026-01-01`) would parse as UTC midnight; demand a full date-time so intent is clear.
	const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(epoch) ? Date.parse(epoch) : NaN;
	if (!Number.isFinite(ms)) throw new Error(`epoch must be an ISO 8601 date-time with a zone, e.g. ${FIXED_EPOCH}; got ${JSON.stringify(epoch)}`);
	// The catalog's fixed dates (groups, projects, the GitOps project) lie before it.
	if (ms < FIXED_EPOCH_MS) throw new Error(`epoch must not be before ${FIXED_EPOCH}; got ${epoch}`);
	return ms;
}

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export function iso(ms: number): string {
	return new Date(ms).toISOString();
}
