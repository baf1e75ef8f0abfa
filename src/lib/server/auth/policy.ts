// Which role a request needs, decided centrally from the route id so that a new
// route is covered without anyone remembering to protect it.
// Reads need `viewer`; every mutation needs `admin` unless listed here.
import type { Role } from './roles';

/** Routes reachable without a principal (the login flow and probes). */
export const PUBLIC_ROUTES = new Set(['/healthz', '/readyz', '/login']);

const MUTATION_ROLES: Record<string, Role> = {
	'/logout': 'viewer',
	'/account': 'viewer',
	'/api/v1/me/password': 'viewer',
	'/api/v1/runners/[id]/pause': 'operator',
	'/api/v1/runners/[id]/resume': 'operator',
	'/api/v1/runners/bulk': 'operator',
	'/api/v1/scale-sets/[id]/drain': 'operator',
	'/api/v1/scale-sets/[id]/undrain': 'operator'
};

/** Routes that only admins may read. */
const ADMIN_READS = [/^\/api\/v1\/(audit|users|tokens)(\/|$)/, /^\/audit(\/|$)/];

export const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function requiredRole(method: string, routeId: string | null, path: string): Role {
	if (MUTATING.has(method)) return (routeId && MUTATION_ROLES[routeId]) || 'admin';
	const key = routeId ?? path;
	return ADMIN_READS.some((re) => re.test(key)) ? 'admin' : 'viewer';
}

export function isPublic(routeId: string | null): boolean {
	return routeId !== null && PUBLIC_ROUTES.has(routeId);
}
