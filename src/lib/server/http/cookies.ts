// The dashboard's cookies: names and attributes decided in one place from the
// configured origin. `Secure` comes only from an https ORIGIN / server.origin, never
// from X-Forwarded-Proto, which any client can send when no proxy overwrites it.

/** The session cookie's name on plain http (on https: `__Host-rd_session`). */
export const SESSION_COOKIE = 'rd_session';

export interface CookieSpec {
	name: string;
	options: { path: '/'; httpOnly: true; sameSite: 'lax' | 'strict'; secure: boolean };
}

export interface DashboardCookies {
	/** The server-side session's id. Lax: a link from elsewhere opens the dashboard signed in. */
	session: CookieSpec;
	/** The signed "signed in here before" mark (auth/device.ts); only the sign-in form needs it. */
	device: CookieSpec;
}

/**
 * On https the names carry the `__Host-` prefix: browsers then accept the cookie only
 * with Secure, Path=/ and no Domain, so a sibling subdomain cannot set or shadow it.
 */
export function dashboardCookies(origin: string | undefined): DashboardCookies {
	const secure = origin !== undefined && new URL(origin).protocol === 'https:';
	const spec = (name: string, sameSite: 'lax' | 'strict'): CookieSpec => ({
		name: secure ? `__Host-${name}` : name,
		options: { path: '/', httpOnly: true, sameSite, secure }
	});
	return { session: spec(SESSION_COOKIE, 'lax'), device: spec('rd_device', 'strict') };
}
