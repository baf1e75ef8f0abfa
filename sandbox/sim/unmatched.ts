// Work that no runner of the fleet can take, on either forge: a small backlog already
// waiting some minutes at the start, then now and then another with a regular arrival.
// Drawn from a stream of its own, so the regular arrivals (and everything following from
// them) are exactly what they would be without it.

import { MINUTE } from './clock.js';
import { Rng, mix32 } from './rng.js';

export class UnmatchedStream<T> {
	/** Also serves jobs added through the control API, so those never touch a workload's stream. */
	readonly rng: Rng;

	constructor(
		seed: number,
		salt: number,
		private readonly kinds: readonly T[],
		private readonly perArrival: number
	) {
		this.rng = new Rng(mix32(seed, salt));
	}

	/** `min`–`max` items created 5–50 minutes before `now`, oldest first; the first kind always among them. */
	backlog(now: number, min: number, max: number): { at: number; kind: T }[] {
		const n = min + this.rng.int(max - min + 1);
		const out: { at: number; kind: T }[] = [];
		for (let i = 0; i < n; i++) {
			const kind = i === 0 ? (this.kinds[0] as T) : this.rng.pick(this.kinds);
			out.push({ at: now - Math.round(this.rng.range(5 * MINUTE, 50 * MINUTE)), kind });
		}
		return out.sort((a, b) => a.at - b.at);
	}

	/** Whether a regular arrival brings one along; if so, which kind. */
	next(): T | undefined {
		return this.rng.chance(this.perArrival) ? this.rng.pick(this.kinds) : undefined;
	}
}
