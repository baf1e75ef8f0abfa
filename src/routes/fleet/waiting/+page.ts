import type { PageLoad } from './$types';
import { DATA_KEYS } from '$lib/api/events';
import { client, must, queryOf } from '$lib/ui/load';
import { WAITING_REASONS, type WaitingReason } from '$lib/core/waiting-jobs';

// Reasons are computed from the fleet and the clusters: a pause or an HPA at its maximum
// changes them without a new read of the jobs.
export const load: PageLoad = async ({ fetch, url, depends }) => {
	depends(DATA_KEYS.runners, DATA_KEYS.cluster);
	const q = queryOf(url);
	const reason = (WAITING_REASONS as readonly string[]).includes(q.reason ?? '') ? (q.reason as WaitingReason) : undefined;
	const forge = q.forge === 'gitlab' || q.forge === 'github' ? (q.forge as 'gitlab' | 'github') : undefined;
	const query = { reason, forge, q: q.q, runner_type: q.runner_type, page: Math.max(1, Number(q.page) || 1), per_page: 50 };
	const api = client(fetch, url);
	const [jobs, summary] = await Promise.all([
		must(api.GET('/api/v1/jobs/waiting', { params: { query } }), url),
		must(api.GET('/api/v1/jobs/waiting/summary'), url)
	]);
	return { jobs, summary, query };
};
