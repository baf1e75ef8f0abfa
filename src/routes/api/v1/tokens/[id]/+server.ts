import { endpoint, json } from '$lib/server/http/endpoint';
import { ApiError } from '$lib/server/http/errors';
import { revokeToken } from '$lib/server/services/accounts';

export const DELETE = endpoint(async (event) => {
	if (!/^\d{1,9}$/.test(event.params.id!)) throw new ApiError(400, 'invalid_id', 'token id must be a number');
	return json(await revokeToken(event, Number(event.params.id)));
});
