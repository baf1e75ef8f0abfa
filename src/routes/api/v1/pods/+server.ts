import { z } from 'zod';
import { podsByRunnerType, type PodView } from '$lib/core/pods';
import { app } from '$lib/server/app';
import { readQuery } from '$lib/server/http/body';
import { endpoint, json } from '$lib/server/http/endpoint';
import { withSourceFreshness } from '$lib/server/fleet/freshness';

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
	const all: (PodView & { source: string })[] = [...app().kubernetes.values()].flatMap((k) => k.pods().map((p) => ({ ...p, source: k.name })));
	const hits = all
		.filter((p) => (!q.runner_type || p.runner_type === q.runner_type) && (!q.stack || p.stack === q.stack) && (!q.source || p.source === q.source) && (!q.phase || p.phase === q.phase))
		.sort((a, b) => a.runner_type.localeCompare(b.runner_type) || a.name.localeCompare(b.name));
	const start = (q.page - 1) * q.per_page;
	return json({
		items: hits.slice(start, start + q.per_page).map(withSourceFreshness),
		total: hits.length,
		page: q.page,
		per_page: q.per_page,
		by_runner_type: podsByRunnerType(all)
	});
});
