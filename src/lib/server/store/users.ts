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
	/** The sign-in provider and its id for the user; null for a local account. */
	provider: string | null;
	subject: string | null;
	last_sign_in_at: string | null;
}

const publicColumns = ['id', 'username', 'role', 'disabled', 'must_change_password', 'created_at', 'updated_at', 'provider', 'subject', 'last_sign_in_at'] as const;
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
		if (patch.disabled !== undefined) {
			values.disabled = patch.disabled ? 1 : 0;
			values.disabled_by_provider = 0;
		}
		if (patch.passwordHash) values.password_hash = patch.passwordHash;
		if (patch.mustChangePassword !== undefined) values.must_change_password = patch.mustChangePassword ? 1 : 0;
		const r = await this.db.updateTable('users').set(values).where('id', '=', id).returning(publicColumns).executeTakeFirst();
		return r && toUser(r);
	}

	async delete(id: number): Promise<boolean> {
		const r = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
		return Number(r.numDeletedRows) > 0;
	}

	/** The account a provider's identity is linked to, if it signed in before. */
	async bySubject(provider: string, subject: string): Promise<User | undefined> {
		const r = await this.db.selectFrom('users').select(publicColumns).where('provider', '=', provider).where('subject', '=', subject).executeTakeFirst();
		return r && toUser(r);
	}

	/**
	 * The account of a provider's identity with the role its rules gave now: linked by
	 * (provider, subject). A new one takes the provider's login name, or `name@provider`
	 * when a local or another provider's account holds it. It has no password. Not yet a
	 * sign-in (the account may be disabled): Auth.signedIn records that.
	 */
	async upsertSso(u: { provider: string; subject: string; username: string; role: Role }, now: string): Promise<User> {
		const known = await this.bySubject(u.provider, u.subject);
		if (known) {
			const r = await this.db
				.updateTable('users')
				.set((eb) => ({
					role: u.role,
					role_confirmed_at: now,
					updated_at: now,
					// Disabled because no rule matched: a rule matches again, so it is enabled again. An admin's disable stays.
					disabled: eb.case().when('disabled_by_provider', '=', 1).then(0).else(eb.ref('disabled')).end(),
					disabled_by_provider: 0
				})).where('id', '=', known.id).returning(publicColumns).executeTakeFirstOrThrow();
			return toUser(r);
		}
		for (const username of [u.username, `${u.username}@${u.provider}`, `${u.username}@${u.provider}-${u.subject}`]) {
			const r = await this.db
				.insertInto('users')
				.values({ username, password_hash: '', role: u.role, provider: u.provider, subject: u.subject, role_confirmed_at: now, created_at: now, updated_at: now })
				.onConflict((oc) => oc.doNothing())
				.returning(publicColumns)
				.executeTakeFirst();
			if (r) return toUser(r);
			// Another sign-in of the same identity got there first.
			const raced = await this.bySubject(u.provider, u.subject);
			if (raced) return raced;
		}
		throw new Error(`no free username for ${u.provider}:${u.subject}`);
	}

	/**
	 * The provider's identity no longer matches any rule: the account is disabled (its API
	 * tokens stop with it) until a sign-in that matches one again.
	 */
	async refusedByProvider(id: number, now: string): Promise<void> {
		await this.db.updateTable('users').set({ disabled: 1, disabled_by_provider: 1, updated_at: now }).where('id', '=', id).where('disabled', '=', 0).execute();
	}

	/** The provider confirmed the role again (a re-check). */
	async roleConfirmed(id: number, now: string): Promise<void> {
		await this.db.updateTable('users').set({ role_confirmed_at: now }).where('id', '=', id).execute();
	}

	/** When the provider last confirmed a provider account's role; undefined for a local account. */
	async roleConfirmedAt(id: number): Promise<string | null | undefined> {
		const r = await this.db.selectFrom('users').select(['provider', 'role_confirmed_at']).where('id', '=', id).executeTakeFirst();
		return r?.provider ? r.role_confirmed_at : undefined;
	}

	async signedIn(id: number, now: string): Promise<void> {
		await this.db.updateTable('users').set({ last_sign_in_at: now }).where('id', '=', id).execute();
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
