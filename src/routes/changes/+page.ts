import type { PageLoad } from './$types';
import { DATA_KEYS } from '$lib/api/events';
import { client, must, queryOf } from '$lib/ui/load';

export const load: PageLoad = async ({ fetch, url, depends }) => {
	depends(DATA_KEYS.changes);
	const query = queryOf(url);
	const api = client(fetch, url);
	const [changes, stacks] = await Promise.all([
		must(api.GET('/api/v1/changes', { params: { query: { page: Number(query.page ?? 1), per_page: 50, state: query.state as never, stack: query.stack } } }), url),
		must(api.GET('/api/v1/stacks'), url)
	]);
	return { query, changes, stacks: stacks.items };
};
