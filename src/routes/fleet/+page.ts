import type { PageLoad } from './$types';
import { DATA_KEYS } from '$lib/api/events';
import { client, must, outcome, queryOf } from '$lib/ui/load';
import type { paths } from '$lib/api/schema';

/** The fleet list's filters, as the API names them. */
type RunnerQuery = NonNullable<paths['/api/v1/runners']['get']['parameters']['query']>;

// The source names and the fleet's size come from the layout's sources (the page's data
// holds them), not through `parent()`: that would re-read the runners on every source report.
export const load: PageLoad = async ({ fetch, url, depends }) => {
	depends(DATA_KEYS.runners);
	const query = queryOf(url) as RunnerQuery;
	const api = client(fetch, url);
	// The reference versions only name what an outdated badge is held against: the list does not wait on their failing.
	const [runners, skew] = await Promise.all([must(api.GET('/api/v1/runners', { params: { query } }), url), outcome(api.GET('/api/v1/runners/version-skew'))]);
	const references: Record<string, string | null> = Object.fromEntries(skew.ok ? skew.body.references.map((r) => [r.source, r.version]) : []);
	return { query: { ...query, sort: query.sort ?? 'name', page: runners.page, per_page: runners.per_page }, runners, references };
};
