import { fleetQuery, queryFleet } from '$lib/core/fleet-query';
import { app } from '$lib/server/app';
import { readQuery } from '$lib/server/http/body';
import { endpoint, json } from '$lib/server/http/endpoint';
import { withFreshness } from '$lib/server/fleet/freshness';

export const GET = endpoint(async ({ url }) => {
	const { fleet } = app();
	const page = queryFleet(fleet.values(), readQuery(url, fleetQuery));
	return json({ ...page, items: withFreshness(page.items) });
});
