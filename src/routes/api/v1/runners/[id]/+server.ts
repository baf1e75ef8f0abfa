import { parseRunnerId } from '$lib/core/runner';
import { app } from '$lib/server/app';
import { endpoint, json } from '$lib/server/http/endpoint';
import { ApiError } from '$lib/server/http/errors';
import { withFreshness } from '$lib/server/fleet/freshness';

export const GET = endpoint(async ({ params }) => {
	if (!parseRunnerId(params.id!)) throw new ApiError(400, 'invalid_id', 'runner ids look like gitlab:<source>:<number>');
	const runner = app().fleet.get(params.id!);
	if (!runner) throw new ApiError(404, 'not_found', `no runner ${params.id}`);
	return json(withFreshness([runner])[0]);
});
