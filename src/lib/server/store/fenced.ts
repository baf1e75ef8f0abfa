// A leader's write: one transaction whose first statement is the fence, which throws to
// refuse it once this replica's leadership term is over (store/replication.ts).
import type { Kysely } from 'kysely';
import type { Database } from './schema';

export type Fence = (trx: Kysely<Database>) => Promise<void>;

/** Runs `f` in a transaction that `fence` (when given) opens; nothing is written when it throws. */
export function fencedTransaction<T>(db: Kysely<any>, fence: Fence | undefined, f: (trx: Kysely<any>) => Promise<T>): Promise<T> {
	return db.transaction().execute(async (trx) => {
		await fence?.(trx as unknown as Kysely<Database>);
		return f(trx);
	});
}
