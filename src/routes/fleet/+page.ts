import type { PageLoad } from './$types';
import { DATA_KEYS } from '$lib/api/events';
import { client, must, queryOf } from '$lib/ui/load';
import type { paths } from '$lib/api/schema';

/** The fleet list's filters, as the API names them. */
type RunnerQuery = NonNullable<paths['/api/v1/runners']['get']['parameters']['query']>;

export const load: PageLoad = async ({ fetch, url, parent, depends }) => {
	depends(DATA_KEYS.runners);
	const query = queryOf(url) as RunnerQuery;
	const [runners, { sources }] = await Promise.all([must(client(fetch, url).GET('/api/v1/runners', { params: { query } }), url), parent()]);
	const forges = sources.filter((s) => s.kind === 'gitlab' || s.kind === 'github');
	return {
		query: { ...query, sort: query.sort ?? 'name', page: runners.page, per_page: runners.per_page },
		runners,
		sourceNames: forges.map((s) => s.name),
		fleetSize: forges.reduce((n, s) => n + s.runners, 0)
	};
};
