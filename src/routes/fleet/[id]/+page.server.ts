import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { app } from '$lib/server/app';
import { withFreshness } from '$lib/server/fleet/freshness';

export const load: PageServerLoad = ({ params }) => {
	const runner = app().fleet.get(params.id);
	if (!runner) error(404, { code: 'not_found', message: `No runner ${params.id} in the fleet.` });
	return { runner: withFreshness([runner])[0]! };
};
