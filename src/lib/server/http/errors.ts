// Every API error leaves as { "error": { "code", "message" } } with a matching status.
import type { ZodError } from 'zod';
import type { DomainError, FailureKind } from '../services/errors';

export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string
	) {
		super(message);
	}
}

/** The error body every API failure carries. */
export function errorBody(code: string, message: string): string {
	return JSON.stringify({ error: { code, message } });
}

export function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
	return new Response(errorBody(code, message), {
		status,
		headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }
	});
}

/** The first validation problem, phrased with its field path: `ids[3]: expected string`. */
export function zodMessage(e: ZodError): string {
	const issue = e.issues[0];
	if (!issue) return 'invalid input';
	const path = issue.path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
	if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
	return path ? `${path}: ${issue.message}` : issue.message;
}

const DOMAIN_STATUS: Record<FailureKind, number> = {
	invalid: 400,
	not_found: 404,
	conflict: 409,
	forbidden: 403,
	throttled: 429,
	unsupported: 409,
	upstream: 502,
	upstream_timeout: 504,
	unavailable: 503
};

/** A service's refusal as an HTTP answer's status and headers (Retry-After when throttled). */
export function domainFailure(e: DomainError): { status: number; code: string; message: string; headers: Record<string, string> } {
	const headers: Record<string, string> = e.extra.retryAfterS !== undefined ? { 'retry-after': String(e.extra.retryAfterS) } : {};
	return { status: DOMAIN_STATUS[e.kind], code: e.code, message: e.message, headers };
}
