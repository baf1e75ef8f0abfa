// When the dashboard first saw each GitHub runner offline, in the store: the leader writes
// the transitions (a runner gone offline, one back online or gone), every replica reads.
import type { Kysely } from 'kysely';
import type { Database } from './schema';
import { fencedTransaction, type Fence } from './fenced';

type Db = Kysely<any>;

export interface OfflineChanges {
	/** Runners newly seen offline, with when: a row already there keeps its earlier time. */
	set: [id: string, sinceMs: number][];
	/** Runners back online or gone. */
	clear: string[];
}

export class RunnerOfflineStore {
	private db: Db;

	constructor(
		db: Kysely<Database>,
		/** Runs first in each write's transaction; throws to refuse it (a leader whose term is over). */
		private fence?: Fence
	) {
		this.db = db as unknown as Db;
	}

	async apply(changes: OfflineChanges): Promise<void> {
		if (!changes.set.length && !changes.clear.length) return;
		await fencedTransaction(this.db, this.fence, async (trx) => {
			for (let i = 0; i < changes.clear.length; i += 500) await trx.deleteFrom('runner_offline_since').where('runner_id', 'in', changes.clear.slice(i, i + 500)).execute();
			for (let i = 0; i < changes.set.length; i += 500) {
				const rows = changes.set.slice(i, i + 500).map(([runner_id, since]) => ({ runner_id, since_ms: Math.floor(since) }));
				await trx.insertInto('runner_offline_since').values(rows).onConflict((oc: any) => oc.column('runner_id').doNothing()).execute();
			}
		});
	}

	/** Every stored runner's first-seen-offline time. */
	async load(): Promise<Map<string, number>> {
		const rows = await this.db.selectFrom('runner_offline_since').select(['runner_id', 'since_ms']).execute();
		return new Map(rows.map((r: { runner_id: string; since_ms: unknown }) => [String(r.runner_id), Number(r.since_ms)]));
	}
}
