// What changed in one source's runners since the last reading that was passed on. The
// forges are read away from the API's event loop (server/sync/reader-thread.ts); passing
// ten thousand runners across every two seconds would cost that loop more than reading
// them did, so only the runners that differ cross.
import { sameRunner, type Runner } from './runner';

export type RunnerChanges =
	/** Every runner: the receiver replaces the source's runners (after a start, a failure or a restart). */
	| { kind: 'all'; runners: Runner[] }
	/** New or changed runners, and the ids of those gone since the last reading. */
	| { kind: 'delta'; upserted: Runner[]; removed: string[] };

export class RunnerChangeTracker {
	private last = new Map<string, Runner>();
	/** Whether a reading has been passed on: a new tracker (a reader just started, or started again) knows nothing to compare against. */
	private passedOn = false;

	/** Every runner when `all` (the receiver starts over) or on this tracker's first reading; else only what changed. */
	next(runners: readonly Runner[], all: boolean): RunnerChanges {
		const previous = this.last;
		const next = new Map<string, Runner>();
		const upserted: Runner[] = [];
		for (const r of runners) {
			const old = previous.get(r.id);
			// An unchanged runner keeps its old object: the fresh copy dies young instead of
			// being promoted while the old one waits for a full collection.
			if (old && (old === r || sameRunner(old, r))) next.set(r.id, old);
			else {
				next.set(r.id, r);
				upserted.push(r);
			}
		}
		this.last = next;
		const whole = all || !this.passedOn;
		this.passedOn = true;
		if (whole) return { kind: 'all', runners: [...next.values()] };
		const removed = [...previous.keys()].filter((id) => !next.has(id));
		return { kind: 'delta', upserted, removed };
	}

	/** Pass this runner on with the next reading even if unchanged (the receiver changed its copy, e.g. after an action). */
	forget(id: string): void {
		this.last.delete(id);
	}
}
