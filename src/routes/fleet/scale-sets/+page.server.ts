import type { PageServerLoad } from './$types';
import { app } from '$lib/server/app';
import { withSourceFreshness } from '$lib/server/fleet/freshness';
import { allScaleSets } from '$lib/server/services/scale-sets';

export const load: PageServerLoad = () => ({
	scaleSets: allScaleSets().map(withSourceFreshness),
	clusters: app().kubernetes.size
});
