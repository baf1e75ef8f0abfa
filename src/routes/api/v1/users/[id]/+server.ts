import { app } from '$lib/server/app';
import { actorOf } from '$lib/server/http/actor';
import { readJson } from '$lib/server/http/body';
import { endpoint, json } from '$lib/server/http/endpoint';
import { ApiError } from '$lib/server/http/errors';
import { userPatch } from '$lib/server/services/accounts';

function idParam(raw: string): number {
	if (!/^\d{1,9}$/.test(raw)) throw new ApiError(400, 'invalid_id', 'user id must be a number');
	return Number(raw);
}

export const PATCH = endpoint(async (event) => json(await app().accounts.updateUser(actorOf(event), idParam(event.params.id!), await readJson(event.request, userPatch))));

export const DELETE = endpoint(async (event) => {
	await app().accounts.deleteUser(actorOf(event), idParam(event.params.id!));
	return new Response(null, { status: 204 });
});
