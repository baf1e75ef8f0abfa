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
	/**
	 * The `state` of a sign-in under way at a provider, binding it to the browser that started
	 * it (the rest of the flow is server-side). Lax: the provider's redirect back is a
	 * top-level GET from another site, which Strict would strip it from.
	 */
	signInFlow: CookieSpec;
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
	return { session: spec(SESSION_COOKIE, 'lax'), device: spec('rd_device', 'strict'), signInFlow: spec('rd_sign_in', 'lax') };
}
