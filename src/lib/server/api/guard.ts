// Who is asking and whether they may: the decisions every request goes through, the
// JSON API's and the pages' alike. Framework-free functions over headers and the
// principal, so the API server applies them to every request and the pages reuse
// the very same ones for their role table.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { parse as parseCookies } from 'cookie';
import type { Auth } from '../auth/service';
import { UNAUTHENTICATED, accessRefusal, type Refusal } from '$lib/core/access';
import type { Principal } from '../auth/principal';

export { UNAUTHENTICATED, accessRefusal, type Refusal };

export const BAD_TOKEN: Refusal = { status: 401, code: 'invalid_token', message: 'the API token is unknown, expired or revoked' };

/** What a user who must choose a new password may still do: see who they are, change it, sign out. */
export const WHILE_PASSWORD_CHANGE = new Set(['getMe', 'changePassword', 'signOut', 'signIn', 'getVersion', 'healthz', 'readyz', 'getOpenApi', 'listSources']);

/**
 * A user signed in with a password somebody else chose (the generated first admin, an
 * admin's reset) acts on nothing until they choose their own.
 */
export function passwordChangeRefusal(p: Principal | null, operationId: string): (Refusal & { needs: 'viewer' }) | null {
	if (p?.kind !== 'user' || !p.mustChangePassword || WHILE_PASSWORD_CHANGE.has(operationId)) return null;
	return { status: 403, code: 'password_change_required', message: 'choose a new password first (POST /api/v1/me/password, or Settings)', needs: 'viewer' };
}

export const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const MAX_BODY_BYTES = 1024 * 1024;

/** Response headers every answer carries. */
export const SECURITY_HEADERS: Record<string, string> = {
	'x-content-type-options': 'nosniff',
	'x-frame-options': 'DENY',
	'referrer-policy': 'same-origin',
	'cross-origin-opener-policy': 'same-origin',
	// Answers carry fleet state and principals: no shared or browser cache keeps them.
	'cache-control': 'no-store'
};

type Headers = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The caller's request id when it is a sane token, else a fresh one. */
export function requestIdFrom(incoming: string | string[] | undefined, fresh: () => string): string {
	const v = one(incoming);
	return v && /^[\w.-]{1,64}$/.test(v) ? v : fresh();
}

/** 413 before reading a body that is too large, 411 for a body without a length; null when the framing is fine. */
export function framingRefusal(method: string, headers: Headers): Refusal | null {
	if (!MUTATING.has(method)) return null;
	const length = one(headers['content-length']);
	if (length !== undefined && Number(length) > MAX_BODY_BYTES) {
		return { status: 413, code: 'payload_too_large', message: `request body exceeds ${MAX_BODY_BYTES} bytes`, headers: { connection: 'close' } };
	}
	if (length === undefined && headers['transfer-encoding']) return { status: 411, code: 'length_required', message: 'send a Content-Length with the request body' };
	return null;
}

/** A cookie's value by name (the session's, a sign-in flow's), decoded the way browsers and SvelteKit encode it; the first one wins. */
export function cookieNamed(cookieHeader: string | undefined, name: string): string | undefined {
	if (!cookieHeader) return undefined;
	return parseCookies(cookieHeader)[name];
}

/** A Bearer token wins over the session cookie; a malformed or unknown token is refused, never ignored. */
export async function identify(auth: Auth, authorization: string | undefined, sessionId: string | undefined): Promise<Principal | null | 'bad_token'> {
	if (authorization) {
		const m = /^Bearer\s+(\S+)$/i.exec(authorization);
		return (m && (await auth.token(m[1]!))) || 'bad_token';
	}
	return sessionId ? auth.session(sessionId) : null;
}

/** Where mutations may come from: ORIGIN when configured, else the host this request was sent to. */
export function expectedOrigins(configured: string | null, host: string | undefined): string[] {
	if (configured) return [configured];
	return host ? [`http://${host}`, `https://${host}`] : [];
}

/**
 * CSRF: a mutation must prove it is same-origin (Origin, or Sec-Fetch-Site without
 * Origin). Bearer tokens are not ambient credentials, so a non-browser client may omit
 * both; a cookie-authenticated or anonymous mutation may not. `Origin: null` is refused.
 */
export function originRefusal(method: string, headers: Headers, principal: Principal | null, allowed: string[]): Refusal | null {
	if (!MUTATING.has(method)) return null;
	const origin = one(headers.origin);
	const fetchSite = one(headers['sec-fetch-site']);
	const sameOrigin = origin ? allowed.includes(origin) : fetchSite === 'same-origin';
	const tokenClient = principal?.kind === 'token' && !origin && !fetchSite;
	if (sameOrigin || tokenClient) return null;
	return { status: 403, code: 'cross_origin', message: 'cross-origin request refused' };
}

/**
 * The pages' server-side loads call the API in-process (no network); those calls carry
 * this process's secret so the API takes the client address the outer request was
 * resolved to instead of its own loopback. The secret never leaves the process.
 */
export class InProcessChannel {
	private readonly secret = randomBytes(32).toString('base64url');
	static readonly SECRET_HEADER = 'x-runner-dashboard-in-process';
	static readonly CLIENT_HEADER = 'x-runner-dashboard-client';

	/** Headers for an in-process call on behalf of a client at `ip`. */
	headersFor(ip: string): Record<string, string> {
		return { [InProcessChannel.SECRET_HEADER]: this.secret, [InProcessChannel.CLIENT_HEADER]: ip };
	}

	/** The client address an in-process call speaks for, or null for any other request. */
	clientOf(headers: Headers): string | null {
		const given = one(headers[InProcessChannel.SECRET_HEADER]);
		if (!given) return null;
		const a = Buffer.from(given);
		const b = Buffer.from(this.secret);
		if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
		return one(headers[InProcessChannel.CLIENT_HEADER]) ?? null;
	}
}
