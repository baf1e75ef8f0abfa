// Wraps an API handler so any failure leaves in the error shape: ApiErrors with
// their status, upstream failures as 502/504, anything else as a logged 500.
import type { RequestEvent, RequestHandler } from '@sveltejs/kit';
import { UpstreamError } from '$lib/sources/errors';
import { app } from '../app';
import { ApiError, errorResponse } from './errors';

export function endpoint<E extends RequestEvent>(fn: (event: E) => Promise<Response> | Response): RequestHandler {
	return (async (event: E) => {
		try {
			return await fn(event);
		} catch (e) {
			if (e instanceof ApiError) return errorResponse(e.status, e.code, e.message);
			if (e instanceof UpstreamError) {
				return errorResponse(e.kind === 'timeout' ? 504 : 502, `upstream_${e.kind}`, `${e.source}: ${e.message}`);
			}
			if (e && typeof e === 'object' && 'status' in e && 'location' in e) throw e; // SvelteKit redirect
			app().logger.error({ err: e instanceof Error ? e.stack : String(e), request_id: event.locals.requestId }, 'unhandled API error');
			return errorResponse(500, 'internal', `internal error (request ${event.locals.requestId})`);
		}
	}) as RequestHandler;
}

export function json(data: unknown, init: ResponseInit = {}): Response {
	return jsonText(JSON.stringify(data), init);
}

/** A JSON answer already serialised (a cached body). */
export function jsonText(body: string, init: ResponseInit = {}): Response {
	const bytes = Buffer.from(body);
	// A known length spares the chunked encoding's extra write per answer (see docs/performance.md).
	return new Response(bytes, {
		...init,
		headers: {
			'content-type': 'application/json',
			'content-length': String(bytes.byteLength),
			'cache-control': 'no-store',
			...(init.headers as Record<string, string>)
		}
	});
}

export function principalOf(event: RequestEvent) {
	const p = event.locals.principal;
	if (!p) throw new ApiError(401, 'unauthenticated', 'sign in or send Authorization: Bearer <token>');
	return p;
}
