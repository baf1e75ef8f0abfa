import { fail, redirect } from '@sveltejs/kit';
import type { Actions } from './$types';
import { app } from '$lib/server/app';
import { actorOf, deviceCookie, setSessionCookie } from '$lib/server/http/actor';
import { domainFailure, zodMessage } from '$lib/server/http/errors';
import { passwordChange } from '$lib/server/services/accounts';
import { DomainError } from '$lib/server/services/errors';

export const load = () => redirect(303, '/settings');

export const actions: Actions = {
	password: async (event) => {
		const form = await event.request.formData();
		const parsed = passwordChange.safeParse({ current_password: form.get('current_password'), new_password: form.get('new_password') });
		if (!parsed.success) return fail(400, { passwordError: zodMessage(parsed.error) });
		const { accounts, config } = app();
		try {
			setSessionCookie(event, config.origin, await accounts.changeOwnPassword(actorOf(event), parsed.data, deviceCookie(event, config.origin)));
		} catch (e) {
			if (!(e instanceof DomainError)) throw e;
			const f = domainFailure(e);
			event.setHeaders(f.headers);
			return fail(f.status, { passwordError: e.message });
		}
		return { passwordChanged: true };
	}
};
