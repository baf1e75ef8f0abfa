import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { app } from '$lib/server/app';
import { actorOf, deviceCookie, setSessionCookie } from '$lib/server/http/actor';
import { dashboardCookies } from '$lib/server/http/cookies';
import { safeNext } from '$lib/server/http/safe-next';

const nextOf = (raw: string | null, url: URL) => safeNext(raw, app().config.origin ?? url.origin, '/fleet');

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.principal) redirect(303, nextOf(url.searchParams.get('next'), url));
	return { next: nextOf(url.searchParams.get('next'), url) };
};

export const actions: Actions = {
	default: async (event) => {
		const form = await event.request.formData();
		const username = String(form.get('username') ?? '').trim();
		const password = String(form.get('password') ?? '');
		const next = nextOf(String(form.get('next') ?? ''), event.url);
		if (!username || !password || username.length > 200 || password.length > 1000) {
			return fail(400, { username, error: 'Enter your username and password.' });
		}
		const { auth, config } = app();
		const result = await auth.login(username, password, actorOf(event), deviceCookie(event, config.origin));
		if (!result.ok) {
			if (result.reason === 'invalid') return fail(401, { username, error: 'Wrong username or password.' });
			event.setHeaders({ 'retry-after': String(result.retryAfterS) });
			return fail(429, { username, error: `Too many failed sign-ins. Try again in ${Math.ceil(result.retryAfterS / 60)} minutes.` });
		}
		setSessionCookie(event, config.origin, result);
		if (result.device) {
			const { device } = dashboardCookies(config.origin);
			event.cookies.set(device.name, result.device, { ...device.options, maxAge: auth.deviceMaxAgeS });
		}
		redirect(303, next);
	}
};
