// The built-in scraper's capacity window in the store (one row per scrape: the per-group
// sums and the counters born in it), so a restart or a new leader keeps the capacity
// charts. Bounded like the in-memory window: rows older than it are deleted.
import type { Kysely } from 'kysely';
import type { Database } from './schema';
import { fencedTransaction, type Fence } from './fenced';

type Db = Kysely<any>;

/** One scrape as the window takes it (core/series/window.ts `append`). */
export interface WindowSlot {
	at: number;
	row: Map<string, number>;
	born: Map<string, number>;
}

export class CapacityWindowStore {
	private db: Db;

	constructor(
		db: Kysely<Database>,
		/** Runs first in each write's transaction; throws to refuse it (a leader whose term is over). */
		private fence?: Fence
	) {
		this.db = db as unknown as Db;
	}

	/** Keeps a slot and deletes those before `keepFrom` (ms). */
	async append(slot: WindowSlot, keepFrom: number): Promise<void> {
		await fencedTransaction(this.db, this.fence, async (trx) => {
			await trx
				.insertInto('capacity_window')
				.values({ at_ms: Math.floor(slot.at), row: JSON.stringify([...slot.row]), born: JSON.stringify([...slot.born]) })
				.onConflict((oc: any) => oc.column('at_ms').doNothing())
				.execute();
			await trx.deleteFrom('capacity_window').where('at_ms', '<', Math.floor(keepFrom)).execute();
		});
	}

	/** The slots from `from` (ms) on, oldest first. */
	async load(from: number): Promise<WindowSlot[]> {
		const rows = await this.db.selectFrom('capacity_window').selectAll().where('at_ms', '>=', Math.floor(from)).orderBy('at_ms').execute();
		return rows.map((r) => ({ at: Number(r.at_ms), row: new Map(JSON.parse(String(r.row))), born: new Map(JSON.parse(String(r.born))) }));
	}
}
