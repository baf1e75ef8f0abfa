import type { PageLoad } from './$types';
import { DATA_KEYS } from '$lib/api/events';
import { loadCapacity } from '$lib/ui/capacity/load';
import { windowOf } from '$lib/ui/capacity/view';
import { client, outcome } from '$lib/ui/load';

export const load: PageLoad = async ({ fetch, url, depends }) => {
	depends(DATA_KEYS.capacity);
	// Why jobs wait is a panel of its own: its failing is not the page failing.
	const api = client(fetch, url);
	const [capacity, waiting, skew] = await Promise.all([
		loadCapacity(fetch, url.origin, windowOf(url.searchParams.get('window'))),
		outcome(api.GET('/api/v1/jobs/waiting/summary')),
		outcome(api.GET('/api/v1/runners/version-skew'))
	]);
	return { ...capacity, waiting, skew };
};
