import { fleetQuery } from '$lib/core/fleet-query';
import { app } from '$lib/server/app';
import { readQuery } from '$lib/server/http/body';
import { endpoint, jsonText } from '$lib/server/http/endpoint';
import { withFreshness } from '$lib/server/fleet/freshness';

export const GET = endpoint(async ({ url }) => {
	return jsonText(app().views.json(readQuery(url, fleetQuery), withFreshness));
});
