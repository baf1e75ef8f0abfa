import { app } from '$lib/server/app';
import { actorOf } from '$lib/server/http/actor';
import { readJson } from '$lib/server/http/body';
import { endpoint, json } from '$lib/server/http/endpoint';
import { newToken } from '$lib/server/services/accounts';

export const GET = endpoint(async (event) => {
	const items = await app().accounts.listTokens(actorOf(event));
	return json({ items, total: items.length, page: 1, per_page: items.length });
});

/** The secret is in this response only; the store keeps its hash. */
export const POST = endpoint(async (event) => {
	const { token, secret } = await app().accounts.createToken(actorOf(event), await readJson(event.request, newToken));
	return json({ ...token, token: secret }, { status: 201 });
});
