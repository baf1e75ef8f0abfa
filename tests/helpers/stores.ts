// Fresh, empty databases of both dialects for store-backed tests: SQLite in a temp dir
// and a database on a throwaway PostgreSQL server (tests/helpers/postgres.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startPostgres, type TestPostgres } from './postgres';
import { Store } from '../../src/lib/server/store';

/** A place for a fresh, empty database of one dialect. */
export interface Backend {
	/** Options for Store.open that point at a brand-new empty database. */
	fresh(): Promise<{ databaseUrl?: string; dataDir: string }>;
	stop(): Promise<void>;
}

export async function sqliteBackend(): Promise<Backend> {
	const dirs: string[] = [];
	return {
		async fresh() {
			const dataDir = await mkdtemp(join(tmpdir(), 'rd-store-'));
			dirs.push(dataDir);
			return { dataDir };
		},
		async stop() {
			for (const d of dirs) await rm(d, { recursive: true, force: true });
		}
	};
}

export async function postgresBackend(): Promise<Backend> {
	const server: TestPostgres = await startPostgres();
	let n = 0;
	return {
		async fresh() {
			const name = `rd_store_${++n}`;
			const admin = new pg.Client({ connectionString: server.url });
			await admin.connect();
			try {
				await admin.query(`create database ${name}`);
			} finally {
				await admin.end();
			}
			const u = new URL(server.url);
			u.pathname = `/${name}`;
			return { databaseUrl: u.toString(), dataDir: server.dir };
		},
		stop: () => server.stop()
	};
}

/** For `describe.each`: both dialects by name. */
export const BACKENDS: [string, () => Promise<Backend>][] = [
	['sqlite', sqliteBackend],
	['postgres', postgresBackend]
];

/** Empties every table that store-backed tests write, children first. */
export async function clearStore(store: Store): Promise<void> {
	const db = store.conn.db;
	for (const t of ['sessions', 'api_tokens', 'audit', 'settings', 'login_attempts', 'users'] as const) await db.deleteFrom(t).execute();
	for (const t of ['changes', 'webhook_deliveries', 'leader_lease', 'replica_feed', 'replicas', 'autoscaler_history', 'capacity_window', 'drift_history', 'runner_offline_since']) await (db as unknown as Kysely<any>).deleteFrom(t).execute();
}

/**
 * One migrated store of a dialect for the enclosing describe block: opened before its
 * tests, emptied before each (before the block's own beforeEach), closed after.
 */
export function storeFor(makeBackend: () => Promise<Backend>): () => Store {
	let backend: Backend | undefined;
	let store: Store | undefined;
	beforeAll(async () => {
		backend = await makeBackend();
		store = await Store.open(await backend.fresh());
	});
	afterAll(async () => {
		await store?.close();
		await backend?.stop();
	});
	beforeEach(() => clearStore(store!));
	return () => store!;
}
