import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { client } from '$lib/ui/load';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	// The API ends the session on the server and clears its cookie; after a provider's
	// session, the login page offers the provider's own sign-out (the API's signed notice).
	default: async ({ fetch, url }) => {
		const r = await client(fetch, url).DELETE('/api/v1/session');
		const notice = r.data?.notice;
		redirect(303, notice ? `/login?notice=${encodeURIComponent(notice)}` : '/login');
	}
};
