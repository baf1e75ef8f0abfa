// The API reads polled hardest (the runners list) are answered straight from
// node:http, before SvelteKit turns the request into a Web Request and the answer
// back into a stream: on a small machine that conversion, not the query, is most of
// a request's cost (docs/performance.md, "Fleet"). The lane applies the same
// access decisions, headers, error shapes and metrics as the SvelteKit hook
// (access.ts, endpoint.ts); everything it does not know goes on to SvelteKit, and the
// SvelteKit route stays the one `vite dev` serves.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { app } from '../app';
import { SESSION_COOKIE } from '../auth/service';
import { runnersListJson } from '../fleet/runners-list';
import { BAD_TOKEN, SECURITY_HEADERS, UNAUTHENTICATED, identify, requestIdFrom, roleRefusal, type Refusal } from './access';
import { failureOf } from './endpoint';
import { errorBody } from './errors';
import { HOT_READS, type HotReads } from './hot-reads-key';

/** Path → JSON answer, for GET only; the route ids are the SvelteKit routes they stand in for. */
const ROUTES: Record<string, (search: string) => string> = {
	'/api/v1/runners': runnersListJson
};

/** Offers the lane to `serve` (src/cli/serve.ts). */
export function serveHotReads(): void {
	(globalThis as Record<symbol, HotReads>)[HOT_READS] = hotRead;
}

export const hotRead: HotReads = (req, res) => {
	if (req.method !== 'GET') return false;
	const target = req.url ?? '/';
	const q = target.indexOf('?');
	const path = q === -1 ? target : target.slice(0, q);
	const read = ROUTES[path];
	if (!read) return false;
	answer(req, res, path, q === -1 ? '' : target.slice(q), read).catch((e: unknown) => {
		// Only writing the answer can get here (the socket went away mid-write): nothing to tell the client.
		app().logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'hot read not answered');
		res.destroy();
	});
	return true;
};

async function answer(req: IncomingMessage, res: ServerResponse, route: string, search: string, read: (search: string) => string) {
	const started = performance.now();
	const requestId = requestIdFrom(req.headers['x-request-id'] as string | undefined, randomUUID);
	let refusal: Refusal | null;
	let body = '';
	try {
		const who = await identify(app().auth, req.headers.authorization, sessionCookie(req.headers.cookie));
		refusal = who === 'bad_token' ? BAD_TOKEN : who ? roleRefusal(who, 'GET', route, route) : UNAUTHENTICATED;
		if (!refusal) body = read(search);
	} catch (e) {
		refusal = failureOf(e, requestId);
	}
	const status = refusal ? refusal.status : 200;
	if (refusal) body = errorBody(refusal.code, refusal.message);
	res.writeHead(status, {
		...SECURITY_HEADERS,
		'content-type': 'application/json',
		'content-length': Buffer.byteLength(body),
		'cache-control': 'no-store',
		'x-request-id': requestId
	});
	res.end(body);
	app().metrics.httpDuration.observe({ route, method: 'GET', status: String(status) }, (performance.now() - started) / 1000);
}

/** The session cookie's value, decoded the way SvelteKit's `cookies.get` decodes it; the first one wins. */
export function sessionCookie(header: string | undefined): string | undefined {
	if (!header) return undefined;
	for (const part of header.split(';')) {
		const eq = part.indexOf('=');
		if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
		let value = part.slice(eq + 1).trim();
		if (value.length > 1 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
		try {
			return decodeURIComponent(value);
		} catch {
			return value;
		}
	}
	return undefined;
}
