import { app } from '$lib/server/app';
import { driftHistoryQuery } from '$lib/server/drift/view';
import { readQuery } from '$lib/server/http/body';
import { endpoint, json } from '$lib/server/http/endpoint';

export const GET = endpoint(async ({ url }) => {
	const q = readQuery(url, driftHistoryQuery);
	const open = q.state === undefined ? undefined : q.state === 'open';
	const { items, total } = await app().drift.historyOf().list({ page: q.page, perPage: q.per_page, stack: q.stack, env: q.env, class: q.class, open });
	return json({ items, total, page: q.page, per_page: q.per_page });
});
