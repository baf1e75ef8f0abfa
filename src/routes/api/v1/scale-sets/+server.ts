import { z } from 'zod';
import { readQuery } from '$lib/server/http/body';
import { endpoint, json } from '$lib/server/http/endpoint';
import { pageOf } from '$lib/core/fleet-query';
import { withFreshness } from '$lib/server/fleet/freshness';
import { allScaleSets } from '$lib/server/services/scale-sets';

const query = z.strictObject({
	page: z.coerce.number().int().min(1).default(1),
	per_page: z.coerce.number().int().min(1).max(200).default(50),
	q: z.string().max(200).optional(),
	source: z.string().max(100).optional(),
	namespace: z.string().max(100).optional(),
	drained: z.enum(['true', 'false']).optional()
});

export const GET = endpoint(async ({ url }) => {
	const q = readQuery(url, query);
	const needle = q.q?.toLowerCase();
	const hits = allScaleSets().filter(
		(s) =>
			(!q.source || s.source === q.source) &&
			(!q.namespace || s.namespace === q.namespace) &&
			(!q.drained || s.drained === (q.drained === 'true')) &&
			(!needle || `${s.name} ${s.scale_set_name} ${s.runner_group ?? ''}`.toLowerCase().includes(needle))
	);
	const page = pageOf(hits, q.page, q.per_page);
	return json({ ...page, items: withFreshness(page.items) });
});
