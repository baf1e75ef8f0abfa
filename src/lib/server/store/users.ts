import type { Kysely } from 'kysely';
import type { Database, Role } from './schema';

export interface User {
	id: number;
	username: string;
	role: Role;
	disabled: boolean;
	created_at: string;
	updated_at: string;
}

const publicColumns = ['id', 'username', 'role', 'disabled', 'created_at', 'updated_at'] as const;
const toUser = (r: { disabled: number } & Omit<User, 'disabled'>): User => ({ ...r, disabled: r.disabled === 1 });

export class Users {
	constructor(private db: Kysely<Database>) {}

	async count(): Promise<number> {
		const r = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
		return Number(r.n);
	}

	async list(): Promise<User[]> {
		return (await this.db.selectFrom('users').select(publicColumns).orderBy('username').execute()).map(toUser);
	}

	async byId(id: number): Promise<User | undefined> {
		const r = await this.db.selectFrom('users').select(publicColumns).where('id', '=', id).executeTakeFirst();
		return r && toUser(r);
	}

	/** The user with its password hash, for login only. */
	async credentials(username: string) {
		return this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
	}

	/** Insert; returns undefined when the username is taken (so concurrent first starts create one admin). */
	async create(u: { username: string; passwordHash: string; role: Role }, now: string): Promise<User | undefined> {
		const r = await this.db
			.insertInto('users')
			.values({ username: u.username, password_hash: u.passwordHash, role: u.role, created_at: now, updated_at: now })
			.onConflict((oc) => oc.column('username').doNothing())
			.returning(publicColumns)
			.executeTakeFirst();
		return r && toUser(r);
	}

	async update(id: number, patch: { role?: Role; disabled?: boolean; passwordHash?: string }, now: string): Promise<User | undefined> {
		const values: Record<string, unknown> = { updated_at: now };
		if (patch.role) values.role = patch.role;
		if (patch.disabled !== undefined) values.disabled = patch.disabled ? 1 : 0;
		if (patch.passwordHash) values.password_hash = patch.passwordHash;
		const r = await this.db.updateTable('users').set(values).where('id', '=', id).returning(publicColumns).executeTakeFirst();
		return r && toUser(r);
	}

	async delete(id: number): Promise<boolean> {
		const r = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
		return Number(r.numDeletedRows) > 0;
	}

	async countAdmins(): Promise<number> {
		const r = await this.db
			.selectFrom('users')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('role', '=', 'admin')
			.where('disabled', '=', 0)
			.executeTakeFirstOrThrow();
		return Number(r.n);
	}
}
