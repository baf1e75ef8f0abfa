// "This browser has signed in as this user before": a cookie signed with the store's
// pepper, issued at each successful sign-in. It lets its holder past the per-user and
// per-address sign-in locks (with a small budget of its own), so that nobody can lock
// a user out of a browser they already use by failing sign-ins in their name.
// Nothing is stored: the signature is the proof, and the cookie is re-issued (new id,
// new issue time) at each sign-in, so an unused one ages out.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface KnownDevice {
	/** Random, per issue: the key of this device's own throttle budget. */
	id: string;
	userId: number;
	username: string;
	issuedAt: number;
}

const VERSION = 'd1';

function sign(payload: string, pepper: string): string {
	// Domain-separated from the session and token hashes made under the same pepper.
	return createHmac('sha256', pepper).update(`device-cookie\u0000${payload}`).digest('base64url');
}

export function issueDevice(user: { id: number; username: string }, pepper: string, now: Date): string {
	const payload = [VERSION, randomBytes(16).toString('base64url'), String(user.id), Buffer.from(user.username).toString('base64url'), String(Math.floor(now.getTime() / 1000))].join('.');
	return `${payload}.${sign(payload, pepper)}`;
}

/** The device the cookie names, when its signature holds and it is younger than `maxAgeMs`; else null. */
export function readDevice(cookie: string | undefined, pepper: string, now: Date, maxAgeMs: number): KnownDevice | null {
	if (!cookie || cookie.length > 400) return null;
	const parts = cookie.split('.');
	if (parts.length !== 6 || parts[0] !== VERSION) return null;
	const payload = parts.slice(0, 5).join('.');
	const given = Buffer.from(parts[5]!, 'base64url');
	const expected = Buffer.from(sign(payload, pepper), 'base64url');
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
	const [, id, userId, name, issued] = parts as [string, string, string, string, string];
	const issuedAt = Number(issued) * 1000;
	if (!Number.isSafeInteger(issuedAt) || issuedAt > now.getTime() + 60_000 || now.getTime() - issuedAt >= maxAgeMs) return null;
	return { id, userId: Number(userId), username: Buffer.from(name, 'base64url').toString(), issuedAt };
}
