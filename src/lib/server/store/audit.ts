import type { Kysely } from 'kysely';
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
}

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
		await this.db
			.insertInto('audit')
			.values({
				at: now,
				principal: r.principal,
				principal_kind: r.principal_kind,
				action: r.action,
				target: r.target ?? null,
				outcome: r.outcome,
				detail: r.detail ? JSON.stringify(r.detail) : null,
				ip: r.ip ?? null,
				request_id: r.request_id ?? null
			})
			.execute();
	}

	async list(q: AuditQuery): Promise<{ items: AuditEntry[]; total: number }> {
		let base = this.db.selectFrom('audit');
		if (q.action) base = base.where('action', '=', q.action);
		if (q.outcome) base = base.where('outcome', '=', q.outcome as AuditTable['outcome']);
		if (q.principal) base = base.where('principal', '=', q.principal);
		const [rows, count] = await Promise.all([
			base
				.selectAll()
				.orderBy('id', 'desc')
				.limit(q.perPage)
				.offset((q.page - 1) * q.perPage)
				.execute(),
			base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
		]);
		return {
			items: rows.map((r) => ({ ...r, detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null })),
			total: Number(count.n)
		};
	}

	/** Failed logins since a time, by IP or by username — the login throttle's memory, shared by replicas. */
	async failedLogins(since: string, by: { ip?: string; username?: string }): Promise<number> {
		let q = this.db
			.selectFrom('audit')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('action', '=', 'login')
			.where('outcome', '=', 'failure')
			.where('at', '>=', since);
		if (by.ip !== undefined) q = q.where('ip', '=', by.ip);
		if (by.username !== undefined) q = q.where('target', '=', by.username);
		return Number((await q.executeTakeFirstOrThrow()).n);
	}
}
