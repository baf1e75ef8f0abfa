import { fail, redirect } from '@sveltejs/kit';
import type { Actions } from './$types';
import { ApiError, zodMessage } from '$lib/server/http/errors';
import { changeOwnPassword, passwordChange } from '$lib/server/services/accounts';

export const load = () => redirect(303, '/settings');

export const actions: Actions = {
	password: async (event) => {
		const form = await event.request.formData();
		const parsed = passwordChange.safeParse({ current_password: form.get('current_password'), new_password: form.get('new_password') });
		if (!parsed.success) return fail(400, { passwordError: zodMessage(parsed.error) });
		try {
			await changeOwnPassword(event, parsed.data);
		} catch (e) {
			if (e instanceof ApiError) return fail(e.status, { passwordError: e.message });
			throw e;
		}
		return { passwordChanged: true };
	}
};
