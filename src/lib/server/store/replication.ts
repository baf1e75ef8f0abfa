// What replicas share through PostgreSQL: the leader's lease (holder, term, expiry on the
// database's clock), the feed every replica publishes its events through (one global
// sequence; the payload is in the row, NOTIFY only wakes the readers), and each replica's
// heartbeat. Used only with PostgreSQL: a SQLite store is one process, always the leader.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema';

// Everything here is raw table access outside the typed schema the auth and audit code use.
type Db = Kysely<any>;

/** The channel NOTIFY wakes the feed's readers on; the payload is only the new sequence. */
export const FEED_CHANNEL = 'runner_dashboard_feed';
// Appends take this transaction-scoped lock so rows commit in sequence order: a reader that
// has seen sequence n never later finds a committed row below n.
const FEED_LOCK = 0x72645f66;
const LEASE = 'leader';
const NOW_MS = sql<string>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

export interface Lease {
	holder: string;
	term: number;
	expiresAt: number;
	/** The database's clock when read. */
	now: number;
}

export interface FeedRow {
	seq: number;
	term: number;
	origin: string;
	kind: string;
	payload: string;
	at: string;
}

export interface ReplicaRow {
	id: string;
	started_at: string;
	last_seen: string;
	term: number;
	applied_seq: number;
	lag_ms: number;
}

/** A leader's write under a term the lease no longer holds. */
export class StaleTermError extends Error {
	constructor(term: number, current: number | null) {
		super(`leadership term ${term} is over (the lease is at term ${current ?? 'none'}); write refused`);
		this.name = 'StaleTermError';
	}
}

const toRow = (r: Record<string, unknown>): FeedRow => ({
	seq: Number(r.seq),
	term: Number(r.term),
	origin: String(r.origin),
	kind: String(r.kind),
	payload: String(r.payload),
	at: String(r.at)
});

export class Replication {
	private db: Db;

	constructor(db: Kysely<Database>) {
		this.db = db as unknown as Db;
	}

	/** Takes the lease when it is free or expired: the next term, held for `durationMs`. Null while another holds it. */
	async acquire(holder: string, durationMs: number): Promise<Lease | null> {
		const { rows } = await sql<{ term: number; expires_at: string; now: string }>`
			insert into leader_lease (name, holder, term, expires_at) values (${LEASE}, ${holder}, 1, ${NOW_MS} + ${durationMs})
			on conflict (name) do update set holder = excluded.holder, term = leader_lease.term + 1, expires_at = excluded.expires_at
			where leader_lease.expires_at < ${NOW_MS}
			returning term, expires_at, ${NOW_MS} as now`.execute(this.db);
		const r = rows[0];
		return r ? { holder, term: Number(r.term), expiresAt: Number(r.expires_at), now: Number(r.now) } : null;
	}

	/** Extends the lease of this holder and term; null when it has passed to another term. */
	async renew(holder: string, term: number, durationMs: number): Promise<Lease | null> {
		const { rows } = await sql<{ expires_at: string; now: string }>`
			update leader_lease set expires_at = ${NOW_MS} + ${durationMs}
			where name = ${LEASE} and holder = ${holder} and term = ${term}
			returning expires_at, ${NOW_MS} as now`.execute(this.db);
		const r = rows[0];
		return r ? { holder, term, expiresAt: Number(r.expires_at), now: Number(r.now) } : null;
	}

	/** Gives the lease up at once (a clean shutdown), so the next replica need not wait for it to expire. */
	async release(holder: string, term: number): Promise<void> {
		await sql`update leader_lease set expires_at = 0 where name = ${LEASE} and holder = ${holder} and term = ${term}`.execute(this.db);
	}

	async lease(): Promise<Lease | null> {
		const { rows } = await sql<{ holder: string; term: number; expires_at: string; now: string }>`
			select holder, term, expires_at, ${NOW_MS} as now from leader_lease where name = ${LEASE}`.execute(this.db);
		const r = rows[0];
		return r ? { holder: r.holder, term: Number(r.term), expiresAt: Number(r.expires_at), now: Number(r.now) } : null;
	}

	/**
	 * The fence of a leader's write, run first in its transaction: refuses unless the lease is
	 * still at `term` and held by `holder`. The row lock it takes (FOR SHARE) makes a takeover
	 * wait for the write's commit, so every committed write happened under a live term.
	 */
	static async fence(trx: Transaction<any> | Kysely<any>, holder: string, term: number): Promise<void> {
		const { rows } = await sql<{ holder: string; term: number }>`select holder, term from leader_lease where name = ${LEASE} for share`.execute(trx);
		const r = rows[0];
		if (!r || Number(r.term) !== term || r.holder !== holder) throw new StaleTermError(term, r ? Number(r.term) : null);
	}

	/**
	 * Appends a row and wakes every reader (NOTIFY is delivered at commit). With `fenced`, only
	 * while the lease is at that term: a leader's publications are writes like any other.
	 */
	async append(row: { term: number; origin: string; kind: string; payload: string }, fenced?: { holder: string; term: number }): Promise<number> {
		return this.db.transaction().execute(async (trx) => {
			if (fenced) await Replication.fence(trx, fenced.holder, fenced.term);
			await sql`select pg_advisory_xact_lock(${FEED_LOCK})`.execute(trx);
			const r = await trx
				.insertInto('replica_feed')
				.values({ ...row, at: new Date().toISOString() })
				.returning('seq')
				.executeTakeFirstOrThrow();
			const seq = Number(r.seq);
			await sql`select pg_notify(${FEED_CHANNEL}, ${String(seq)})`.execute(trx);
			return seq;
		});
	}

	/** Rows after `seq`, oldest first. */
	async after(seq: number, limit = 500): Promise<FeedRow[]> {
		const rows = await this.db.selectFrom('replica_feed').selectAll().where('seq', '>', seq).orderBy('seq').limit(limit).execute();
		return rows.map(toRow);
	}

	/** The newest row of a kind (a snapshot), or undefined. */
	async latest(kind: string): Promise<FeedRow | undefined> {
		const r = await this.db.selectFrom('replica_feed').selectAll().where('kind', '=', kind).orderBy('seq', 'desc').limit(1).executeTakeFirst();
		return r ? toRow(r) : undefined;
	}

	/** The newest `limit` rows of a kind, oldest first (to fill the live streams' replay buffer at start). */
	async recent(kind: string, limit: number): Promise<FeedRow[]> {
		const rows = await this.db.selectFrom('replica_feed').selectAll().where('kind', '=', kind).orderBy('seq', 'desc').limit(limit).execute();
		return rows.map(toRow).reverse();
	}

	async head(): Promise<number> {
		const r = await this.db.selectFrom('replica_feed').select(sql<string>`coalesce(max(seq), 0)`.as('head')).executeTakeFirstOrThrow();
		return Number(r.head);
	}

	/** Deletes rows before the newest snapshot, keeping at least the newest `keep` rows; a leader's housekeeping. */
	async prune(snapshotKind: string, keep: number, fenced: { holder: string; term: number }): Promise<number> {
		return this.db.transaction().execute(async (trx) => {
			await Replication.fence(trx, fenced.holder, fenced.term);
			const snap = await trx.selectFrom('replica_feed').select('seq').where('kind', '=', snapshotKind).orderBy('seq', 'desc').limit(1).executeTakeFirst();
			if (!snap) return 0;
			const head = Number((await trx.selectFrom('replica_feed').select(sql<string>`max(seq)`.as('head')).executeTakeFirstOrThrow()).head);
			const before = Math.min(Number(snap.seq), head - keep);
			const r = await trx.deleteFrom('replica_feed').where('seq', '<', before).executeTakeFirst();
			return Number(r.numDeletedRows ?? 0);
		});
	}

	async heartbeat(r: ReplicaRow): Promise<void> {
		await this.db
			.insertInto('replicas')
			.values(r)
			.onConflict((oc) => oc.column('id').doUpdateSet({ last_seen: r.last_seen, term: r.term, applied_seq: r.applied_seq, lag_ms: r.lag_ms }))
			.execute();
	}

	/** Replicas seen since `since` (ISO), oldest first. */
	async replicas(since: string): Promise<ReplicaRow[]> {
		const rows = await this.db.selectFrom('replicas').selectAll().where('last_seen', '>=', since).orderBy('started_at').execute();
		return rows.map((r) => ({ id: String(r.id), started_at: String(r.started_at), last_seen: String(r.last_seen), term: Number(r.term), applied_seq: Number(r.applied_seq), lag_ms: Number(r.lag_ms) }));
	}

	async forget(id: string): Promise<void> {
		await this.db.deleteFrom('replicas').where('id', '=', id).execute();
	}

	/** Removes replicas not seen since `before` (their processes are gone). */
	async pruneReplicas(before: string): Promise<void> {
		await this.db.deleteFrom('replicas').where('last_seen', '<', before).execute();
	}
}
