// The store: one Kysely database (SQLite or PostgreSQL) and its repositories.
import { connect } from './connect';
import { migrateToLatest, ping } from './migrations';
import { Audit } from './audit';
import { Changes } from './changes';
import { LoginAttempts } from './login-attempts';
import { Sessions } from './sessions';
import { Passkeys } from './passkeys';
import { Settings } from './settings';
import { SignInFlows } from './sign-in-flows';
import { Tokens } from './tokens';
import { Users } from './users';

export type { Role } from './schema';

export class Store {
	readonly users;
	readonly sessions;
	readonly tokens;
	readonly audit;
	readonly settings;
	readonly loginAttempts;
	readonly changes;
	readonly signInFlows;
	readonly passkeys;

	private constructor(readonly conn: ReturnType<typeof connect>) {
		this.users = new Users(conn.db);
		this.sessions = new Sessions(conn.db);
		this.tokens = new Tokens(conn.db);
		this.audit = new Audit(conn.db);
		this.settings = new Settings(conn.db);
		this.loginAttempts = new LoginAttempts(conn.db);
		this.changes = new Changes(conn.db);
		this.signInFlows = new SignInFlows(conn.db);
		this.passkeys = new Passkeys(conn.db);
	}

	get dialect() {
		return this.conn.dialect;
	}

	/** Connects and migrates; throws with the location when the store is unreachable. */
	static async open(opts: { databaseUrl?: string; dataDir: string; migrate?: boolean }): Promise<Store> {
		const store = new Store(connect(opts));
		try {
			await ping(store.conn.db);
			if (opts.migrate !== false) await migrateToLatest(store.conn.db, store.conn.dialect);
		} catch (e) {
			await store.close().catch(() => {});
			throw new Error(`store at ${store.conn.location} is not usable: ${(e as Error).message}`);
		}
		return store;
	}

	async migrate(): Promise<string[]> {
		return migrateToLatest(this.conn.db, this.conn.dialect);
	}

	async ping(): Promise<void> {
		await ping(this.conn.db);
	}

	async close(): Promise<void> {
		await this.conn.db.destroy();
	}
}
