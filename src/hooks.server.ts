// Every request passes here first: identify the principal, deny by default, check
// the Origin of every mutation, enforce the role the route needs, cap body sizes,
// and record latency. Routes only ever see requests that passed.
import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import { randomUUID } from 'node:crypto';
import { app, initApp } from '$lib/server/app';
import { MUTATING, isPublic } from '$lib/server/auth/policy';
import { BAD_TOKEN, SECURITY_HEADERS, UNAUTHENTICATED, identify, requestIdFrom, roleRefusal, type Refusal } from '$lib/server/http/access';
import { serveHotReads } from '$lib/server/http/hot-reads';
import { MAX_BODY_BYTES } from '$lib/server/http/body';
import { errorResponse } from '$lib/server/http/errors';
import { audit } from '$lib/server/http/audit';
import { requestAddress } from '$lib/server/http/actor';
import { dashboardCookies } from '$lib/server/http/cookies';

export const init: ServerInit = async () => {
	await initApp();
	serveHotReads();
};

const refuse = (r: Refusal) => errorResponse(r.status, r.code, r.message);

const isApi = (path: string) => path.startsWith('/api/');

function expectedOrigins(url: URL, host: string | null): string[] {
	const configured = app().config.origin;
	if (configured) return [configured];
	// Without ORIGIN, same-origin means "same host as this request was sent to".
	return host ? [`http://${host}`, `https://${host}`] : [url.origin];
}

const guard: Handle = async ({ event, resolve }) => {
	const { request, url } = event;
	const method = request.method;
	const path = url.pathname;
	const routeId = event.route.id;
	const api = isApi(path);
	const mutation = MUTATING.has(method);

	if (mutation) {
		const length = request.headers.get('content-length');
		if (length !== null && Number(length) > MAX_BODY_BYTES) {
			return errorResponse(413, 'payload_too_large', `request body exceeds ${MAX_BODY_BYTES} bytes`, { connection: 'close' });
		}
		if (length === null && request.headers.get('transfer-encoding')) {
			return errorResponse(411, 'length_required', 'send a Content-Length with the request body');
		}
	}

	const who = await identify(app().auth, request.headers.get('authorization'), event.cookies.get(dashboardCookies(app().config.origin).session.name));
	if (who === 'bad_token') return refuse(BAD_TOKEN);
	const principal = who;
	event.locals.principal = principal;

	if (!principal && !isPublic(routeId)) {
		// Browsers navigating to a page are sent to sign in; everything else (API, scrapers, forms) gets 401.
		const navigation = method === 'GET' && (request.headers.get('accept') ?? '').includes('text/html');
		if (api || !navigation) return refuse(UNAUTHENTICATED);
		const next = encodeURIComponent(path + url.search);
		return new Response(null, { status: 303, headers: { location: `/login?next=${next}` } });
	}

	if (mutation) {
		const origin = request.headers.get('origin');
		const fetchSite = request.headers.get('sec-fetch-site');
		const sameOrigin = origin ? expectedOrigins(url, request.headers.get('host')).includes(origin) : fetchSite === 'same-origin';
		// Bearer tokens are not ambient credentials, so a non-browser client may omit Origin;
		// a cookie-authenticated or anonymous mutation must prove it is same-origin.
		const tokenClient = principal?.kind === 'token' && !origin && !fetchSite;
		if (!sameOrigin && !tokenClient) {
			if (principal) await audit(event, `${method} ${routeId ?? path}`, null, 'denied', { reason: 'cross-origin', origin });
			return errorResponse(403, 'cross_origin', 'cross-origin request refused');
		}
	}

	if (principal) {
		const refusal = roleRefusal(principal, method, routeId, path);
		if (refusal) {
			if (mutation) await audit(event, `${method} ${routeId ?? path}`, null, 'denied', { reason: 'role', needs: refusal.needs });
			return refuse(refusal);
		}
	}

	const response = await resolve(event);
	if (api && response.status === 405) return errorResponse(405, 'method_not_allowed', `${method} is not allowed on ${path}`, { allow: response.headers.get('allow') ?? '' });
	return response;
};

export const handle: Handle = async ({ event, resolve }) => {
	const started = performance.now();
	event.locals.requestId = requestIdFrom(event.request.headers.get('x-request-id'), randomUUID);
	event.locals.principal = null;
	event.locals.clientAddress = requestAddress(event, app().config.clientAddress);
	let response: Response;
	try {
		response = await guard({ event, resolve });
	} catch (e) {
		app().logger.error({ err: e instanceof Error ? e.stack : String(e), request_id: event.locals.requestId }, 'request failed');
		response = errorResponse(500, 'internal', `internal error (request ${event.locals.requestId})`);
	}
	const headers = new Headers(response.headers);
	for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (!headers.has(k)) headers.set(k, v);
	headers.set('x-request-id', event.locals.requestId);
	if (isApi(event.url.pathname) && !headers.has('cache-control')) headers.set('cache-control', 'no-store');
	const route = event.route.id ?? 'unmatched';
	app().metrics.httpDuration.observe(
		{ route, method: event.request.method, status: String(response.status) },
		(performance.now() - started) / 1000
	);
	// Streaming bodies (SSE) must pass through untouched.
	return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
};

export const handleError: HandleServerError = ({ error, event, status }) => {
	if (status !== 404) {
		try {
			app().logger.error({ err: error instanceof Error ? error.stack : String(error), request_id: event.locals.requestId }, 'server error');
		} catch {
			console.error(error);
		}
	}
	return { code: status === 404 ? 'not_found' : 'internal', message: status === 404 ? 'Not found' : `Internal error (request ${event.locals.requestId})` };
};
