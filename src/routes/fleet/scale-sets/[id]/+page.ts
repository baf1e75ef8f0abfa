import type { PageLoad } from './$types';
import { DATA_KEYS } from '$lib/api/events';
import { client, must } from '$lib/ui/load';

export const load: PageLoad = async ({ fetch, url, params, depends }) => {
	depends(DATA_KEYS.cluster);
	return { scaleSet: await must(client(fetch, url).GET('/api/v1/scale-sets/{id}', { params: { path: { id: params.id } } }), url) };
};
