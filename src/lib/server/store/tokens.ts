import type { Kysely, Selectable } from 'kysely';
import type { ApiTokensTable, Database, Role } from './schema';

/** A token as the dashboard shows it: its row without the secret's hash. */
export type ApiToken = Omit<Selectable<ApiTokensTable>, 'token_hash'>;

/** A token with what decides whether it still works: its owner's state, joined when it is resolved. */
export interface ResolvedToken extends ApiToken {
	/** False when the token has an owner that is gone (deleted). */
	owner_exists: boolean;
	owner_disabled: boolean;
	owner_role: Role | null;
}

const publicColumns = ['id', 'name', 'role', 'prefix', 'created_by', 'owner_id', 'created_at', 'expires_at', 'last_used_at', 'revoked_at'] as const;

export class Tokens {
	constructor(private db: Kysely<Database>) {}

	async create(
		t: { name: string; role: Role; tokenHash: string; prefix: string; createdBy: string; ownerId: number | null; expiresAt: string | null },
		now: string
	): Promise<ApiToken> {
		return this.db
			.insertInto('api_tokens')
			.values({
				name: t.name,
				role: t.role,
				token_hash: t.tokenHash,
				prefix: t.prefix,
				created_by: t.createdBy,
				owner_id: t.ownerId,
				expires_at: t.expiresAt,
				created_at: now
			})
			.returning(publicColumns)
			.executeTakeFirstOrThrow();
	}

	async list(): Promise<ApiToken[]> {
		return this.db.selectFrom('api_tokens').select(publicColumns).orderBy('id', 'desc').execute();
	}

	/** One token by its stored hash or its id, with its owner's state; one indexed query. */
	async resolve(by: { hash: string } | { id: number }): Promise<ResolvedToken | undefined> {
		const q = this.db
			.selectFrom('api_tokens as t')
			.leftJoin('users as u', 'u.id', 't.owner_id')
			.select(publicColumns.map((c) => `t.${c}` as const))
			.select(['u.id as owner_found', 'u.disabled as owner_disabled', 'u.role as owner_role']);
		const r = await ('hash' in by ? q.where('t.token_hash', '=', by.hash) : q.where('t.id', '=', by.id)).executeTakeFirst();
		if (!r) return undefined;
		const { owner_found, owner_disabled, owner_role, ...token } = r;
		return { ...token, owner_exists: owner_found !== null, owner_disabled: owner_disabled === 1, owner_role: owner_role ?? null };
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

	/** Revokes every active token a user owns (the user is being deleted); returns them. */
	async revokeOwnedBy(userId: number, now: string): Promise<ApiToken[]> {
		return this.db
			.updateTable('api_tokens')
			.set({ revoked_at: now })
			.where('owner_id', '=', userId)
			.where('revoked_at', 'is', null)
			.returning(publicColumns)
			.execute();
	}
}
