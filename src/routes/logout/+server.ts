import type { RequestHandler } from './$types';
import { app } from '$lib/server/app';
import { audit } from '$lib/server/http/audit';
import { dashboardCookies } from '$lib/server/http/cookies';
import { auditTarget } from '$lib/server/services/audit';

export const POST: RequestHandler = async (event) => {
	const p = event.locals.principal!;
	await app().auth.logout(p);
	const { session } = dashboardCookies(app().config.origin);
	event.cookies.delete(session.name, session.options);
	await audit(event, 'logout', p.kind === 'user' ? auditTarget.user(p.name) : null, 'success');
	const wantsJson = (event.request.headers.get('accept') ?? '').includes('application/json');
	return wantsJson ? new Response(null, { status: 204 }) : new Response(null, { status: 303, headers: { location: '/login' } });
};
