// Serves one built app through two doors: the first as `runner-dashboard serve` does
// (the hot-read lane before SvelteKit), the second through SvelteKit alone, so a test
// can send the same request to both and compare the answers. Prints
// `doors <lane port> <sveltekit port>` when both listen. Test tooling only.
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const root = process.argv[2];
const { handler } = await import(pathToFileURL(join(root, 'build/app/handler.js')).href);
const lane = globalThis[Symbol.for('runner-dashboard.hot-reads')];
if (typeof lane !== 'function') throw new Error('the app offered no hot-read lane');
let laneAnswers = 0;
const notFound = (res) => () => {
	res.statusCode = 404;
	res.end('Not found');
};
const withLane = createServer((req, res) => {
	if (req.url === '/_doors/lane-answers') return void res.end(String(laneAnswers));
	if (lane(req, res)) return void laneAnswers++;
	handler(req, res, notFound(res));
});
const svelteKitOnly = createServer((req, res) => handler(req, res, notFound(res)));
const listen = (s) => new Promise((r) => s.listen(0, '127.0.0.1', () => r(s.address().port)));
console.log(`doors ${await listen(withLane)} ${await listen(svelteKitOnly)}`);
process.on('SIGTERM', () => process.exit(0));
