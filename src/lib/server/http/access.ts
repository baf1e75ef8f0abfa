// Who is asking and whether they may: shared by the SvelteKit hook (every request)
// and the hot-read lane (hot API reads served before SvelteKit), so both refuse the
// same requests with the same answers.
import type { Auth } from '../auth/service';
import type { Principal } from '../auth/principal';
import { requiredRole } from '../auth/policy';
import { roleAtLeast } from '../auth/roles';

export type Refusal = { status: number; code: string; message: string };

export const BAD_TOKEN: Refusal = { status: 401, code: 'invalid_token', message: 'the API token is unknown or revoked' };
export const UNAUTHENTICATED: Refusal = { status: 401, code: 'unauthenticated', message: 'sign in or send Authorization: Bearer <token>' };

/** A Bearer token wins over the session cookie; a malformed or unknown token is refused, never ignored. */
export async function identify(auth: Auth, authorization: string | null | undefined, sessionId: string | undefined): Promise<Principal | null | 'bad_token'> {
	if (authorization) {
		const m = /^Bearer\s+(\S+)$/i.exec(authorization);
		return (m && (await auth.token(m[1]!))) || 'bad_token';
	}
	return sessionId ? auth.session(sessionId) : null;
}

/** The role refusal for a signed-in principal, or null when the route's role is met. */
export function roleRefusal(principal: Principal, method: string, routeId: string | null, path: string): (Refusal & { needs: string }) | null {
	const needs = requiredRole(method, routeId, path);
	if (roleAtLeast(principal.role, needs)) return null;
	return { status: 403, code: 'forbidden', message: `this needs the ${needs} role; you have ${principal.role}`, needs };
}

/** Response headers every answer carries. */
export const SECURITY_HEADERS: Record<string, string> = {
	'x-content-type-options': 'nosniff',
	'x-frame-options': 'DENY',
	'referrer-policy': 'same-origin',
	'cross-origin-opener-policy': 'same-origin'
};

/** The caller's request id when it is a sane token, else a fresh one. */
export function requestIdFrom(incoming: string | null | undefined, fresh: () => string): string {
	return incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : fresh();
}
