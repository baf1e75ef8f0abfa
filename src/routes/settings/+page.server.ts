import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { errorMessage } from '$lib/api/client';
import { client, must } from '$lib/ui/load';

export const load: PageServerLoad = async ({ locals, fetch, url }) => {
	const api = client(fetch, url);
	const sources = (await must(api.GET('/api/v1/sources'), url)).items;
	const mustChangePassword = locals.principal?.mustChangePassword === true;
	// Only a user has passkeys (a page opened with an API token shows none), and one whose password somebody else chose sets that first.
	const passkeys = locals.principal?.kind === 'user' && !mustChangePassword ? (await must(api.GET('/api/v1/me/passkeys'), url)).items : null;
	if (locals.principal?.role !== 'admin' || mustChangePassword) return { admin: false as const, sourceTable: sources, mustChangePassword, passkeys };
	const [users, tokens] = await Promise.all([must(api.GET('/api/v1/users'), url), must(api.GET('/api/v1/tokens'), url)]);
	return { admin: true as const, users: users.items, tokens: tokens.items, sourceTable: sources, mustChangePassword, passkeys };
};

type Called<T> = { data?: T; error?: unknown; response: Response };

/** A form's API call: the API's refusal (validation, conflict, role) becomes the form's error, nothing half-applied. */
async function submit<T>(call: Promise<Called<T>>): Promise<{ ok: true; value: T } | { ok: false; status: number; message: string }> {
	const r = await call;
	if (r.response.ok) return { ok: true, value: r.data as T };
	return { ok: false, status: r.response.status, message: errorMessage(r.error, r.response.status) };
}

const text = (f: FormData, name: string) => String(f.get(name) ?? '');
/** The id field as the API's path parameter; the API refuses one that is not a number. */
const idOf = (f: FormData) => ({ path: { id: text(f, 'id') } }) as never;

export const actions: Actions = {
	checkSources: async ({ fetch, url }) => {
		const r = await submit(client(fetch, url).GET('/api/v1/sources/check'));
		return r.ok ? { check: r.value } : fail(r.status, { error: r.message });
	},
	password: async ({ request, fetch, url }) => {
		const f = await request.formData();
		const r = await submit(client(fetch, url).POST('/api/v1/me/password', { body: { current_password: text(f, 'current_password'), new_password: text(f, 'new_password') } }));
		return r.ok ? { passwordChanged: true } : fail(r.status, { passwordError: r.message });
	},
	createUser: async ({ request, fetch, url }) => {
		const f = await request.formData();
		const r = await submit(client(fetch, url).POST('/api/v1/users', { body: { username: text(f, 'username'), password: text(f, 'password'), role: text(f, 'role') as never } }));
		return r.ok ? { message: `Created user ${r.value.username}.` } : fail(r.status, { error: r.message });
	},
	updateUser: async ({ request, fetch, url }) => {
		const f = await request.formData();
		const body: Record<string, unknown> = {};
		if (f.get('role')) body.role = text(f, 'role');
		if (f.get('disabled')) body.disabled = f.get('disabled') === 'true';
		if (f.get('password')) body.password = text(f, 'password');
		const r = await submit(client(fetch, url).PATCH('/api/v1/users/{id}', { params: idOf(f), body: body as never }));
		return r.ok ? { message: `Updated ${r.value.username}.` } : fail(r.status, { error: r.message });
	},
	deleteUser: async ({ request, fetch, url }) => {
		const f = await request.formData();
		const r = await submit(client(fetch, url).DELETE('/api/v1/users/{id}', { params: idOf(f) }));
		return r.ok ? { message: 'User deleted.' } : fail(r.status, { error: r.message });
	},
	createToken: async ({ request, fetch, url }) => {
		const f = await request.formData();
		const days = text(f, 'expires_in_days');
		const body = { name: text(f, 'name'), role: text(f, 'role') as never, ...(days ? { expires_in_days: Number(days) } : {}) };
		const r = await submit(client(fetch, url).POST('/api/v1/tokens', { body }));
		return r.ok ? { message: `Created token ${r.value.name}. Copy it now: it is not shown again.`, secret: r.value.token } : fail(r.status, { error: r.message });
	},
	revokeToken: async ({ request, fetch, url }) => {
		const f = await request.formData();
		const r = await submit(client(fetch, url).DELETE('/api/v1/tokens/{id}', { params: idOf(f) }));
		return r.ok ? { message: `Revoked token ${r.value.name}.` } : fail(r.status, { error: r.message });
	}
};
