import { error } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { DATA_KEYS } from '$lib/api/events';
import { loadCapacity } from '$lib/ui/capacity/load';
import type { Forge } from '$lib/core/runner';
import { windowOf } from '$lib/ui/capacity/view';
import { client, outcome } from '$lib/ui/load';

export const load: PageLoad = async ({ fetch, url, params, depends }) => {
	if (params.forge !== 'gitlab' && params.forge !== 'github') error(404, { code: 'not_found', message: `no forge ${params.forge}: gitlab or github` });
	depends(DATA_KEYS.capacity);
	const forge: Forge = params.forge;
	const capacity = await loadCapacity(fetch, url.origin, windowOf(url.searchParams.get('window')), { forge, group: params.group });
	// Why it is or is not scaling: each autoscaler's Events and last decision.
	const api = client(fetch, url);
	const why = capacity.autoscalers.ok ? await Promise.all(capacity.autoscalers.body.map((a) => outcome(api.GET('/api/v1/autoscalers/{id}/events', { params: { path: { id: a.id } } })))) : [];
	return { forge, group: params.group, ...capacity, why };
};
