import { readJson } from '$lib/server/http/body';
import { endpoint, json } from '$lib/server/http/endpoint';
import { undrain, undrainBody } from '$lib/server/services/scale-sets';

/** Restores the maxRunners a drain replaced (or the one given). */
export const POST = endpoint(async (event) => {
	const body = event.request.headers.has('content-type') ? await readJson(event.request, undrainBody) : {};
	return json(await undrain(event, event.params.id!, body.max_runners));
});
