import type { PageLoad } from './$types';
import { DATA_KEYS } from '$lib/api/events';
import { client, must } from '$lib/ui/load';

// How many clusters are configured comes from the layout's sources in the page (not through
// `parent()`, which would re-read the scale sets on every source report).
export const load: PageLoad = async ({ fetch, url, depends }) => {
	depends(DATA_KEYS.cluster);
	return { scaleSets: (await must(client(fetch, url).GET('/api/v1/scale-sets', { params: { query: { per_page: 200 } } }), url)).items };
};
