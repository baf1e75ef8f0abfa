import { HISTORY_STEP_S } from '$lib/core/autoscalers/history';
import { pageOf } from '$lib/core/fleet-query';
import { readQuery } from '$lib/server/http/body';
import { endpoint, json } from '$lib/server/http/endpoint';
import { app } from '$lib/server/app';
import { autoscalersQuery } from '$lib/server/services/autoscalers';

export const GET = endpoint(async ({ url }) => {
	const q = readQuery(url, autoscalersQuery);
	const items = app().autoscalers.query({ kind: q.kind, forge: q.forge, group: q.group, q: q.q }, q.window);
	return json({ ...pageOf(items, q.page, q.per_page), window: q.window, step_s: HISTORY_STEP_S[q.window] });
});
