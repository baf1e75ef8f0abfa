import type { PageServerLoad } from './$types';
import { app } from '$lib/server/app';
import { withFreshness } from '$lib/server/fleet/freshness';
import { allScaleSets } from '$lib/server/services/scale-sets';

export const load: PageServerLoad = () => ({
	scaleSets: withFreshness(allScaleSets()),
	clusters: app().kubernetes.size
});
