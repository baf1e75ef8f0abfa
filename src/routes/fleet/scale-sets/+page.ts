import type { PageLoad } from './$types';
import { DATA_KEYS } from '$lib/api/events';
import { client, must, outcome } from '$lib/ui/load';

// How many clusters are configured comes from the layout's sources in the page (not through
// `parent()`, which would re-read the scale sets on every source report).
export const load: PageLoad = async ({ fetch, url, depends }) => {
	depends(DATA_KEYS.cluster);
	const api = client(fetch, url);
	const [sets, health] = await Promise.all([must(api.GET('/api/v1/scale-sets', { params: { query: { per_page: 200 } } }), url), outcome(api.GET('/api/v1/scale-sets/health'))]);
	// A listener or controller down is flagged on its row; the list still shows when health cannot be read.
	const healthOf = new Map((health.ok ? health.body.items : []).map((h) => [`${h.source}/${h.namespace}/${h.scale_set}`, h]));
	return { scaleSets: sets.items.map((s) => ({ ...s, health: healthOf.get(`${s.source}/${s.namespace}/${s.scale_set_name}`) ?? null })) };
};
