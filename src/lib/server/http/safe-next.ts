// Where to send a user after sign-in: only somewhere on the dashboard itself.

// C0 and C1 control characters and DEL: browsers strip TAB/LF/CR while parsing a
// Location, so `/\t/evil.example` would become `//evil.example`, another site.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function decoded(s: string): string | null {
	try {
		return decodeURIComponent(s);
	} catch {
		return null;
	}
}

/**
 * `next` resolved against the dashboard's origin, as a path (pathname + search + hash)
 * on that origin; `fallback` for anything else: another origin, a scheme such as
 * `javascript:`, control characters (raw or percent-encoded), or a result a browser
 * would read as protocol-relative (`//host`).
 */
export function safeNext(next: string | null | undefined, origin: string, fallback = '/'): string {
	if (!next) return fallback;
	const plain = decoded(next);
	if (plain === null || CONTROL.test(next) || CONTROL.test(plain)) return fallback;
	let base: URL;
	let target: URL;
	try {
		base = new URL(origin);
		target = new URL(next, base);
	} catch {
		return fallback;
	}
	if (target.origin !== base.origin) return fallback;
	const path = target.pathname + target.search + target.hash;
	return path.startsWith('//') ? fallback : path;
}
