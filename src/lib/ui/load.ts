// What every page load does with the typed client: call the API, and turn a failed
// answer into the page's error (or, when the session is gone, into the sign-in page).
import { error, redirect } from '@sveltejs/kit';
import { api, errorCode, errorMessage } from '$lib/api/client';

type Fetched<T> = { data?: T; error?: unknown; response: Response };

/** The API on the page's own origin through SvelteKit's `fetch` (in-process on the server, HTTP in the browser). */
export const client = (fetch: typeof globalThis.fetch, url: URL) => api(fetch, url.origin);

/** The answer's data, or the page's error with the API's code and message. */
export async function must<T>(call: Promise<Fetched<T>>, url: URL): Promise<T> {
	const r = await call;
	if (r.response.ok && r.data !== undefined) return r.data;
	if (r.response.status === 401) redirect(303, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
	error(r.response.status, { code: errorCode(r.error), message: errorMessage(r.error, r.response.status) });
}

/** A result a page shows in place (one panel failing is not the whole page failing). */
export type Outcome<T> = { ok: true; body: T } | { ok: false; error: string };

export async function outcome<T>(call: Promise<Fetched<T>>): Promise<Outcome<T>> {
	try {
		const r = await call;
		if (r.response.ok && r.data !== undefined) return { ok: true, body: r.data };
		return { ok: false, error: errorMessage(r.error, r.response.status) };
	} catch (e) {
		return { ok: false, error: (e as Error).message };
	}
}

/** The URL's query without empty values: filter forms submit their empty fields, and an empty filter means none. */
export function queryOf(url: URL): Record<string, string> {
	return Object.fromEntries([...url.searchParams].filter(([, v]) => v !== ''));
}
