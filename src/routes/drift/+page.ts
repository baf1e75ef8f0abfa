import type { PageLoad } from './$types';
import { DATA_KEYS } from '$lib/api/events';
import { client, must, queryOf } from '$lib/ui/load';

export const load: PageLoad = async ({ fetch, url, depends }) => {
	depends(DATA_KEYS.drift);
	const query = queryOf(url);
	const api = client(fetch, url);
	const drift = await must(api.GET('/api/v1/drift', { params: { query: query as never } }), url);
	const resolved = drift.configured
		? (await must(api.GET('/api/v1/drift/history', { params: { query: { per_page: 10, state: 'resolved', stack: query.stack, env: query.env, class: query.class as never } } }), url)).items
		: [];
	return { query, configured: drift.configured, drift, totalItems: drift.unfiltered_total, resolved };
};
