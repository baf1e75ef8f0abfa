// In-process event bus with a bounded replay buffer, so an SSE client that
// reconnects with Last-Event-ID gets what it missed (or a reset when too far behind).
export interface BusEvent {
	id: number;
	type: string;
	data: unknown;
	at: string;
}

export type Listener = (e: BusEvent) => void;

export class EventBus {
	private nextId = 1;
	private buffer: BusEvent[] = [];
	private listeners = new Set<Listener>();

	constructor(private capacity = 1000) {}

	publish(type: string, data: unknown): BusEvent {
		const e: BusEvent = { id: this.nextId++, type, data, at: new Date().toISOString() };
		this.buffer.push(e);
		if (this.buffer.length > this.capacity) this.buffer.splice(0, this.buffer.length - this.capacity);
		for (const l of this.listeners) {
			try {
				l(e);
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
