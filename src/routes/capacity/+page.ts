import type { PageLoad } from './$types';
import { loadCapacity } from '$lib/ui/capacity/load';
import { windowOf } from '$lib/ui/capacity/view';

export const load: PageLoad = ({ fetch, url, depends }) => {
	depends('capacity:data');
	return loadCapacity(fetch, windowOf(url.searchParams.get('window')));
};
