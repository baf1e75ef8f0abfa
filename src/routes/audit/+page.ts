import type { PageLoad } from './$types';
import { client, must } from '$lib/ui/load';

export const load: PageLoad = async ({ fetch, url }) => {
	const page = Math.max(1, Math.min(1_000_000, Number(url.searchParams.get('page')) || 1));
	const r = await must(client(fetch, url).GET('/api/v1/audit', { params: { query: { page, per_page: 50 } } }), url);
	return { items: r.items, total: r.total, page: r.page, perPage: r.per_page };
};
