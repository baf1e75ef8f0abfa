// The autoscalers' replica history in the store, so a restart or a new leader keeps the
// charts: the samples the in-memory history took (core/autoscalers/history.ts), written by
// the leader, folded into per-bucket peaks past the fine span and dropped past the week,
// as the in-memory history does. Every replica loads it at start.
import type { Kysely } from 'kysely';
import type { Database } from './schema';
import { fencedTransaction, type Fence } from './fenced';

type Db = Kysely<any>;

/** One stored sample: [unix seconds, current, desired, max] of an autoscaler. */
export interface StoredPoint {
	autoscaler: string;
	at_s: number;
	current: number | null;
	desired: number | null;
	max: number | null;
}

export class AutoscalerHistoryStore {
	private db: Db;

	constructor(
		db: Kysely<Database>,
		/** Runs first in each write's transaction; throws to refuse it (a leader whose term is over). */
		private fence?: Fence
	) {
		this.db = db as unknown as Db;
	}

	private write<T>(f: (trx: Db) => Promise<T>): Promise<T> {
		return fencedTransaction(this.db, this.fence, f);
	}

	/** Adds samples; one taken again at the same second replaces the first. */
	async append(points: StoredPoint[]): Promise<void> {
		if (!points.length) return;
		await this.write(async (trx) => {
			for (let i = 0; i < points.length; i += 500) {
				await trx
					.insertInto('autoscaler_history')
					.values(points.slice(i, i + 500).map((p) => ({ ...p, at_s: Math.floor(p.at_s) })))
					.onConflict((oc: any) => oc.columns(['autoscaler', 'at_s']).doUpdateSet((eb: any) => ({ current: eb.ref('excluded.current'), desired: eb.ref('excluded.desired'), max: eb.ref('excluded.max') })))
					.execute();
			}
		});
	}

	/** Every sample since `fromS`, per autoscaler in time order. */
	async load(fromS: number): Promise<StoredPoint[]> {
		// Whole seconds: PostgreSQL takes the parameter as the integer column's type.
		const rows = await this.db.selectFrom('autoscaler_history').selectAll().where('at_s', '>=', Math.floor(fromS)).orderBy('autoscaler').orderBy('at_s').execute();
		return rows.map((r: Record<string, unknown>) => ({
			autoscaler: String(r.autoscaler),
			at_s: Number(r.at_s),
			current: r.current === null ? null : Number(r.current),
			desired: r.desired === null ? null : Number(r.desired),
			max: r.max === null ? null : Number(r.max)
		}));
	}

	/**
	 * Folds samples before `beforeS` into one row per `stepS` bucket (peak current and desired,
	 * peak max) at the bucket's start, and deletes those older than `dropBeforeS`; returns the rows removed.
	 */
	async compact(beforeS: number, stepS: number, dropBeforeS: number): Promise<number> {
		beforeS = Math.floor(beforeS);
		dropBeforeS = Math.floor(dropBeforeS);
		return this.write(async (trx) => {
			const dropped = Number((await trx.deleteFrom('autoscaler_history').where('at_s', '<', dropBeforeS).executeTakeFirst()).numDeletedRows ?? 0);
			const old = await trx.selectFrom('autoscaler_history').selectAll().where('at_s', '<', beforeS).orderBy('autoscaler').orderBy('at_s').execute();
			const buckets = new Map<string, StoredPoint>();
			for (const r of old as StoredPoint[]) {
				const at = Math.floor(Number(r.at_s) / stepS) * stepS;
				const key = `${r.autoscaler}\u0000${at}`;
				const b = buckets.get(key);
				const peak = (a: number | null, v: number | null) => (a === null ? v : v === null ? a : Math.max(a, Number(v)));
				if (!b) buckets.set(key, { autoscaler: r.autoscaler, at_s: at, current: r.current, desired: r.desired, max: r.max });
				else Object.assign(b, { current: peak(b.current, r.current), desired: peak(b.desired, r.desired), max: peak(b.max, r.max) });
			}
			if (old.length === buckets.size) return dropped;
			await trx.deleteFrom('autoscaler_history').where('at_s', '<', beforeS).execute();
			const rows = [...buckets.values()];
			for (let i = 0; i < rows.length; i += 500) await trx.insertInto('autoscaler_history').values(rows.slice(i, i + 500)).execute();
			return dropped + old.length - rows.length;
		});
	}
}
