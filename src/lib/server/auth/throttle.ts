// The sign-in throttle. An attempt is RESERVED before its password is checked (scrypt
// is the expensive, guessable step), on every key that applies, so parallel requests
// cannot all pass a check that only counted finished failures.
//
// Why a counter per key and not a count of recent audit rows: "count, then insert if
// below the limit" is two statements, and under PostgreSQL's READ COMMITTED two replicas
// (or two pool connections) both see "below" and both go ahead. The counter is one upsert
// whose ON CONFLICT ... WHERE either takes a unit of the budget or changes nothing,
// atomically in SQLite and PostgreSQL alike (store/login-attempts.ts).
//
// Each key counts in a window that starts with its first attempt and lasts window_minutes;
// the first attempt after that starts a new one. So a lock lasts until window_minutes after
// the failure that opened the window, and at most `limit` passwords are checked per key per
// window (2 × limit across the end of one window and the start of the next).
//
// A reservation that turns out to be a successful sign-in is given back: only failures
// use up the budget. Refused attempts do not count at all, so a lock ends when its window
// does, however long someone keeps knocking.
import type { LoginAttempts } from '../store/login-attempts';
import type { KnownDevice } from './device';

export interface ThrottleSettings {
	max_failures_per_ip: number;
	max_failures_per_user: number;
	max_failures_per_device: number;
	window_minutes: number;
}

export interface ThrottleKey {
	/** What the budget belongs to: a username, a client address, or a known device. */
	kind: 'user' | 'address' | 'device';
	key: string;
	limit: number;
}

export type Reservation =
	| { ok: true; release(): Promise<void> }
	| { ok: false; refusedBy: ThrottleKey; windowStart: string; retryAfterS: number };

/** The longest Retry-After ever sent, whatever the window (a client may come back and be refused again). */
export const MAX_RETRY_AFTER_S = 3600;

/**
 * Seconds until the window ends, plus up to 10 % jitter (at least up to a second) so that
 * many refused clients do not all come back in the same instant; 1 s to 1 h.
 */
export function retryAfterSeconds(remainingMs: number, random: () => number = Math.random): number {
	const base = Math.max(0, remainingMs) / 1000;
	const jitter = random() * Math.max(1, base * 0.1);
	return Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.ceil(base + jitter)));
}

export class LoginThrottle {
	constructor(
		private attempts: LoginAttempts,
		private settings: ThrottleSettings,
		private now: () => Date,
		private random: () => number = Math.random
	) {}

	private get windowMs() {
		return this.settings.window_minutes * 60_000;
	}

	/**
	 * The budgets an attempt draws on. A known device of this user has its own budget and
	 * nothing else, so the user's and the address's locks do not shut it out; everyone else
	 * draws on both the username's and the client address's (UNKNOWN_PEER included).
	 */
	keysFor(username: string, address: string, device: KnownDevice | null): ThrottleKey[] {
		const s = this.settings;
		if (device) return [{ kind: 'device', key: `device:${device.id}`, limit: s.max_failures_per_device }];
		return [
			{ kind: 'user', key: `user:${username}`, limit: s.max_failures_per_user },
			{ kind: 'address', key: `address:${address}`, limit: s.max_failures_per_ip }
		];
	}

	/** Reserves one attempt on every key, or none: a key that refuses gives back those already taken. */
	async reserve(keys: ThrottleKey[]): Promise<Reservation> {
		const now = this.now().getTime();
		const nowIso = new Date(now).toISOString();
		const expiredBefore = new Date(now - this.windowMs).toISOString();
		const taken: { key: string; windowStart: string }[] = [];
		const giveBack = () => Promise.all(taken.map((t) => this.attempts.release(t.key, t.windowStart))).then(() => undefined);
		for (const k of keys) {
			const got = await this.attempts.reserve(k.key, nowIso, expiredBefore, k.limit);
			if (got) {
				taken.push({ key: k.key, windowStart: got.windowStart });
				continue;
			}
			await giveBack();
			const windowStart = (await this.attempts.get(k.key))?.windowStart ?? nowIso;
			return { ok: false, refusedBy: k, windowStart, retryAfterS: retryAfterSeconds(Date.parse(windowStart) + this.windowMs - now, this.random) };
		}
		return { ok: true, release: giveBack };
	}

	/** Deletes the counters whose window has ended. */
	async prune(): Promise<number> {
		return this.attempts.prune(new Date(this.now().getTime() - this.windowMs).toISOString());
	}
}
