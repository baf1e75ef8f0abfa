import type { PageLoad } from './$types';
import { error } from '@sveltejs/kit';
import { DATA_KEYS } from '$lib/api/events';
import { client, must } from '$lib/ui/load';

export const load: PageLoad = async ({ fetch, url, params, depends }) => {
	const id = Number(params.id);
	if (!Number.isSafeInteger(id) || id < 1) error(404, { code: 'not_found', message: `no change ${params.id}` });
	depends(DATA_KEYS.change(id));
	return { change: await must(client(fetch, url).GET('/api/v1/changes/{id}', { params: { path: { id } } }), url) };
};
