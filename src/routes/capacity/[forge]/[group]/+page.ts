import { error } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { DATA_KEYS } from '$lib/api/events';
import { loadCapacity } from '$lib/ui/capacity/load';
import type { Forge } from '$lib/core/runner';
import { windowOf } from '$lib/ui/capacity/view';

export const load: PageLoad = async ({ fetch, url, params, depends }) => {
	if (params.forge !== 'gitlab' && params.forge !== 'github') error(404, { code: 'not_found', message: `no forge ${params.forge}: gitlab or github` });
	depends(DATA_KEYS.capacity);
	const forge: Forge = params.forge;
	return { forge, group: params.group, ...(await loadCapacity(fetch, url.origin, windowOf(url.searchParams.get('window')), { forge, group: params.group })) };
};
