import { readJson } from '$lib/server/http/body';
import { endpoint, json } from '$lib/server/http/endpoint';
import { ApiError } from '$lib/server/http/errors';
import { deleteUser, updateUser, userPatch } from '$lib/server/services/accounts';

function idParam(raw: string): number {
	if (!/^\d{1,9}$/.test(raw)) throw new ApiError(400, 'invalid_id', 'user id must be a number');
	return Number(raw);
}

export const PATCH = endpoint(async (event) => json(await updateUser(event, idParam(event.params.id!), await readJson(event.request, userPatch))));

export const DELETE = endpoint(async (event) => {
	await deleteUser(event, idParam(event.params.id!));
	return new Response(null, { status: 204 });
});
