// What the login page says after a sign-in through a provider did not end in a session
// (refused: which identity was seen and that no rule matched; the provider's error), or
// after a sign-out (the provider's end-session link). It travels in the login page's URL,
// signed with the pepper, so nobody can make the page say something else or link elsewhere.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type Notice =
	| { kind: 'refused'; provider: string; username: string; email: string | null; groups: string[]; reason: 'no_rule' | 'disabled' }
	| { kind: 'error'; provider: string; message: string }
	| { kind: 'signed_out'; provider: string; end_session_url: string };

const TTL_MS = 15 * 60_000;
const MAX_GROUPS = 30;

const sign = (payload: string, pepper: string) => createHmac('sha256', pepper).update(`login-notice\u0000${payload}`).digest('base64url');

export function sealNotice(n: Notice, pepper: string, now: Date): string {
	const shown = n.kind === 'refused' ? { ...n, groups: n.groups.slice(0, MAX_GROUPS) } : n;
	const payload = Buffer.from(JSON.stringify({ n: shown, at: now.getTime() })).toString('base64url');
	return `${payload}.${sign(payload, pepper)}`;
}

/** The notice, when the signature holds and it is recent; else null (the page then shows nothing). */
export function openNotice(sealed: string | undefined, pepper: string, now: Date): Notice | null {
	if (!sealed || sealed.length > 8000) return null;
	const [payload, sig] = sealed.split('.');
	if (!payload || !sig) return null;
	const given = Buffer.from(sig, 'base64url');
	const expected = Buffer.from(sign(payload, pepper), 'base64url');
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
	try {
		const { n, at } = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { n: Notice; at: number };
		return now.getTime() - at < TTL_MS && at <= now.getTime() + 60_000 ? n : null;
	} catch {
		return null;
	}
}
