import { runnersListJson } from '$lib/server/fleet/runners-list';
import { endpoint, jsonText } from '$lib/server/http/endpoint';

// `serve` answers this read before SvelteKit (src/lib/server/http/hot-reads.ts); this route serves `vite dev`.
export const GET = endpoint(async ({ url }) => jsonText(runnersListJson(url.search)));
