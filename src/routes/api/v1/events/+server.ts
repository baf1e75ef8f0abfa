import type { RequestHandler } from './$types';
import { app } from '$lib/server/app';
import { sseStream } from '$lib/server/events/sse';

/** The live stream: runner deltas and source status changes, resumable with Last-Event-ID. */
export const GET: RequestHandler = ({ request }) => {
	const { bus, metrics } = app();
	const stream = sseStream(bus, {
		lastEventId: request.headers.get('last-event-id'),
		signal: request.signal,
		onOpen: () => metrics.sseClients.inc(),
		onClose: () => metrics.sseClients.dec()
	});
	return new Response(stream, {
		headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' }
	});
};
