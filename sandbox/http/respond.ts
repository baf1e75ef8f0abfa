// Response helpers. Bodies are always complete buffers with Content-Length so clients
// never depend on chunked framing.

import type { ServerResponse } from 'node:http';

export type Headers = Record<string, string | number>;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Headers = {}): void {
	send(res, status, JSON.stringify(body), { 'Content-Type': 'application/json', ...headers });
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Headers = {}): void {
	send(res, status, text, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
}

function send(res: ServerResponse, status: number, text: string, headers: Headers): void {
	if (res.headersSent || res.destroyed) return;
	const buf = Buffer.from(text, 'utf8');
	res.statusCode = status;
	for (const [k, v] of Object.entries(headers)) res.setHeader(k, String(v));
	res.setHeader('Content-Length', buf.length);
	res.end(buf);
}
