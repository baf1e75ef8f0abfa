// Authorization codes: single-use, ten minutes (GitLab's and GitHub's lifetime), at
// most MAX_CODES outstanding. A used code is remembered until it would have expired so
// a replay is recognised as one.

import { createHash, randomBytes } from 'node:crypto';
import type { Forge } from './apps.js';

export const CODE_TTL_MS = 10 * 60_000;
export const MAX_CODES = 1000;

export interface CodeGrant {
	forge: Forge;
	code: string;
	clientId: string;
	/** The redirect_uri the code went to. */
	redirectUri: string;
	scopes: string[];
	nonce?: string;
	codeChallenge?: string;
	/** The signed-in user's GitLab id. */
	userId: number;
	/** Unix seconds of the sign-in. */
	authTime: number;
	expiresAt: number;
	used: boolean;
	/** Access tokens issued for it, taken back if the code is replayed. */
	issued: string[];
}

export type Taken = { kind: 'fresh'; grant: CodeGrant } | { kind: 'replayed'; grant: CodeGrant } | { kind: 'invalid' };

const VERIFIER_RE = /^[A-Za-z0-9._~-]{43,128}$/;

/** RFC 7636 S256: BASE64URL(SHA256(verifier)) must equal the challenge. */
export function pkceMatches(challenge: string, verifier: string): boolean {
	if (!VERIFIER_RE.test(verifier)) return false;
	return createHash('sha256').update(verifier).digest('base64url') === challenge;
}

export class Codes {
	private codes = new Map<string, CodeGrant>();

	issue(grant: Omit<CodeGrant, 'code' | 'expiresAt' | 'used' | 'issued'>): CodeGrant {
		this.sweep();
		const code = grant.forge === 'github' ? randomBytes(10).toString('hex') : randomBytes(32).toString('hex');
		const g: CodeGrant = { ...grant, code, expiresAt: Date.now() + CODE_TTL_MS, used: false, issued: [] };
		this.codes.set(`${grant.forge}\u0000${code}`, g);
		while (this.codes.size > MAX_CODES) {
			const first = this.codes.keys().next();
			if (first.done) break;
			this.codes.delete(first.value);
		}
		return g;
	}

	/** Takes a code for exchange; a second take of the same code is a replay. */
	take(forge: Forge, code: string): Taken {
		const g = this.codes.get(`${forge}\u0000${code}`);
		if (!g || Date.now() >= g.expiresAt) return { kind: 'invalid' };
		if (g.used) return { kind: 'replayed', grant: g };
		g.used = true;
		return { kind: 'fresh', grant: g };
	}

	get size(): number {
		return this.codes.size;
	}

	private sweep(): void {
		const now = Date.now();
		for (const [k, g] of this.codes) if (now >= g.expiresAt) this.codes.delete(k);
	}
}
