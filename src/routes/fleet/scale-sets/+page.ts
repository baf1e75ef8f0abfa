import type { PageLoad } from './$types';
import { DATA_KEYS } from '$lib/api/events';
import { client, must } from '$lib/ui/load';

export const load: PageLoad = async ({ fetch, url, parent, depends }) => {
	depends(DATA_KEYS.cluster);
	const [list, { sources }] = await Promise.all([must(client(fetch, url).GET('/api/v1/scale-sets', { params: { query: { per_page: 200 } } }), url), parent()]);
	return { scaleSets: list.items, clusters: sources.filter((s) => s.kind === 'kubernetes').length };
};
