// Drift history: each drift item from the check that first saw it until the check that
// no longer does. The open row's first_seen is the item's age, so it survives restarts
// and is shared by replicas on PostgreSQL.
import type { Generated, Kysely } from 'kysely';
import { maskedValues } from '$lib/core/drift/secrets';
import type { DriftClass, DriftItem, DriftSeverity } from '$lib/core/drift/types';
import type { Database } from './schema';
import { fencedTransaction, type Fence } from './fenced';

export interface DriftHistoryTable {
	id: Generated<number>;
	item_key: string;
	stack: string;
	env: string;
	object: string;
	field: string;
	class: DriftClass;
	severity: DriftSeverity;
	/** JSON of the value, null when the side has none. */
	declared: string | null;
	applied: string | null;
	live: string | null;
	first_seen: string;
	last_seen: string;
	resolved_at: string | null;
}

type Db = Kysely<Database & { drift_history: DriftHistoryTable }>;

export interface DriftHistoryEntry {
	id: number;
	key: string;
	stack: string;
	env: string;
	object: string;
	field: string;
	class: DriftClass;
	severity: DriftSeverity;
	values: { declared: unknown; applied: unknown; live: unknown };
	first_seen: string;
	last_seen: string;
	resolved_at: string | null;
}

export interface DriftHistoryQuery {
	page: number;
	perPage: number;
	stack?: string;
	env?: string;
	class?: DriftClass;
	/** true: only open items; false: only resolved ones. */
	open?: boolean;
}

const toJson = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
const fromJson = (v: string | null) => (v === null ? null : (JSON.parse(v) as unknown));

/** The scope of one check: a stack and environment whose inputs were read. */
export const scopeKey = (stack: string, env: string) => `${stack}\u0000${env}`;

export class DriftHistory {
	private db: Db;

	/** `fence` runs first in each write's transaction and throws to refuse it (a leader whose term is over). */
	constructor(
		db: Kysely<Database>,
		private fence?: Fence
	) {
		this.db = db as unknown as Db;
	}

	/**
	 * Records one check: open items are updated (first_seen kept), new ones opened, and open items of
	 * the checked scopes that are gone are resolved. Scopes not checked (their inputs failed) stay as
	 * they were. Returns first_seen per item key.
	 */
	async record(items: DriftItem[], checked: Set<string>, now: string): Promise<Map<string, string>> {
		return fencedTransaction(this.db, this.fence, async (trx) => {
			const open = await trx.selectFrom('drift_history').select(['id', 'item_key', 'stack', 'env', 'first_seen']).where('resolved_at', 'is', null).execute();
			const byKey = new Map(open.map((r) => [r.item_key, r]));
			const firstSeen = new Map<string, string>();
			const current = new Set<string>();
			for (const item of items) {
				current.add(item.key);
				// The engine masks secrets already; masking again here keeps the store free of them whatever wrote the item.
				const masked = maskedValues(item.field, item);
				const values = { declared: toJson(masked.declared), applied: toJson(masked.applied), live: toJson(masked.live) };
				const row = byKey.get(item.key);
				if (row) {
					firstSeen.set(item.key, row.first_seen);
					await trx
						.updateTable('drift_history')
						.set({ class: item.class, severity: item.severity, ...values, last_seen: now })
						.where('id', '=', row.id)
						.execute();
				} else {
					firstSeen.set(item.key, now);
					await trx
						.insertInto('drift_history')
						.values({
							item_key: item.key,
							stack: item.stack,
							env: item.env,
							object: item.object,
							field: item.field,
							class: item.class,
							severity: item.severity,
							...values,
							first_seen: now,
							last_seen: now,
							resolved_at: null
						})
						.execute();
				}
			}
			const resolved = open.filter((r) => !current.has(r.item_key) && checked.has(scopeKey(r.stack, r.env))).map((r) => r.id);
			if (resolved.length) await trx.updateTable('drift_history').set({ resolved_at: now }).where('id', 'in', resolved).execute();
			return firstSeen;
		});
	}

	/** Deletes resolved items that cleared before `before` (open items are never deleted); returns how many. */
	async pruneResolved(before: string): Promise<number> {
		return fencedTransaction(this.db, this.fence, async (trx) => {
			const r = await trx.deleteFrom('drift_history').where('resolved_at', 'is not', null).where('resolved_at', '<', before).executeTakeFirst();
			return Number(r.numDeletedRows ?? 0);
		});
	}

	/** first_seen of every open item, for ages before the first check after a restart completes. */
	async openFirstSeen(): Promise<Map<string, string>> {
		const rows = await this.db.selectFrom('drift_history').select(['item_key', 'first_seen']).where('resolved_at', 'is', null).execute();
		return new Map(rows.map((r) => [r.item_key, r.first_seen]));
	}

	async list(q: DriftHistoryQuery): Promise<{ items: DriftHistoryEntry[]; total: number }> {
		let base = this.db.selectFrom('drift_history');
		if (q.stack) base = base.where('stack', '=', q.stack);
		if (q.env) base = base.where('env', '=', q.env);
		if (q.class) base = base.where('class', '=', q.class);
		if (q.open === true) base = base.where('resolved_at', 'is', null);
		if (q.open === false) base = base.where('resolved_at', 'is not', null);
		const [rows, count] = await Promise.all([
			base
				.selectAll()
				.orderBy('first_seen', 'desc')
				.orderBy('id', 'desc')
				.limit(q.perPage)
				.offset((q.page - 1) * q.perPage)
				.execute(),
			base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
		]);
		return {
			items: rows.map((r) => ({
				id: r.id,
				key: r.item_key,
				stack: r.stack,
				env: r.env,
				object: r.object,
				field: r.field,
				class: r.class,
				severity: r.severity,
				values: { declared: fromJson(r.declared), applied: fromJson(r.applied), live: fromJson(r.live) },
				first_seen: r.first_seen,
				last_seen: r.last_seen,
				resolved_at: r.resolved_at
			})),
			total: Number(count.n)
		};
	}
}

/**
 * Masks the secrets of rows stored before drift masked them (a migration runs this once):
 * each row's values as maskedValues would have stored them. Returns how many rows changed.
 */
export async function maskStoredSecrets(db: Kysely<any>, batch = 500): Promise<number> {
	let changed = 0;
	let after = 0;
	for (;;) {
		const rows: { id: number; field: string; declared: string | null; applied: string | null; live: string | null }[] = await db
			.selectFrom('drift_history')
			.select(['id', 'field', 'declared', 'applied', 'live'])
			.where('id', '>', after)
			.orderBy('id')
			.limit(batch)
			.execute();
		if (rows.length === 0) return changed;
		for (const r of rows) {
			const masked = maskedValues(r.field, { declared: fromJson(r.declared), applied: fromJson(r.applied), live: fromJson(r.live) });
			// A column left null stays null.
			const stored = (was: string | null, v: unknown) => (was === null ? null : toJson(v));
			const values = { declared: stored(r.declared, masked.declared), applied: stored(r.applied, masked.applied), live: stored(r.live, masked.live) };
			if (values.declared === r.declared && values.applied === r.applied && values.live === r.live) continue;
			await db.updateTable('drift_history').set(values).where('id', '=', r.id).execute();
			changed++;
		}
		after = rows[rows.length - 1]!.id;
	}
}
