import { app } from '$lib/server/app';
import { readQuery } from '$lib/server/http/body';
import { endpoint, json } from '$lib/server/http/endpoint';
import { ApiError } from '$lib/server/http/errors';
import { capacityQuery, filterGroups } from '$lib/server/services/capacity';

export const GET = endpoint(async ({ url }) => {
	const q = readQuery(url, capacityQuery);
	const { capacity } = app();
	if (q.source && !capacity.available(q.source)) throw new ApiError(400, 'invalid_query', `source: ${q.source} is not configured`);
	const snap = await capacity.snapshot(q.window, q.source ?? capacity.defaultSource);
	return json({ ...snap, items: filterGroups(snap.items, q.forge, q.group) });
});
