import type { Kysely } from 'kysely';
import type { Database } from './schema';

export class Settings {
	constructor(private db: Kysely<Database>) {}

	async get(key: string): Promise<string | undefined> {
		return (await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst())?.value;
	}

	/** Set once: the first writer wins and every caller gets the stored value. */
	async getOrInit(key: string, make: () => string): Promise<string> {
		await this.db
			.insertInto('settings')
			.values({ key, value: make() })
			.onConflict((oc) => oc.column('key').doNothing())
			.execute();
		return (await this.get(key))!;
	}
}
