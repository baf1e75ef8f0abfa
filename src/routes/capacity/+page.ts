import type { PageLoad } from './$types';
import { DATA_KEYS } from '$lib/api/events';
import { loadCapacity } from '$lib/ui/capacity/load';
import { windowOf } from '$lib/ui/capacity/view';

export const load: PageLoad = ({ fetch, url, depends }) => {
	depends(DATA_KEYS.capacity);
	return loadCapacity(fetch, url.origin, windowOf(url.searchParams.get('window')));
};
