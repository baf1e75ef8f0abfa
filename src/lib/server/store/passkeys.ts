import type { Kysely, Selectable } from 'kysely';
import type { Database, PasskeysTable } from './schema';

export interface Passkey {
	id: number;
	user_id: number;
	credential_id: string;
	public_key: string;
	counter: number;
	transports: string[];
	device_type: string;
	backed_up: boolean;
	name: string;
	created_at: string;
	last_used_at: string | null;
}

const toPasskey = (r: Selectable<PasskeysTable>): Passkey => ({ ...r, transports: r.transports ? (JSON.parse(r.transports) as string[]) : [], backed_up: r.backed_up === 1 });

/** Users' registered passkeys (WebAuthn credentials): the public key and the last counter seen. */
export class Passkeys {
	constructor(private db: Kysely<Database>) {}

	async forUser(userId: number): Promise<Passkey[]> {
		return (await this.db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('id').execute()).map(toPasskey);
	}

	async byCredentialId(credentialId: string): Promise<Passkey | undefined> {
		const r = await this.db.selectFrom('passkeys').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
		return r && toPasskey(r);
	}

	async add(p: Omit<Passkey, 'id' | 'last_used_at'>): Promise<Passkey> {
		const r = await this.db
			.insertInto('passkeys')
			.values({ ...p, transports: JSON.stringify(p.transports), backed_up: p.backed_up ? 1 : 0 })
			.returningAll()
			.executeTakeFirstOrThrow();
		return toPasskey(r);
	}

	/**
	 * Records a use: the new counter and backup state. Only when the stored counter is still
	 * the one checked against, so two sign-ins racing with one cloned counter cannot both pass.
	 */
	async used(id: number, checkedCounter: number, next: { counter: number; backedUp: boolean }, now: string): Promise<boolean> {
		const r = await this.db
			.updateTable('passkeys')
			.set({ counter: next.counter, backed_up: next.backedUp ? 1 : 0, last_used_at: now })
			.where('id', '=', id)
			.where('counter', '=', checkedCounter)
			.executeTakeFirst();
		return Number(r.numUpdatedRows) > 0;
	}

	async remove(userId: number, id: number): Promise<boolean> {
		const r = await this.db.deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
		return Number(r.numDeletedRows) > 0;
	}
}
