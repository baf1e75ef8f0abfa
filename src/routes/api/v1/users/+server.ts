import { app } from '$lib/server/app';
import { readJson } from '$lib/server/http/body';
import { endpoint, json } from '$lib/server/http/endpoint';
import { createUser, newUser } from '$lib/server/services/accounts';

export const GET = endpoint(async () => {
	const items = await app().store.users.list();
	return json({ items, total: items.length, page: 1, per_page: items.length });
});

export const POST = endpoint(async (event) => json(await createUser(event, await readJson(event.request, newUser)), { status: 201 }));
