// In-process event bus with a bounded replay buffer, so an SSE client that
// reconnects with Last-Event-ID gets what it missed (or a reset when too far behind).
// Each event is serialised once, for every stream that sends it. With several replicas
// the ids are the replica feed's global sequence (events/feed.ts), so an id means the
// same event on every replica.
import type { LiveEvents, LiveEventType } from '$lib/api/events';

export interface BusEvent<T extends LiveEventType = LiveEventType> {
	id: number;
	type: T;
	data: LiveEvents[T];
	at: string;
}

export type Listener = (e: BusEvent) => void;

const encoder = new TextEncoder();
const frames = new WeakMap<BusEvent, Uint8Array>();

/** The event as one SSE frame, encoded on first use and shared by every stream. */
export function frameOf(e: BusEvent): Uint8Array {
	let f = frames.get(e);
	if (!f) {
		f = encoder.encode(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`);
		frames.set(e, f);
	}
	return f;
}

/** Where a bus sends what is published when several replicas share one sequence (the replica feed). */
export type Relay = <T extends LiveEventType>(type: T, data: LiveEvents[T]) => void;

export class EventBus {
	private last = 0;
	/** Events up to this id may have left the buffer: a client behind it is sent a reset. */
	private floor = 0;
	private buffer: BusEvent[] = [];
	private listeners = new Set<Listener>();
	private relay: Relay | undefined;

	constructor(private capacity = 1000) {}

	/**
	 * Publishes an event. On a bus with a relay it goes there instead, and comes back through
	 * `deliver` with the shared sequence as its id (null here), so every replica numbers it alike.
	 */
	publish<T extends LiveEventType>(type: T, data: LiveEvents[T]): BusEvent<T> | null {
		if (this.relay) {
			this.relay(type, data);
			return null;
		}
		const e: BusEvent<T> = { id: this.last + 1, type, data, at: new Date().toISOString() };
		this.deliver(e as BusEvent);
		return e;
	}

	/** From now on `publish` goes to `relay`; ids continue after `lastId` (the shared sequence's head). */
	relayTo(relay: Relay, lastId: number): void {
		this.relay = relay;
		this.last = Math.max(this.last, lastId);
		this.floor = Math.max(this.floor, lastId);
	}

	/** Hands an event with its id to every listener; ids only grow (a repeat is ignored). */
	deliver(e: BusEvent): void {
		if (e.id <= this.last) return;
		this.last = e.id;
		this.keep(e);
		for (const l of this.listeners) {
			try {
				l(e);
			} catch {
				// One broken subscriber must not stop delivery to the others.
			}
		}
	}

	/** Events from before this process started, for replay only (no listener is told). */
	remember(events: BusEvent[]): void {
		if (!events.length || this.buffer.length) return;
		this.floor = Math.min(this.floor, events[0]!.id - 1);
		for (const e of events) this.keep(e);
	}

	private keep(e: BusEvent) {
		this.buffer.push(e);
		if (this.buffer.length > this.capacity) this.floor = this.buffer.splice(0, this.buffer.length - this.capacity).at(-1)!.id;
	}

	subscribe(l: Listener): () => void {
		this.listeners.add(l);
		return () => this.listeners.delete(l);
	}

	/** Events after `lastId`, or null when some of them have left the buffer. */
	since(lastId: number): BusEvent[] | null {
		// An id this bus never issued comes from an earlier process (a restart): what it missed is unknown.
		if (lastId > this.last) return null;
		if (lastId === this.last) return [];
		if (lastId < this.floor) return null;
		return this.buffer.filter((e) => e.id > lastId);
	}

	get listenerCount(): number {
		return this.listeners.size;
	}

	get lastId(): number {
		return this.last;
	}
}
