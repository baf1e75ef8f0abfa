import type { LayoutLoad } from './$types';
import { api } from '$lib/api/client';
import { DATA_KEYS } from '$lib/api/events';
import { outcome } from '$lib/ui/load';

/** The sources' status for the header, for whoever is signed in; re-loaded only when a source changes. */
export const load: LayoutLoad = async ({ data, fetch, url, depends, untrack }) => {
	depends(DATA_KEYS.sources);
	if (!data.user) return { ...data, sources: [] };
	const r = await outcome(api(fetch, untrack(() => url.origin)).GET('/api/v1/sources'));
	return { ...data, sources: r.ok ? r.body.items : [] };
};
