// Watch streams: newline-delimited JSON events over a chunked response, as the API
// server's watch cache sends them. A watch starts after the resourceVersion it is
// given (replayed from the store's history), or with the current objects as ADDED
// when none is given; a version older than the history gets a 410 Expired ERROR
// event. Selectors are applied to both the old and new object of a change, so an
// object that stops matching arrives as DELETED and one that starts as ADDED.
// Every stream ends — unsubscribing from the store — when the client goes away, its
// timeoutSeconds pass, it falls too far behind, or the sandbox closes.

import type { ServerResponse } from 'node:http';
import type { K8sObject, ObjectStore, WatchEvent, WatchType } from './store.js';
import { expired } from './status.js';

/** A client this far behind is cut off, as the API server drops slow watchers; it re-watches from its last version. */
const MAX_BUFFERED_BYTES = 16 << 20;
const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

export type EventType = WatchType | 'BOOKMARK' | 'ERROR';

export interface WatchRequest {
	/** Whether an object belongs to this watch (type, namespace, selectors). */
	matches: (o: K8sObject) => boolean;
	/** The objects that match now, in list order (for a watch without a resourceVersion). */
	current: () => K8sObject[];
	/** `resourceVersion` as given; undefined, '' and '0' mean "current state, then changes". */
	resourceVersion: number | undefined;
	bookmarks: boolean;
	sendInitialEvents: boolean;
	timeoutS: number | undefined;
	/** Renders an event's object (plain, Table, metadata); `first` is true for the first event of the stream. */
	render: (o: K8sObject, first: boolean) => unknown;
	/** The object a BOOKMARK carries at a resourceVersion. */
	bookmark: (resourceVersion: string, annotations?: Record<string, string>) => unknown;
}

interface OpenWatch {
	/** Ends the stream; `abrupt` drops the connection instead of ending the response. */
	stop(abrupt?: boolean): void;
}

export class WatchHub {
	private open = new Set<OpenWatch>();

	constructor(
		private store: ObjectStore,
		private bookmarkMs: number
	) {}

	get size(): number {
		return this.open.size;
	}

	/** Ends every open stream (the sandbox is closing, or the upstream is faulted). */
	closeAll(abrupt = false): void {
		for (const w of [...this.open]) w.stop(abrupt);
	}

	serve(res: ServerResponse, w: WatchRequest): void {
		let initial: { type: EventType; object: unknown }[] = [];
		let first = true;
		const emit = (type: EventType, object: K8sObject) => {
			const rendered = w.render(object, first);
			first = false;
			return { type, object: rendered };
		};

		if (w.resourceVersion === undefined) {
			// No version: the current state as ADDED events, then changes.
			for (const o of w.current()) initial.push(emit('ADDED', o));
			if (w.sendInitialEvents) initial.push({ type: 'BOOKMARK', object: w.bookmark(this.store.resourceVersion, { [INITIAL_EVENTS_END]: 'true' }) });
		} else {
			const backlog = this.store.since(w.resourceVersion);
			if (backlog === null) {
				const gone = expired(`too old resource version: ${w.resourceVersion} (${this.store.oldestResumable - 1})`).status;
				start(res);
				res.end(`${JSON.stringify({ type: 'ERROR', object: gone })}\n`);
				return;
			}
			for (const e of backlog) {
				const out = filterEvent(e, w.matches);
				if (out) initial.push(emit(out.type, out.object));
			}
		}

		start(res);
		let stopped = false;
		const timers: NodeJS.Timeout[] = [];
		const write = (event: { type: EventType; object: unknown }) => {
			if (stopped) return;
			res.write(`${JSON.stringify(event)}\n`);
			if (res.writableLength > MAX_BUFFERED_BYTES) watch.stop();
		};
		const watch: OpenWatch = {
			stop: (abrupt = false) => {
				if (stopped) return;
				stopped = true;
				unsubscribe();
				for (const t of timers) clearTimeout(t);
				this.open.delete(watch);
				if (abrupt) res.destroy();
				else if (!res.writableEnded) res.end();
			}
		};
		// Subscribing and writing the backlog happen in one synchronous turn, so no change
		// can fall between them or arrive out of order.
		const unsubscribe = this.store.watch((e) => {
			const out = filterEvent(e, w.matches);
			if (out) write(emit(out.type, out.object));
		});
		this.open.add(watch);
		res.once('close', () => watch.stop());
		// The client may be gone already (a held request served late): no 'close' will come.
		if (res.destroyed) return watch.stop();
		for (const e of initial) write(e);
		initial = [];

		if (w.bookmarks) {
			const tick = setInterval(() => write({ type: 'BOOKMARK', object: w.bookmark(this.store.resourceVersion) }), this.bookmarkMs);
			tick.unref();
			timers.push(tick);
		}
		if (w.timeoutS !== undefined) {
			const t = setTimeout(() => watch.stop(), w.timeoutS * 1000);
			t.unref();
			timers.push(t);
		}
	}
}

function start(res: ServerResponse): void {
	res.statusCode = 200;
	res.setHeader('Content-Type', 'application/json');
	res.setHeader('Cache-Control', 'no-cache, private');
	res.flushHeaders();
}

/** What a client filtering on `matches` sees of a store event (the watch cache's rule). */
export function filterEvent(e: WatchEvent, matches: (o: K8sObject) => boolean): { type: WatchType; object: K8sObject } | null {
	if (e.type === 'DELETED') return matches(e.object) ? { type: 'DELETED', object: e.object } : null;
	const now = matches(e.object);
	const before = e.type === 'ADDED' ? false : e.prev ? matches(e.prev) : now;
	if (now) return { type: before ? 'MODIFIED' : 'ADDED', object: e.object };
	if (before && e.prev) return { type: 'DELETED', object: { ...e.prev, metadata: { ...e.prev.metadata, resourceVersion: e.object.metadata.resourceVersion } } };
	return null;
}
