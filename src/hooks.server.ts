// The pages' side of the guard. The API server in front of SvelteKit has already
// identified the principal, checked the Origin of every mutation and set the security
// headers (src/lib/server/api/server.ts); here each page and form action is held to
// its row in the page table, with the same access rule the API uses.
import { dev } from '$app/environment';
import type { Handle, HandleServerError } from '@sveltejs/kit';
import { accessRefusal } from '$lib/core/access';
import { API_BRIDGE, pageAccess } from '$lib/core/page-access';

/** The pages a user who must change their password can still open. */
const WHILE_PASSWORD_CHANGE = new Set(['/settings', '/logout', '/login']);

const errorResponse = (status: number, code: string, message: string) =>
	new Response(JSON.stringify({ error: { code, message } }), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });

/**
 * The API answer headers a universal load may read (the typed client reads the length and
 * type; a refusal's Retry-After is shown): SvelteKit replays them in the browser too.
 */
const keepApiHeaders = (name: string) => name === 'content-length' || name === 'content-type' || name === 'retry-after';

/** Under `vite dev` there is no API server in front: ask the API (proxied) who this is. */
async function devPrincipal(fetch: typeof globalThis.fetch): Promise<App.Locals['principal']> {
	const r = await fetch('/api/v1/me').catch(() => null);
	return r?.ok ? ((await r.json()) as App.Locals['principal']) : null;
}

export const handle: Handle = async ({ event, resolve }) => {
	const ctx = event.platform?.req?.dashboard;
	event.locals.requestId = ctx?.requestId ?? crypto.randomUUID();
	// The bridge carries the pages' own calls to the API, which applies its own roles to each.
	if (event.route.id === API_BRIDGE) {
		event.locals.principal = ctx?.principal ?? null;
		return resolve(event);
	}
	event.locals.principal = ctx ? ctx.principal : dev ? await devPrincipal(event.fetch) : null;
	const principal = event.locals.principal;
	const method = event.request.method;
	const access = pageAccess(event.route.id, method, event.url.search);
	if (access === undefined) {
		// Not in the table: an unknown page renders SvelteKit's 404 for those signed in; nothing else is served.
		if (event.route.id === null && principal) return resolve(event, { filterSerializedResponseHeaders: keepApiHeaders });
		if (event.route.id !== null) return errorResponse(principal ? 405 : 401, 'not_allowed', `${method} is not allowed on ${event.url.pathname}`);
	}
	// A password somebody else chose (the first admin's, an admin's reset) is replaced before anything else.
	if (principal?.mustChangePassword && !WHILE_PASSWORD_CHANGE.has(event.route.id ?? '')) {
		return new Response(null, { status: 303, headers: { location: '/settings?password=required' } });
	}
	const refusal = accessRefusal(principal?.role ?? null, access ?? 'viewer');
	if (refusal) {
		const navigation = method === 'GET' && (event.request.headers.get('accept') ?? '').includes('text/html');
		if (!principal && navigation) {
			return new Response(null, { status: 303, headers: { location: `/login?next=${encodeURIComponent(event.url.pathname + event.url.search)}` } });
		}
		return errorResponse(refusal.status, refusal.code, refusal.message);
	}
	const response = await resolve(event, { filterSerializedResponseHeaders: keepApiHeaders });
	// Pages show fleet state and who is signed in: no shared or browser cache keeps them.
	if (!response.headers.has('cache-control')) response.headers.set('cache-control', 'no-store');
	return response;
};

export const handleError: HandleServerError = ({ error, event, status }) => {
	if (status !== 404) console.error(JSON.stringify({ level: 50, msg: 'page failed', request_id: event.locals.requestId, err: error instanceof Error ? error.stack : String(error) }));
	return { code: status === 404 ? 'not_found' : 'internal', message: status === 404 ? 'Not found' : `Internal error (request ${event.locals.requestId})` };
};
