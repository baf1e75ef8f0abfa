// Self-test of the throwaway PostgreSQL harness that the store's integration tests use.
import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from './helpers/postgres';

describe('startPostgres', () => {
	let db: TestPostgres;

	beforeAll(async () => {
		db = await startPostgres();
	});
	afterAll(async () => {
		await db?.stop();
	});

	it('returns a loopback postgres:// URL with a password', () => {
		const u = new URL(db.url);
		expect(u.protocol).toBe('postgres:');
		expect(u.hostname).toBe('127.0.0.1');
		expect(Number(u.port)).toBeGreaterThan(0);
		expect(u.password.length).toBeGreaterThan(8);
		expect(u.pathname).toBe('/runner_dashboard_test');
	});

	it('accepts connections and runs queries', async () => {
		const client = new pg.Client({ connectionString: db.url });
		await client.connect();
		try {
			const one = await client.query<{ one: number }>('select 1 as one');
			expect(one.rows).toEqual([{ one: 1 }]);
			const cur = await client.query<{ db: string; fsync: string }>(
				"select current_database() as db, current_setting('fsync') as fsync"
			);
			expect(cur.rows[0]).toEqual({ db: 'runner_dashboard_test', fsync: 'off' });
		} finally {
			await client.end();
		}
	});

	it('refuses a wrong password (auth is not wide open on TCP)', async () => {
		const u = new URL(db.url);
		u.password = 'wrong';
		const client = new pg.Client({ connectionString: u.toString() });
		await expect(client.connect()).rejects.toThrow(/password authentication failed/);
		await client.end().catch(() => {});
	});

	it('stop() shuts the server down and removes its directory', async () => {
		const other = await startPostgres();
		expect(existsSync(`${other.dir}/data/PG_VERSION`)).toBe(true);
		const u = new URL(other.url);
		const client = new pg.Client({ connectionString: other.url });
		await client.connect();
		await client.end();
		await other.stop();
		const again = new pg.Client({ connectionString: other.url, connectionTimeoutMillis: 2000 });
		await expect(again.connect()).rejects.toThrow();
		await again.end().catch(() => {});
		expect(Number(u.port)).toBeGreaterThan(0);
		expect(existsSync(other.dir)).toBe(false);
	});
});
