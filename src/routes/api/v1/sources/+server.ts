import { app } from '$lib/server/app';
import { endpoint, json } from '$lib/server/http/endpoint';

export const GET = endpoint(async () => {
	const { sources, fleet } = app();
	const items = sources.list((s) => fleet.countBySource(s));
	return json({ items, total: items.length, page: 1, per_page: items.length });
});
