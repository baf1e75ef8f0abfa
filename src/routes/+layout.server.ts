import type { LayoutServerLoad } from './$types';

// Who is signed in comes from the API server's guard (hooks.server.ts); everything else from the API.
export const load: LayoutServerLoad = ({ locals }) => ({
	user: locals.principal,
	version: __BUILD_INFO__.version
});
