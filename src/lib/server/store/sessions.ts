import type { Kysely } from 'kysely';
import type { Database, Role } from './schema';

export interface SessionRow {
	id_hash: string;
	user_id: number;
	username: string;
	role: Role;
	disabled: number;
	must_change_password: number;
	created_at: string;
	last_seen_at: string;
	expires_at: string;
}

export class Sessions {
	constructor(private db: Kysely<Database>) {}

	async create(s: { idHash: string; userId: number; expiresAt: string; ip: string | null; userAgent: string | null }, now: string) {
		await this.db
			.insertInto('sessions')
			.values({
				id_hash: s.idHash,
				user_id: s.userId,
				created_at: now,
				last_seen_at: now,
				expires_at: s.expiresAt,
				ip: s.ip,
				user_agent: s.userAgent?.slice(0, 300) ?? null
			})
			.execute();
	}

	async get(idHash: string): Promise<SessionRow | undefined> {
		return this.db
			.selectFrom('sessions')
			.innerJoin('users', 'users.id', 'sessions.user_id')
			.select([
				'sessions.id_hash',
				'sessions.user_id',
				'users.username',
				'users.role',
				'users.disabled',
				'users.must_change_password',
				'sessions.created_at',
				'sessions.last_seen_at',
				'sessions.expires_at'
			])
			.where('sessions.id_hash', '=', idHash)
			.executeTakeFirst();
	}

	async touch(idHash: string, now: string) {
		await this.db.updateTable('sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
	}

	async delete(idHash: string) {
		await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
	}

	async deleteForUser(userId: number) {
		await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
	}

	/** Remove sessions past their absolute expiry or idle longer than the idle timeout. */
	async prune(now: string, idleCutoff: string) {
		await this.db
			.deleteFrom('sessions')
			.where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<', idleCutoff)]))
			.execute();
	}
}
