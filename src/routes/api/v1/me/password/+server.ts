import { readJson } from '$lib/server/http/body';
import { endpoint } from '$lib/server/http/endpoint';
import { changeOwnPassword, passwordChange } from '$lib/server/services/accounts';

export const POST = endpoint(async (event) => {
	await changeOwnPassword(event, await readJson(event.request, passwordChange));
	return new Response(null, { status: 204 });
});
