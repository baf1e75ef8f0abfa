// Sign-ins under way (an authorization at a provider, a passkey challenge), kept in the store
// under a keyed hash of the value the browser holds (the OAuth state, the challenge): the
// store never holds one that could be replayed. Each is taken once, and only before it expires.
import type { Store } from '../store';
import { hashSecret } from './secrets';

/** Sign-ins under way at once: anonymous requests start them, so they are bounded. */
export const MAX_FLOWS = 10_000;
export const FLOWS_FULL = 'Too many sign-ins are under way on this dashboard. Try again in a few minutes.';

export class SignInFlows {
	constructor(
		private store: Store,
		private pepper: string,
		private now: () => Date
	) {}

	/** Keeps a flow for `ttlMs`; false when MAX_FLOWS are already under way. */
	async put(key: string, kind: string, data: unknown, ttlMs: number): Promise<boolean> {
		const now = this.now();
		return this.store.signInFlows.put(hashSecret(key, this.pepper), kind, data, new Date(now.getTime() + ttlMs).toISOString(), now.toISOString(), MAX_FLOWS);
	}

	/** The flow kept under `key`, once; undefined for one never kept, already taken, or expired. */
	async take<T>(key: string, kind: string): Promise<T | undefined> {
		if (!key) return undefined;
		return (await this.store.signInFlows.take(hashSecret(key, this.pepper), kind, this.now().toISOString())) as T | undefined;
	}
}
