import type { PageLoad } from './$types';
import { DATA_KEYS } from '$lib/api/events';
import { client, must, queryOf } from '$lib/ui/load';

export const load: PageLoad = async ({ fetch, url, depends }) => {
	depends(DATA_KEYS.runners);
	const q = queryOf(url);
	const days = Number(q.offline_days) >= 1 ? Math.min(3650, Math.floor(Number(q.offline_days))) : undefined;
	const forge = q.forge === 'gitlab' || q.forge === 'github' ? (q.forge as 'gitlab' | 'github') : undefined;
	// The whole preview on one page: it is what the deletion acts on, and it is what the admin reads.
	const preview = await must(client(fetch, url).GET('/api/v1/runners/dead-weight', { params: { query: { offline_days: days, forge, per_page: 200 } } }), url);
	return { preview, forge };
};
