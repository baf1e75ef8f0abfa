// In-process event bus with a bounded replay buffer, so an SSE client that
// reconnects with Last-Event-ID gets what it missed (or a reset when too far behind).
// Each event is serialised once, for every stream that sends it.
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

export class EventBus {
	private nextId = 1;
	private buffer: BusEvent[] = [];
	private listeners = new Set<Listener>();

	constructor(private capacity = 1000) {}

	publish<T extends LiveEventType>(type: T, data: LiveEvents[T]): BusEvent<T> {
		const e: BusEvent<T> = { id: this.nextId++, type, data, at: new Date().toISOString() };
		this.buffer.push(e as BusEvent);
		if (this.buffer.length > this.capacity) this.buffer.splice(0, this.buffer.length - this.capacity);
		for (const l of this.listeners) {
			try {
				l(e as BusEvent);
			} catch {
				// One broken subscriber must not stop delivery to the others.
			}
		}
		return e;
	}

	subscribe(l: Listener): () => void {
		this.listeners.add(l);
		return () => this.listeners.delete(l);
	}

	/** Events after `lastId`, or null when some of them have left the buffer. */
	since(lastId: number): BusEvent[] | null {
		// An id this bus never issued comes from an earlier process (a restart): what it missed is unknown.
		if (lastId > this.nextId - 1) return null;
		if (lastId === this.nextId - 1) return [];
		const oldest = this.buffer[0]?.id ?? this.nextId;
		if (lastId < oldest - 1) return null;
		return this.buffer.filter((e) => e.id > lastId);
	}

	get listenerCount(): number {
		return this.listeners.size;
	}

	get lastId(): number {
		return this.nextId - 1;
	}
}
