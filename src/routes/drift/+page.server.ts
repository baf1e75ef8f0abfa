import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { app } from '$lib/server/app';
import { driftAnswer, driftQuery } from '$lib/server/drift/view';
import { zodMessage } from '$lib/server/http/errors';

export const load: PageServerLoad = async ({ url }) => {
	// The filter form submits its empty fields; an empty filter means no filter.
	const parsed = driftQuery.safeParse(Object.fromEntries([...url.searchParams].filter(([, v]) => v !== '')));
	if (!parsed.success) error(400, { code: 'invalid_query', message: zodMessage(parsed.error) });
	const { drift } = app();
	const snapshot = drift.snapshot();
	const q = parsed.data;
	const resolved = drift.configured ? (await drift.historyOf().list({ page: 1, perPage: 10, open: false, stack: q.stack, env: q.env, class: q.class })).items : [];
	return { query: q, configured: drift.configured, drift: driftAnswer(snapshot, q), totalItems: snapshot.items.length, resolved };
};
