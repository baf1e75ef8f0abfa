import { sql, type Kysely } from 'kysely';
import type { AuditTable, Database } from './schema';

export interface AuditRecord {
	principal: string;
	principal_kind: string;
	action: string;
	target?: string | null;
	outcome: AuditTable['outcome'];
	detail?: Record<string, unknown> | null;
	ip?: string | null;
	request_id?: string | null;
}

export interface AuditEntry extends Omit<AuditRecord, 'detail'> {
	id: number;
	at: string;
	detail: Record<string, unknown> | null;
	/** How many attempts the row stands for: 1, or more for coalesced refusals. */
	count: number;
}

const entryColumns = ['id', 'at', 'principal', 'principal_kind', 'action', 'target', 'outcome', 'detail', 'ip', 'request_id', 'count'] as const;

export interface AuditQuery {
	page: number;
	perPage: number;
	action?: string;
	outcome?: string;
	principal?: string;
}

export class Audit {
	constructor(private db: Kysely<Database>) {}

	async record(r: AuditRecord, now: string): Promise<void> {
		await this.db.insertInto('audit').values(row(r, now)).execute();
	}

	/**
	 * Records a repeated event once per `key`: the first call inserts the row, later ones
	 * add to its count in the same statement (no read-then-write, so concurrent callers
	 * and replicas cannot insert twice). The row keeps the first attempt's time and details.
	 */
	async recordRepeated(r: AuditRecord, key: string, now: string): Promise<void> {
		await this.db
			.insertInto('audit')
			.values({ ...row(r, now), coalesce_key: key })
			.onConflict((oc) => oc.column('coalesce_key').doUpdateSet({ count: sql<number>`audit.count + 1` }))
			.execute();
	}

	/** Deletes records older than `before` (the retention); returns how many. */
	async prune(before: string): Promise<number> {
		const r = await this.db.deleteFrom('audit').where('at', '<', before).executeTakeFirst();
		return Number(r.numDeletedRows ?? 0);
	}

	async list(q: AuditQuery): Promise<{ items: AuditEntry[]; total: number }> {
		let base = this.db.selectFrom('audit');
		if (q.action) base = base.where('action', '=', q.action);
		if (q.outcome) base = base.where('outcome', '=', q.outcome as AuditTable['outcome']);
		if (q.principal) base = base.where('principal', '=', q.principal);
		const [rows, count] = await Promise.all([
			base
				.select(entryColumns)
				.orderBy('id', 'desc')
				.limit(q.perPage)
				.offset((q.page - 1) * q.perPage)
				.execute(),
			base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
		]);
		return {
			items: rows.map((r) => ({ ...r, count: Number(r.count), detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null })),
			total: Number(count.n)
		};
	}
}

function row(r: AuditRecord, now: string) {
	return {
		at: now,
		principal: r.principal,
		principal_kind: r.principal_kind,
		action: r.action,
		target: r.target ?? null,
		outcome: r.outcome,
		detail: r.detail ? JSON.stringify(r.detail) : null,
		ip: r.ip ?? null,
		request_id: r.request_id ?? null
	};
}
