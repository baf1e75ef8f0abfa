// One SSE stream per client. Everything it holds (bus subscription, heartbeat timer,
// gauge) is released exactly once, whichever side ends the stream.
import type { EventBus, BusEvent } from './bus';

export interface SseOptions {
	lastEventId?: string | null;
	heartbeatMs?: number;
	signal?: AbortSignal;
	onOpen?: () => void;
	onClose?: () => void;
}

const encoder = new TextEncoder();
const frame = (e: BusEvent) => encoder.encode(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`);

export function sseStream(bus: EventBus, opts: SseOptions = {}): ReadableStream<Uint8Array> {
	let release: (() => void) | undefined;
	return new ReadableStream<Uint8Array>({
		start(controller) {
			let closed = false;
			const send = (chunk: Uint8Array) => {
				if (closed) return;
				try {
					controller.enqueue(chunk);
				} catch {
					release?.();
				}
			};
			controller.enqueue(encoder.encode(`retry: 3000\n: connected ${bus.lastId}\n\n`));
			const last = Number(opts.lastEventId);
			if (opts.lastEventId && Number.isInteger(last) && last >= 0) {
				const missed = bus.since(last);
				if (missed === null) send(encoder.encode(`id: ${bus.lastId}\nevent: reset\ndata: {}\n\n`));
				else for (const e of missed) send(frame(e));
			}
			const unsubscribe = bus.subscribe((e) => send(frame(e)));
			const heartbeat = setInterval(() => send(encoder.encode(`: heartbeat\n\n`)), opts.heartbeatMs ?? 15_000);
			const onAbort = () => {
				release?.();
				try {
					controller.close();
				} catch {
					/* already closed */
				}
			};
			release = () => {
				if (closed) return;
				closed = true;
				clearInterval(heartbeat);
				unsubscribe();
				opts.signal?.removeEventListener('abort', onAbort);
				opts.onClose?.();
			};
			opts.signal?.addEventListener('abort', onAbort);
			opts.onOpen?.();
			if (opts.signal?.aborted) onAbort();
		},
		cancel() {
			release?.();
		}
	});
}
