// Wraps an API handler so any failure leaves in the error shape: ApiErrors with
// their status, upstream failures as 502/504, anything else as a logged 500.
import type { RequestEvent, RequestHandler } from '@sveltejs/kit';
import { UpstreamError } from '$lib/sources/errors';
import { app } from '../app';
import { DomainError } from '../services/errors';
import { ApiError, domainFailure, errorResponse } from './errors';

export function endpoint<E extends RequestEvent>(fn: (event: E) => Promise<Response> | Response): RequestHandler {
	return (async (event: E) => {
		try {
			return await fn(event);
		} catch (e) {
			if (e && typeof e === 'object' && 'status' in e && 'location' in e) throw e; // SvelteKit redirect
			const f = failureOf(e, event.locals.requestId);
			return errorResponse(f.status, f.code, f.message, f.headers);
		}
	}) as RequestHandler;
}

/** The answer for a failed API handler; anything unexpected is logged and becomes a 500 naming the request. */
export function failureOf(e: unknown, requestId: string): { status: number; code: string; message: string; headers?: Record<string, string> } {
	if (e instanceof ApiError) return { status: e.status, code: e.code, message: e.message };
	if (e instanceof DomainError) return domainFailure(e);
	if (e instanceof UpstreamError) return { status: e.kind === 'timeout' ? 504 : 502, code: `upstream_${e.kind}`, message: `${e.source}: ${e.message}` };
	app().logger.error({ err: e instanceof Error ? e.stack : String(e), request_id: requestId }, 'unhandled API error');
	return { status: 500, code: 'internal', message: `internal error (request ${requestId})` };
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
