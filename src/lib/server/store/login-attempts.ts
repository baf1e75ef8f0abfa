// Sign-in throttle counters: one row per key (a username, a client address, a known
// device) with the window it counts in. See auth/throttle.ts for why a counter.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema';

export class LoginAttempts {
	constructor(private db: Kysely<Database>) {}

	/**
	 * Takes one attempt from the key's budget, in one statement. No row: it starts a window
	 * at `now` with 1. A row whose window started at or before `expiredBefore`: the window
	 * restarts at `now` with 1. Otherwise it adds one only while below `limit`. SQLite runs
	 * the statement under its single writer lock; PostgreSQL's ON CONFLICT DO UPDATE locks
	 * the row, so concurrent callers (in this process or another replica) queue on it and
	 * each sees what the one before left. Returns the new count and its window's start, or
	 * null when the budget was spent (nothing changed).
	 */
	async reserve(key: string, now: string, expiredBefore: string, limit: number): Promise<{ attempts: number; windowStart: string } | null> {
		const expired = sql<boolean>`login_attempts.window_start <= ${expiredBefore}`;
		const row = await this.db
			.insertInto('login_attempts')
			.values({ key, window_start: now, attempts: 1 })
			.onConflict((oc) =>
				oc
					.column('key')
					.doUpdateSet({
						// Both expressions read the row as it was before this statement.
						attempts: sql<number>`case when ${expired} then 1 else login_attempts.attempts + 1 end`,
						window_start: sql<string>`case when ${expired} then ${now} else login_attempts.window_start end`
					})
					.where(sql<boolean>`${expired} or login_attempts.attempts < ${limit}`)
			)
			.returning(['attempts', 'window_start'])
			.executeTakeFirst();
		return row ? { attempts: Number(row.attempts), windowStart: row.window_start } : null;
	}

	/** Gives a reserved attempt back (it succeeded, or another key refused it); a window since restarted is left alone. */
	async release(key: string, windowStart: string): Promise<void> {
		await this.db
			.updateTable('login_attempts')
			.set({ attempts: sql<number>`attempts - 1` })
			.where('key', '=', key)
			.where('window_start', '=', windowStart)
			.where('attempts', '>', 0)
			.execute();
	}

	/** The key's count and window start, if it has a row. */
	async get(key: string): Promise<{ attempts: number; windowStart: string } | undefined> {
		const row = await this.db.selectFrom('login_attempts').select(['attempts', 'window_start']).where('key', '=', key).executeTakeFirst();
		return row && { attempts: Number(row.attempts), windowStart: row.window_start };
	}

	/** Deletes the counters whose window started before `before`; returns how many. */
	async prune(before: string): Promise<number> {
		const r = await this.db.deleteFrom('login_attempts').where('window_start', '<', before).executeTakeFirst();
		return Number(r.numDeletedRows ?? 0);
	}
}
