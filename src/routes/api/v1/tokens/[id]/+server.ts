import { app } from '$lib/server/app';
import { actorOf } from '$lib/server/http/actor';
import { endpoint, json } from '$lib/server/http/endpoint';
import { ApiError } from '$lib/server/http/errors';

export const DELETE = endpoint(async (event) => {
	if (!/^\d{1,9}$/.test(event.params.id!)) throw new ApiError(400, 'invalid_id', 'token id must be a number');
	return json(await app().accounts.revokeToken(actorOf(event), Number(event.params.id)));
});
