// Passwords: scrypt with a per-hash salt. Session ids and API tokens: 256-bit random
// values stored only as an HMAC under the store's pepper. A copy of the database cannot
// be replayed because those are HMACs of random secrets, which nobody can invert; not
// because the pepper is secret (without SESSION_SECRET it is in the same database).
// Writing to the database is another matter: with the pepper, anyone can add a session
// or token hash of their own (docs/security.md, "What a copy of the database allows").
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (pw: string, salt: Buffer, len: number, opts: ScryptOptions) =>
	new Promise<Buffer>((res, rej) => scryptCb(pw, salt, len, opts, (e, k) => (e ? rej(e) : res(k))));

const PARAMS = { N: 16384, r: 8, p: 1 };

export async function hashPassword(password: string): Promise<string> {
	const salt = randomBytes(16);
	const key = await scrypt(password, salt, 32, PARAMS);
	return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

// Verifying against this keeps the response time the same whether or not the user exists.
const UNKNOWN_USER_HASH = `scrypt$16384$8$1$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(32).toString('base64url')}`;

export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
	const [scheme, n, r, p, salt, key] = (stored ?? UNKNOWN_USER_HASH).split('$');
	if (scheme !== 'scrypt' || !salt || !key) return false;
	const expected = Buffer.from(key, 'base64url');
	// A key that decodes to (almost) nothing would make every password compare equal.
	if (expected.length < 16) return false;
	let actual: Buffer;
	try {
		actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
			N: Number(n),
			r: Number(r),
			p: Number(p)
		});
	} catch {
		// A corrupt stored hash (bad or oversized parameters) is a failed login, not a server error.
		return false;
	}
	return timingSafeEqual(expected, actual) && stored !== undefined;
}

/** A new opaque secret with a recognisable prefix (e.g. `rdt_` for API tokens). */
export function newSecret(prefix: string): string {
	return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string, pepper: string): string {
	return createHmac('sha256', pepper).update(secret).digest('base64url');
}

export function randomPassword(): string {
	return randomBytes(18).toString('base64url');
}

// Provider tokens kept with a session (a refresh token re-checks the role) are sealed
// with AES-256-GCM under a key derived from the pepper, so a dump of the sessions table
// alone gives no usable token at the provider.
const sealKey = (pepper: string) => Buffer.from(hkdfSync('sha256', pepper, 'runner-dashboard', 'provider-token-seal', 32));

export function seal(plain: string, pepper: string): string {
	const iv = randomBytes(12);
	const c = createCipheriv('aes-256-gcm', sealKey(pepper), iv);
	const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
	return `s1.${iv.toString('base64url')}.${body.toString('base64url')}.${c.getAuthTag().toString('base64url')}`;
}

/** The sealed value, or null when it was not sealed under this pepper (SESSION_SECRET changed) or was altered. */
export function unseal(sealed: string, pepper: string): string | null {
	const [v, iv, body, tag] = sealed.split('.');
	if (v !== 's1' || !iv || body === undefined || !tag) return null;
	try {
		const d = createDecipheriv('aes-256-gcm', sealKey(pepper), Buffer.from(iv, 'base64url'));
		d.setAuthTag(Buffer.from(tag, 'base64url'));
		return Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8');
	} catch {
		return null;
	}
}
