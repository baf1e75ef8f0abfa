import type { Kysely } from 'kysely';
import type { Database, Role } from './schema';

export interface User {
	id: number;
	username: string;
	role: Role;
	disabled: boolean;
	/** The user must choose a new password before anything else (the generated first admin). */
	must_change_password: boolean;
	created_at: string;
	updated_at: string;
}

const publicColumns = ['id', 'username', 'role', 'disabled', 'must_change_password', 'created_at', 'updated_at'] as const;
const toUser = (r: { disabled: number; must_change_password: number } & Omit<User, 'disabled' | 'must_change_password'>): User => ({
	...r,
	disabled: r.disabled === 1,
	must_change_password: r.must_change_password === 1
});

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
	async create(u: { username: string; passwordHash: string; role: Role; mustChangePassword?: boolean }, now: string): Promise<User | undefined> {
		const r = await this.db
			.insertInto('users')
			.values({
				username: u.username,
				password_hash: u.passwordHash,
				role: u.role,
				must_change_password: u.mustChangePassword ? 1 : 0,
				created_at: now,
				updated_at: now
			})
			.onConflict((oc) => oc.column('username').doNothing())
			.returning(publicColumns)
			.executeTakeFirst();
		return r && toUser(r);
	}

	async update(
		id: number,
		patch: { role?: Role; disabled?: boolean; passwordHash?: string; mustChangePassword?: boolean },
		now: string
	): Promise<User | undefined> {
		const values: Record<string, unknown> = { updated_at: now };
		if (patch.role) values.role = patch.role;
		if (patch.disabled !== undefined) values.disabled = patch.disabled ? 1 : 0;
		if (patch.passwordHash) values.password_hash = patch.passwordHash;
		if (patch.mustChangePassword !== undefined) values.must_change_password = patch.mustChangePassword ? 1 : 0;
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
