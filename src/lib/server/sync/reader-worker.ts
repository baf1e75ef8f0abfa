// The background reader thread's entry (bundled as build/reader-worker.js): answers the
// API thread's requests with BackgroundReaders, one message in, one message out.
import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { runStraight } from '$lib/sources/slices';
import { BackgroundReaders, type ReaderRequest } from './readers';
import { encodeFailure } from './reader-failure';

// No request is served on this thread: its loops over a fleet need not give way.
runStraight();
const readers = new BackgroundReaders();
const port = parentPort!;

// What rides along with every answer: the requests made since the last, and this thread's heap.
function extras() {
	const h = getHeapStatistics();
	return { counts: readers.takeCounts(), heap: { used: h.used_heap_size, total: h.total_heap_size } };
}

port.on('message', (msg: { id: number; req: ReaderRequest }) => {
	readers.handle(msg.req).then(
		(value) => port.postMessage({ id: msg.id, ok: true, value, ...extras() }),
		(e: unknown) => port.postMessage({ id: msg.id, ok: false, failure: encodeFailure(e), ...extras() })
	);
});
