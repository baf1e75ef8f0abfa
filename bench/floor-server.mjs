#!/usr/bin/env node
// The floor of the fleet benchmark's API reads: a bare `node:http` server that answers
// each captured request with the dashboard's own answer to it (status, headers, body
// bytes), looked up by the request's path and query, doing nothing else. It runs in its
// own process, as the dashboard does, so autocannon in the bench process loads both alike.
//
// Usage: node bench/floor-server.mjs <answers.json>
//   answers.json: { "<path?query>": { "status": 200, "headers": {…}, "body_base64": "…" } }
// Prints `floor listening on http://127.0.0.1:<port>`.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const file = process.argv[2];
if (!file) {
	console.error('usage: node bench/floor-server.mjs <answers.json>');
	process.exit(2);
}
const answers = new Map(
	Object.entries(JSON.parse(readFileSync(file, 'utf8'))).map(([url, a]) => [url, { status: a.status, headers: a.headers, body: Buffer.from(a.body_base64, 'base64') }])
);

const server = createServer((req, res) => {
	const a = answers.get(req.url);
	if (!a) {
		res.writeHead(404).end();
		return;
	}
	res.writeHead(a.status, a.headers);
	res.end(a.body);
});
// The dashboard keeps idle connections 65 s; so does the floor, so neither reconnects under load.
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => console.log(`floor listening on http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)).closeAllConnections());
