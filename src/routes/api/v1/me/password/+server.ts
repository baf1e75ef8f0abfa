import { app } from '$lib/server/app';
import { actorOf, deviceCookie, setSessionCookie } from '$lib/server/http/actor';
import { readJson } from '$lib/server/http/body';
import { endpoint } from '$lib/server/http/endpoint';
import { passwordChange } from '$lib/server/services/accounts';

/** Every other session of the user ends; this one continues under a new id (Set-Cookie). */
export const POST = endpoint(async (event) => {
	const { accounts, config } = app();
	const session = await accounts.changeOwnPassword(actorOf(event), await readJson(event.request, passwordChange), deviceCookie(event, config.origin));
	setSessionCookie(event, config.origin, session);
	return new Response(null, { status: 204 });
});
