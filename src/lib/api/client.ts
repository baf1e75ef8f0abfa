// The typed client of the JSON API, used by the pages (in the browser and in their
// server-side loads) and by the CLI: paths, parameters and answers are typed from the
// OpenAPI document the server publishes (./schema.d.ts, generated).
import createClient from 'openapi-fetch';
import type { paths } from './schema';

export type { paths };
export type Api = ReturnType<typeof api>;

/** A client on `origin` (the page's own origin, or a dashboard URL) that calls through `fetch`. */
export function api(fetch: typeof globalThis.fetch, origin: string, headers: Record<string, string> = {}) {
	return createClient<paths>({ baseUrl: origin, fetch, headers });
}

/** The message of an API error answer, or a fallback naming the status. */
export function errorMessage(error: unknown, status: number): string {
	const e = (error as { error?: { message?: unknown } } | undefined)?.error;
	return typeof e?.message === 'string' ? e.message : `HTTP ${status}`;
}

/** The code of an API error answer, if it has one. */
export function errorCode(error: unknown): string | undefined {
	const c = (error as { error?: { code?: unknown } } | undefined)?.error?.code;
	return typeof c === 'string' ? c : undefined;
}
