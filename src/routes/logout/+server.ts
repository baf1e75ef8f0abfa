import type { RequestHandler } from './$types';
import { app } from '$lib/server/app';
import { SESSION_COOKIE } from '$lib/server/auth/service';
import { audit } from '$lib/server/http/audit';

export const POST: RequestHandler = async (event) => {
	const p = event.locals.principal!;
	await app().auth.logout(p);
	event.cookies.delete(SESSION_COOKIE, { path: '/' });
	await audit(event, 'logout', p.name, 'success');
	const wantsJson = (event.request.headers.get('accept') ?? '').includes('application/json');
	return wantsJson ? new Response(null, { status: 204 }) : new Response(null, { status: 303, headers: { location: '/login' } });
};
