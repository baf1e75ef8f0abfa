import type { PageLoad } from './$types';
import { DATA_KEYS } from '$lib/api/events';
import { client, must, queryOf } from '$lib/ui/load';
import { TRACKED_STATES } from '$lib/core/changes';

const IN_FLIGHT = TRACKED_STATES.join(',');

export const load: PageLoad = async ({ fetch, url, depends }) => {
	depends(DATA_KEYS.drift);
	depends(DATA_KEYS.changes);
	const query = queryOf(url);
	const api = client(fetch, url);
	const [drift, changes, stacks] = await Promise.all([
		must(api.GET('/api/v1/drift', { params: { query: query as never } }), url),
		// Changes in flight, to show which items one is about to fix.
		must(api.GET('/api/v1/changes', { params: { query: { state: IN_FLIGHT as never, per_page: 200 } } }), url),
		must(api.GET('/api/v1/stacks'), url)
	]);
	const resolved = drift.configured
		? (await must(api.GET('/api/v1/drift/history', { params: { query: { per_page: 10, state: 'resolved', stack: query.stack, env: query.env, class: query.class as never } } }), url)).items
		: [];
	return { query, configured: drift.configured, drift, totalItems: drift.unfiltered_total, resolved, changes: changes.items, stacks: stacks.items };
};
