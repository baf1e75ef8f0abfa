import { z } from 'zod';
import { pageOf } from '$lib/core/fleet-query';
import { podsByRunnerType } from '$lib/core/pods';
import { readQuery } from '$lib/server/http/body';
import { endpoint, json } from '$lib/server/http/endpoint';
import { withFreshness } from '$lib/server/fleet/freshness';
import { allPods } from '$lib/server/services/pods';

const query = z.strictObject({
	page: z.coerce.number().int().min(1).default(1),
	per_page: z.coerce.number().int().min(1).max(200).default(50),
	runner_type: z.string().max(200).optional(),
	stack: z.enum(['gitlab', 'arc']).optional(),
	source: z.string().max(100).optional(),
	phase: z.string().max(50).optional()
});

/** Pods of the runner stacks, and a per-runner-type summary (pods, running, restarts). */
export const GET = endpoint(async ({ url }) => {
	const q = readQuery(url, query);
	const all = allPods();
	const hits = all.filter((p) => (!q.runner_type || p.runner_type === q.runner_type) && (!q.stack || p.stack === q.stack) && (!q.source || p.source === q.source) && (!q.phase || p.phase === q.phase));
	const page = pageOf(hits, q.page, q.per_page);
	return json({ ...page, items: withFreshness(page.items), by_runner_type: podsByRunnerType(all) });
});
