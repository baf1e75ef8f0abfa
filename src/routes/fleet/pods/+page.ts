import type { PageLoad } from './$types';
import { DATA_KEYS } from '$lib/api/events';
import { client, must } from '$lib/ui/load';

// How many clusters are configured comes from the layout's sources in the page (not through
// `parent()`, which would re-read the pods on every source report).
export const load: PageLoad = async ({ fetch, url, depends }) => {
	depends(DATA_KEYS.cluster);
	const runnerType = url.searchParams.get('runner_type') || undefined;
	const page = Math.max(1, Number(url.searchParams.get('page')) || 1);
	const api = client(fetch, url);
	const [pods, autoscalers] = await Promise.all([
		must(api.GET('/api/v1/pods', { params: { query: { runner_type: runnerType, page, per_page: 200 } } }), url),
		must(api.GET('/api/v1/autoscalers', { params: { query: { kind: 'hpa', per_page: 200 } } }), url)
	]);
	// The capacity page names GitLab runner types as the HPAs do (the runner-type label), not by Deployment.
	const capacityGroups = Object.fromEntries(autoscalers.items.filter((a) => a.target?.startsWith('Deployment/')).map((a) => [a.target!.slice('Deployment/'.length), a.group]));
	return { capacityGroups, summary: pods.by_runner_type, runnerType, pods };
};
