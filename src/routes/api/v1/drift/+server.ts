import { app } from '$lib/server/app';
import { driftAnswer, driftQuery } from '$lib/server/drift/view';
import { readQuery } from '$lib/server/http/body';
import { endpoint, json } from '$lib/server/http/endpoint';

export const GET = endpoint(async ({ url }) => {
	const q = readQuery(url, driftQuery);
	return json(driftAnswer(app().drift.snapshot(), q));
});
