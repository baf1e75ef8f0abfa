import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { client } from '$lib/ui/load';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	// The API ends the session on the server and clears its cookie.
	default: async ({ fetch, url }) => {
		await client(fetch, url).DELETE('/api/v1/session');
		redirect(303, '/login');
	}
};
