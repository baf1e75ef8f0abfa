// The one place where failures become HTTP answers: every API error leaves as
// { "error": { "code", "message" } } with the status its kind calls for.
import { z } from 'zod';
import { fieldPath, messageOf } from '$lib/core/errors';
import { UpstreamError } from '$lib/sources/errors';
import { DomainError, type FailureKind } from '../services/errors';

export const errorSchema = z
	.object({
		error: z.object({
			code: z.string().meta({ description: 'Stable, machine-readable: invalid_request, not_found, forbidden, throttled, upstream_http, …' }),
			message: z.string().meta({ description: 'What went wrong, in words, naming the field or object.' }),
			details: z
				.record(z.string(), z.unknown())
				.optional()
				.meta({ description: 'Structured detail for a client to act on, where the error has some (a change conflict: each variable with its value then, now and proposed).' })
		})
	})
	.meta({ id: 'Error' });

export interface Failure {
	status: number;
	code: string;
	message: string;
	headers?: Record<string, string>;
	details?: Record<string, unknown>;
}

const STATUS: Record<FailureKind, number> = {
	invalid: 400,
	unauthenticated: 401,
	not_found: 404,
	conflict: 409,
	forbidden: 403,
	throttled: 429,
	unsupported: 409,
	upstream: 502,
	upstream_timeout: 504,
	unavailable: 503
};

/** The error body every API failure carries. */
export function errorBody(code: string, message: string, details?: Record<string, unknown>): string {
	return JSON.stringify({ error: { code, message, ...(details ? { details } : {}) } });
}

/** The first validation problem, phrased with its field path: `ids[3]: expected string`. */
export function zodMessage(e: z.ZodError): string {
	const issue = e.issues[0];
	if (!issue) return 'invalid input';
	if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
	const path = fieldPath(issue.path);
	return path ? `${path}: ${issue.message}` : issue.message;
}

// Fastify's own refusals, before a handler runs: the body's framing and type.
const FASTIFY: Record<string, { status: number; code: string; message: (e: Error) => string }> = {
	FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: () => 'send the body as application/json' },
	FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: (e) => e.message },
	FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_request', message: (e) => e.message },
	FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'malformed_json', message: () => 'request body is empty; send JSON or no Content-Type' },
	FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'malformed_json', message: (e) => `request body is not valid JSON: ${e.message}` }
};

/**
 * The answer for a failure. `where` says which input a validation error is about
 * (query, params or body). Anything unexpected is logged by the caller and becomes
 * a 500 naming the request.
 */
export function failureOf(e: unknown, requestId: string): Failure | null {
	if (e instanceof DomainError) {
		const headers = e.kind === 'throttled' && e.extra.retryAfterS !== undefined ? { 'retry-after': String(Math.ceil(e.extra.retryAfterS)) } : undefined;
		return { status: STATUS[e.kind], code: e.code, message: e.message, headers, ...(e.extra.details ? { details: e.extra.details } : {}) };
	}
	if (e instanceof UpstreamError) return { status: e.kind === 'timeout' ? 504 : 502, code: `upstream_${e.kind}`, message: `${e.source}: ${e.message}` };
	if (e instanceof z.ZodError) return { status: 400, code: 'invalid_request', message: zodMessage(e) };
	const code = (e as { code?: unknown })?.code;
	if (typeof code === 'string' && FASTIFY[code]) {
		const f = FASTIFY[code]!;
		return { status: f.status, code: f.code, message: f.message(e as Error) };
	}
	const status = (e as { statusCode?: unknown })?.statusCode;
	// Other client errors Fastify raises before routing (bad URL encoding, bad headers).
	if (typeof status === 'number' && status >= 400 && status < 500) return { status, code: 'bad_request', message: messageOf(e) };
	void requestId;
	return null;
}

export const internalFailure = (requestId: string): Failure => ({ status: 500, code: 'internal', message: `internal error (request ${requestId})` });
