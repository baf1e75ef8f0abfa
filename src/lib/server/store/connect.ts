// Opens the store: PostgreSQL when a URL is given, else SQLite (WAL) in the data dir.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema';
import type { Dialect } from './migrations';

export interface Connection {
	db: Kysely<Database>;
	dialect: Dialect;
	/** Where the data lives, for logs; never includes a password. */
	location: string;
}

export function connect(opts: { databaseUrl?: string; dataDir: string }): Connection {
	if (opts.databaseUrl) {
		const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10 });
		// An idle client losing its connection must not crash the process.
		pool.on('error', () => {});
		const u = new URL(opts.databaseUrl);
		return {
			db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
			dialect: 'postgres',
			location: `postgresql://${u.host}${u.pathname}`
		};
	}
	mkdirSync(opts.dataDir, { recursive: true });
	const file = join(opts.dataDir, 'runner-dashboard.sqlite');
	const database = new SQLite(file);
	database.pragma('journal_mode = WAL');
	// The CLI (e.g. `token create`) writes while the server runs on the same file.
	database.pragma('busy_timeout = 5000');
	database.pragma('foreign_keys = ON');
	return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database }) }), dialect: 'sqlite', location: file };
}
