import type { PageLoad } from './$types';
import { DATA_KEYS } from '$lib/api/events';
import { client, must } from '$lib/ui/load';

export const load: PageLoad = async ({ fetch, url, params, depends }) => {
	// Open changes are listed with the form: a change moving re-loads it.
	depends(DATA_KEYS.changes);
	const form = await must(client(fetch, url).GET('/api/v1/stacks/{stack}/{env}/variables', { params: { path: { stack: params.stack, env: params.env } } }), url);
	// `?set=<variable>&value=<value>` prefills one field (the Capacity page's "raise max", the Drift page).
	return { form, prefill: { name: url.searchParams.get('set'), value: url.searchParams.get('value') } };
};
