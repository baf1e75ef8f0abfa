import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { app } from '$lib/server/app';
import { SESSION_COOKIE } from '$lib/server/auth/service';
import { clientIp } from '$lib/server/http/audit';

/** Only same-site relative paths: `next` must never send a user to another site. */
function safeNext(next: string | null): string {
	return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/fleet';
}

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.principal) redirect(303, safeNext(url.searchParams.get('next')));
	return { next: safeNext(url.searchParams.get('next')) };
};

export const actions: Actions = {
	default: async (event) => {
		const form = await event.request.formData();
		const username = String(form.get('username') ?? '').trim();
		const password = String(form.get('password') ?? '');
		const next = safeNext(String(form.get('next') ?? ''));
		if (!username || !password || username.length > 200 || password.length > 1000) {
			return fail(400, { username, error: 'Enter your username and password.' });
		}
		const result = await app().auth.login(username, password, {
			ip: clientIp(event),
			userAgent: event.request.headers.get('user-agent'),
			requestId: event.locals.requestId
		});
		if (!result.ok) {
			return result.reason === 'throttled'
				? fail(429, { username, error: 'Too many failed sign-ins. Wait a few minutes and try again.' })
				: fail(401, { username, error: 'Wrong username or password.' });
		}
		const origin = app().config.origin;
		const https = origin ? origin.startsWith('https:') : event.request.headers.get('x-forwarded-proto') === 'https';
		event.cookies.set(SESSION_COOKIE, result.sessionId, {
			path: '/',
			httpOnly: true,
			sameSite: 'lax',
			secure: https,
			expires: result.expiresAt
		});
		redirect(303, next);
	}
};
