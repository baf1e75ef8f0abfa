// The pages' server-side calls to the JSON API (the typed client through SvelteKit's
// fetch) arrive here and go to the API server in-process: SvelteKit forwards the
// caller's cookies and sets Origin, and the API applies its own guard and roles. No
// request from outside reaches this route: the API server answers every /api path.
import { dev } from '$app/environment';
import { env } from '$env/dynamic/private';
import type { RequestHandler } from './$types';

export const fallback: RequestHandler = async ({ request, platform, url }) => {
	const api = platform?.req?.dashboard?.api;
	if (api) return api(request);
	// `vite dev` serves the pages alone; the API is a running `runner-dashboard serve`.
	if (dev) return fetch(new Request(new URL(url.pathname + url.search, env.RUNNER_DASHBOARD_API_URL ?? 'http://127.0.0.1:3000'), request));
	return new Response(JSON.stringify({ error: { code: 'not_found', message: `no API route ${url.pathname}` } }), { status: 404, headers: { 'content-type': 'application/json' } });
};
