// The tab's one live connection: opened by the root layout, it turns each event into
// the data keys it touches and re-loads only the loads that depend on them (coalesced,
// so a burst of events is one re-load). EventSource reconnects by itself with
// Last-Event-ID; a `reset` (missed too much, or the session ended) re-loads everything.
// No re-load starts while a navigation is under way: SvelteKit would re-load the page being
// left and drop the navigation, so a click that met an event would do nothing.
import { invalidate, invalidateAll } from '$app/navigation';
import { navigating } from '$app/state';
import { LIVE_EVENT_TYPES, RESET_EVENT, touches, type LiveEvents, type LiveEventType } from '$lib/api/events';

const COALESCE_MS = 300;
/** Under a steady stream of events, re-load at least this often rather than wait for a quiet moment. */
const MAX_WAIT_MS = 2_000;
/** How soon to look again whether a navigation has landed. */
const NAVIGATION_POLL_MS = 100;
/** SvelteKit leaves `navigating` set when something else aborts a navigation; past this, re-load anyway. */
const NAVIGATION_WAIT_MAX_MS = 10_000;

class LiveConnection {
	/** `open` while events arrive; `connecting` while EventSource (re)connects; `closed` when it gave up. */
	state: 'connecting' | 'open' | 'closed' = $state('closed');
	private source: EventSource | null = null;
	private pending = new Set<string>();
	private timer: ReturnType<typeof setTimeout> | undefined;
	private firstPending: number | null = null;
	private all = false;
	private heldSince: number | null = null;
	private handlers = new Map<string, Set<() => void>>();

	start(): void {
		if (this.source) return;
		const source = new EventSource('/api/v1/events');
		this.source = source;
		this.state = 'connecting';
		source.onopen = () => (this.state = 'open');
		source.onerror = () => (this.state = source.readyState === EventSource.CLOSED ? 'closed' : 'connecting');
		for (const type of LIVE_EVENT_TYPES) {
			source.addEventListener(type, (m) => this.touched(touches(type as LiveEventType, JSON.parse((m as MessageEvent).data) as LiveEvents[typeof type])));
		}
		source.addEventListener(RESET_EVENT, () => {
			this.all = true;
			this.schedule(0);
		});
	}

	stop(): void {
		clearTimeout(this.timer);
		this.timer = undefined;
		this.pending.clear();
		this.firstPending = null;
		this.heldSince = null;
		this.all = false;
		this.source?.close();
		this.source = null;
		this.state = 'closed';
	}

	/** Runs `fn` (coalesced) whenever data under `key` changes, for pages that refresh part of what they show themselves. */
	on(key: string, fn: () => void): () => void {
		let set = this.handlers.get(key);
		if (!set) this.handlers.set(key, (set = new Set()));
		set.add(fn);
		return () => set.delete(fn);
	}

	/** Re-loads what depends on `key` now, or once the navigation under way has landed (a page's own refresh timer). */
	refresh(key: string): void {
		this.pending.add(key);
		this.schedule(0);
	}

	private touched(keys: string[]): void {
		for (const k of keys) this.pending.add(k);
		this.firstPending ??= Date.now();
		this.schedule(Math.max(0, Math.min(COALESCE_MS, MAX_WAIT_MS - (Date.now() - this.firstPending))));
	}

	private schedule(ms: number): void {
		clearTimeout(this.timer);
		this.timer = setTimeout(() => this.flush(), ms);
	}

	private flush(): void {
		if (navigating.type !== null && Date.now() - (this.heldSince ??= Date.now()) < NAVIGATION_WAIT_MAX_MS) return this.schedule(NAVIGATION_POLL_MS);
		this.heldSince = null;
		const keys = [...this.pending];
		this.pending.clear();
		this.firstPending = null;
		if (this.all) {
			this.all = false;
			void invalidateAll();
			return;
		}
		for (const k of keys) {
			for (const fn of this.handlers.get(k) ?? []) fn();
			void invalidate(k);
		}
	}
}

/** The tab's live connection. */
export const live = new LiveConnection();
