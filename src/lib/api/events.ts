// The live stream's events, shared by the server that publishes them and the page
// that listens: each names what it touches, so a page re-loads only that data.
import type { Runner } from '$lib/core/runner';
import type { SourceHealth } from '$lib/core/sources';

export interface LiveEvents {
	/** Runners a sync or an action changed (at most 500; more becomes `runners.reset`). */
	'runners.delta': { source: string; upserted: Runner[]; removed: string[] };
	/** Too much of one source changed to list: re-read its runners. */
	'runners.reset': { source: string };
	/** A source's status changed. */
	sources: { name: string; status: SourceHealth; error?: string };
	/** Watched Kubernetes objects of these kinds changed. */
	'cluster.delta': { source: string; kinds: string[] };
	/** A drift check finished. */
	drift: { items: number; errors: number; checked_at: string };
	/** A change request moved (made, its pipeline, merged, applied, verified, closed, failed). */
	changes: { id: number; state: string; stack: string; env: string };
}

export type LiveEventType = keyof LiveEvents;

/** Sent instead of replaying when a reconnecting client has missed more than the server keeps. */
export const RESET_EVENT = 'reset';

export const LIVE_EVENT_TYPES = ['runners.delta', 'runners.reset', 'sources', 'cluster.delta', 'drift', 'changes'] as const satisfies readonly LiveEventType[];

/** The `depends` keys of the data each event touches; pages declare these in their loads. */
export const DATA_KEYS = {
	runners: 'app:runners',
	runner: (id: string): `app:runner:${string}` => `app:runner:${id}`,
	/** Every runner's page: a reset does not say which runners changed. */
	anyRunner: 'app:runner:*',
	sources: 'app:sources',
	cluster: 'app:cluster',
	drift: 'app:drift',
	capacity: 'app:capacity',
	changes: 'app:changes',
	change: (id: number): `app:change:${number}` => `app:change:${id}`
} as const;

/** What an event touches, as `depends` keys. */
export function touches<T extends LiveEventType>(type: T, data: LiveEvents[T]): string[] {
	switch (type) {
		case 'runners.delta': {
			const d = data as LiveEvents['runners.delta'];
			return [DATA_KEYS.runners, ...d.upserted.map((r) => DATA_KEYS.runner(r.id)), ...d.removed.map(DATA_KEYS.runner)];
		}
		case 'runners.reset':
			return [DATA_KEYS.runners, DATA_KEYS.anyRunner];
		case 'sources':
			return [DATA_KEYS.sources];
		case 'cluster.delta':
			return [DATA_KEYS.cluster];
		case 'drift':
			return [DATA_KEYS.drift];
		case 'changes':
			return [DATA_KEYS.changes, DATA_KEYS.change((data as LiveEvents['changes']).id)];
		default:
			return [];
	}
}
