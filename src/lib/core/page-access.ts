// Who may open each page and post each of its forms: one row per SvelteKit route
// (keyed by route id) with the role of its load and of every form action. A route
// that is not here is refused, and the security tests fail when the routes and this
// table disagree. The JSON API's roles come from its operation declarations.
import type { Access } from './access';

export interface PageRule {
	/** Who may open the page (its loads). */
	load: Access;
	/** Who may post each named form action (`default` for the page's own form). */
	actions?: Record<string, Access>;
}

/** In-process calls of the pages' loads to the JSON API: the API applies its own roles to each. */
export const API_BRIDGE = '/api/[...rest]';

export const PAGE_ACCESS: Record<string, PageRule> = {
	'/': { load: 'viewer' },
	'/login': { load: 'public', actions: { default: 'public' } },
	'/logout': { load: 'viewer', actions: { default: 'viewer' } },
	'/fleet': { load: 'viewer' },
	'/fleet/[id]': { load: 'viewer' },
	'/fleet/scale-sets': { load: 'viewer' },
	'/fleet/scale-sets/[id]': { load: 'viewer' },
	'/fleet/pods': { load: 'viewer' },
	'/fleet/waiting': { load: 'viewer' },
	// The list is read by viewers; deleting goes through the API (admin).
	'/fleet/dead-weight': { load: 'viewer' },
	'/capacity': { load: 'viewer' },
	'/capacity/[forge]/[group]': { load: 'viewer' },
	'/drift': { load: 'viewer' },
	'/changes': { load: 'viewer' },
	'/changes/[id]': { load: 'viewer' },
	// The form is read by viewers; proposing goes through the API (operator).
	'/stacks/[stack]/[env]': { load: 'viewer' },
	'/audit': { load: 'admin' },
	'/settings': {
		load: 'viewer',
		actions: { password: 'viewer', createUser: 'admin', updateUser: 'admin', deleteUser: 'admin', createToken: 'admin', revokeToken: 'admin', checkSources: 'admin' }
	}
};

/** What a request to a page route needs: its load's access for GET, its action's for POST; undefined when not in the table. */
export function pageAccess(routeId: string | null, method: string, search: string): Access | undefined {
	if (routeId === null) return undefined;
	const rule = PAGE_ACCESS[routeId];
	if (!rule) return undefined;
	if (method === 'GET' || method === 'HEAD') return rule.load;
	if (method !== 'POST') return undefined;
	// Form actions are posted to `?/name`, the default one to the page itself.
	const named = new URLSearchParams(search).keys().next().value as string | undefined;
	const action = named?.startsWith('/') ? named.slice(1) : 'default';
	return rule.actions?.[action];
}
