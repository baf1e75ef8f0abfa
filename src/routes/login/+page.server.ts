import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { errorMessage } from '$lib/api/client';
import { client, must } from '$lib/ui/load';
import { safeNext } from '$lib/server/http/safe-next';

/** Only somewhere on this dashboard: `next` must never send a user to another site. */
const nextOf = (raw: string | null, url: URL) => safeNext(raw, url.origin, '/fleet');

export const load: PageServerLoad = async ({ locals, url, fetch }) => {
	if (locals.principal) redirect(303, nextOf(url.searchParams.get('next'), url));
	const notice = url.searchParams.get('notice') ?? undefined;
	const options = await must(client(fetch, url).GET('/api/v1/sign-in', { params: { query: notice ? { notice } : {} } }), url);
	return { next: nextOf(url.searchParams.get('next'), url), options };
};

export const actions: Actions = {
	default: async ({ request, fetch, url, setHeaders }) => {
		const form = await request.formData();
		const username = String(form.get('username') ?? '').trim();
		const password = String(form.get('password') ?? '');
		const next = nextOf(String(form.get('next') ?? ''), url);
		let passkey: unknown;
		try {
			passkey = form.get('passkey') ? JSON.parse(String(form.get('passkey'))) : undefined;
		} catch {
			return fail(400, { username, error: 'The passkey answer could not be read; try again.' });
		}
		if (!username || !password || username.length > 200 || password.length > 1000) {
			return fail(400, { username, error: 'Enter your username and password.' });
		}
		// The API sets the session cookie; SvelteKit passes it on to the browser with this answer.
		const r = await client(fetch, url).POST('/api/v1/session', { body: { username, password, ...(passkey ? { passkey: passkey as never } : {}) } });
		if (!r.response.ok) {
			const retry = r.response.headers.get('retry-after');
			if (retry) setHeaders({ 'retry-after': retry });
			return fail(r.response.status, { username, error: errorMessage(r.error, r.response.status) });
		}
		redirect(303, next);
	}
};
