import type { Kysely } from 'kysely';
import type { Database } from './schema';

/** Sign-ins under way (an OAuth authorization, a passkey challenge): each is taken once, and only before it expires. */
export class SignInFlows {
	constructor(private db: Kysely<Database>) {}

	/**
	 * Stores a flow; false when `limit` flows are already under way (anybody can start one, so
	 * their number is bounded between two prunes; the bound is soft under concurrent starts).
	 */
	async put(idHash: string, kind: string, data: unknown, expiresAt: string, now: string, limit: number): Promise<boolean> {
		const r = await this.db
			.selectFrom('sign_in_flows')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('expires_at', '>', now)
			.executeTakeFirstOrThrow();
		if (Number(r.n) >= limit) return false;
		await this.db.insertInto('sign_in_flows').values({ id_hash: idHash, kind, data: JSON.stringify(data), expires_at: expiresAt }).execute();
		return true;
	}

	/** Deletes and returns the flow; a second take of the same one (a replayed callback) finds nothing. */
	async take(idHash: string, kind: string, now: string): Promise<unknown | undefined> {
		const r = await this.db.deleteFrom('sign_in_flows').where('id_hash', '=', idHash).where('kind', '=', kind).returning(['data', 'expires_at']).executeTakeFirst();
		if (!r || r.expires_at <= now) return undefined;
		return JSON.parse(r.data);
	}

	async prune(now: string): Promise<void> {
		await this.db.deleteFrom('sign_in_flows').where('expires_at', '<=', now).execute();
	}
}
