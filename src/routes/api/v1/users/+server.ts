import { app } from '$lib/server/app';
import { actorOf } from '$lib/server/http/actor';
import { readJson } from '$lib/server/http/body';
import { endpoint, json } from '$lib/server/http/endpoint';
import { newUser } from '$lib/server/services/accounts';

export const GET = endpoint(async (event) => {
	const items = await app().accounts.listUsers(actorOf(event));
	return json({ items, total: items.length, page: 1, per_page: items.length });
});

export const POST = endpoint(async (event) => json(await app().accounts.createUser(actorOf(event), await readJson(event.request, newUser)), { status: 201 }));
