import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { app } from '$lib/server/app';
import { driftAnswer, driftQuery } from '$lib/server/drift/view';
import { zodMessage } from '$lib/server/http/errors';

export const load: PageServerLoad = ({ url }) => {
	// The filter form submits its empty fields; an empty filter means no filter.
	const parsed = driftQuery.safeParse(Object.fromEntries([...url.searchParams].filter(([, v]) => v !== '')));
	if (!parsed.success) error(400, { code: 'invalid_query', message: zodMessage(parsed.error) });
	const { drift } = app();
	const snapshot = drift.snapshot();
	return { query: parsed.data, configured: drift.configured, drift: driftAnswer(snapshot, parsed.data), totalItems: snapshot.items.length };
};
