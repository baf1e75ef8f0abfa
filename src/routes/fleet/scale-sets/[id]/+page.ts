import type { PageLoad } from './$types';
import { DATA_KEYS } from '$lib/api/events';
import { client, must, outcome } from '$lib/ui/load';

export const load: PageLoad = async ({ fetch, url, params, depends }) => {
	depends(DATA_KEYS.cluster);
	const api = client(fetch, url);
	const [scaleSet, health] = await Promise.all([must(api.GET('/api/v1/scale-sets/{id}', { params: { path: { id: params.id } } }), url), outcome(api.GET('/api/v1/scale-sets/health'))]);
	// Phantom and stuck runners of this set (ARC's own status does not show them).
	const mine = health.ok ? (health.body.items.find((h) => h.source === scaleSet.source && h.namespace === scaleSet.namespace && h.scale_set === scaleSet.scale_set_name) ?? null) : null;
	return { scaleSet, health: mine };

};
