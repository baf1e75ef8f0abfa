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
	provider: string | null;
	provider_token: string | null;
	id_token: string | null;
	role_checked_at: string | null;
	user_subject: string | null;
}

/** What a session signed in by a provider keeps to re-check the role. */
export interface SsoSessionState {
	provider: string;
	providerToken: string | null;
	idToken: string | null;
	roleCheckedAt: string;
}

export class Sessions {
	constructor(private db: Kysely<Database>) {}

	async create(s: { idHash: string; userId: number; expiresAt: string; ip: string | null; userAgent: string | null; sso?: SsoSessionState }, now: string) {
		await this.db
			.insertInto('sessions')
			.values({
				id_hash: s.idHash,
				user_id: s.userId,
				created_at: now,
				last_seen_at: now,
				expires_at: s.expiresAt,
				ip: s.ip,
				user_agent: s.userAgent?.slice(0, 300) ?? null,
				provider: s.sso?.provider ?? null,
				provider_token: s.sso?.providerToken ?? null,
				id_token: s.sso?.idToken ?? null,
				role_checked_at: s.sso?.roleCheckedAt ?? null
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
				'sessions.expires_at',
				'sessions.provider',
				'sessions.provider_token',
				'sessions.id_token',
				'sessions.role_checked_at',
				'users.subject as user_subject'
			])
			.where('sessions.id_hash', '=', idHash)
			.executeTakeFirst();
	}

	async touch(idHash: string, now: string) {
		await this.db.updateTable('sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
	}

	/** After a provider re-checked the role: the rotated tokens and when. */
	async rechecked(idHash: string, s: { providerToken: string | null; idToken: string | null; roleCheckedAt: string }) {
		await this.db.updateTable('sessions').set({ provider_token: s.providerToken, id_token: s.idToken, role_checked_at: s.roleCheckedAt }).where('id_hash', '=', idHash).execute();
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
