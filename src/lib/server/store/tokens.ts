import type { Kysely } from 'kysely';
import type { Database, Role } from './schema';

export interface ApiToken {
	id: number;
	name: string;
	role: Role;
	prefix: string;
	created_by: string;
	created_at: string;
	last_used_at: string | null;
	revoked_at: string | null;
}

const publicColumns = ['id', 'name', 'role', 'prefix', 'created_by', 'created_at', 'last_used_at', 'revoked_at'] as const;

export class Tokens {
	constructor(private db: Kysely<Database>) {}

	async create(t: { name: string; role: Role; tokenHash: string; prefix: string; createdBy: string }, now: string): Promise<ApiToken> {
		return this.db
			.insertInto('api_tokens')
			.values({ name: t.name, role: t.role, token_hash: t.tokenHash, prefix: t.prefix, created_by: t.createdBy, created_at: now })
			.returning(publicColumns)
			.executeTakeFirstOrThrow();
	}

	async list(): Promise<ApiToken[]> {
		return this.db.selectFrom('api_tokens').select(publicColumns).orderBy('id', 'desc').execute();
	}

	async byHash(tokenHash: string): Promise<ApiToken | undefined> {
		return this.db.selectFrom('api_tokens').select(publicColumns).where('token_hash', '=', tokenHash).executeTakeFirst();
	}

	async touch(id: number, now: string) {
		await this.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
	}

	/** Returns the token if it existed and was active; revoking twice is a no-op. */
	async revoke(id: number, now: string): Promise<ApiToken | undefined> {
		return this.db
			.updateTable('api_tokens')
			.set({ revoked_at: now })
			.where('id', '=', id)
			.where('revoked_at', 'is', null)
			.returning(publicColumns)
			.executeTakeFirst();
	}
}
