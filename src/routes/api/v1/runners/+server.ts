import { fleetQuery } from '$lib/core/fleet-query';
import { app } from '$lib/server/app';
import { readQuery } from '$lib/server/http/body';
import { endpoint, json } from '$lib/server/http/endpoint';
import { withFreshness } from '$lib/server/fleet/freshness';

export const GET = endpoint(async ({ url }) => {
	const page = app().views.query(readQuery(url, fleetQuery));
	return json({ ...page, items: withFreshness(page.items) });
});
