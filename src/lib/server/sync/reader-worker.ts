// The background reader thread's entry (bundled as build/reader-worker.js): answers the
// API thread's requests with BackgroundReaders, one message in, one message out.
import { parentPort } from 'node:worker_threads';
import { BackgroundReaders, type ReaderRequest } from './readers';
import { encodeFailure } from './reader-failure';

const readers = new BackgroundReaders();
const port = parentPort!;

port.on('message', (msg: { id: number; req: ReaderRequest }) => {
	readers.handle(msg.req).then(
		(value) => port.postMessage({ id: msg.id, ok: true, value, counts: readers.takeCounts() }),
		(e: unknown) => port.postMessage({ id: msg.id, ok: false, failure: encodeFailure(e), counts: readers.takeCounts() })
	);
});
