import { app } from '$lib/server/app';
import { readQuery } from '$lib/server/http/body';
import { endpoint, json } from '$lib/server/http/endpoint';
import { ApiError } from '$lib/server/http/errors';
import { capacitySeriesQuery, filterGroups } from '$lib/server/services/capacity';

export const GET = endpoint(async ({ url }) => {
	const q = readQuery(url, capacitySeriesQuery);
	const { capacity } = app();
	if (q.source && !capacity.available(q.source)) throw new ApiError(400, 'invalid_query', `source: ${q.source} is not configured`);
	const res = await capacity.series(q.panel, q.window, q.source ?? capacity.defaultSource);
	return json({ ...res, series: filterGroups(res.series, q.forge, q.group) });
});
