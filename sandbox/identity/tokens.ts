// Every token the simulated forges accept: personal access tokens (the configured
// default with full scopes plus any registered with narrower ones) and the OAuth
// tokens issued by the sign-in flows. Bounded: personal tokens are capped, OAuth tokens
// beyond the cap push out the oldest.
//
// Two clocks on purpose: a personal token's dates are simulated time like every other
// date the APIs show; OAuth expiry is real time, because clients count `expires_in`
// on their own clock.

import { randomBytes } from 'node:crypto';
import type { Forge } from './apps.js';

export const MAX_PERSONAL_TOKENS = 1000;
export const MAX_OAUTH_TOKENS = 10_000;
/** GitLab's OAuth access tokens live two hours. */
export const GITLAB_ACCESS_TTL_S = 7200;
/** The service account that owns tokens not tied to a directory user. */
export const SERVICE_USER = null;

export interface AccessGrant {
	forge: Forge;
	token: string;
	kind: 'personal' | 'oauth';
	id: number;
	name: string;
	scopes: string[];
	/** The directory user's GitLab id, or null for the forge's admin service account. */
	userId: number | null;
	createdAt: number;
	expiresAt: number | null;
	revoked: boolean;
	lastUsedAt: number | null;
	/** OAuth tokens: the application they were issued to. */
	clientId?: string;
}

export interface RefreshGrant {
	token: string;
	clientId: string;
	userId: number;
	scopes: string[];
	/** Unix seconds of the sign-in the grant came from (`auth_time`). */
	authTime: number;
	/** The access token issued with it. */
	access: string;
	revoked: boolean;
}

export type Lookup = { ok: true; grant: AccessGrant } | { ok: false; reason: 'unknown' | 'expired' | 'revoked' };

export interface PersonalTokenInput {
	forge: Forge;
	token: string;
	scopes: string[];
	name?: string;
	userId?: number | null;
	/** Simulated ms at the end of which the token stops working; null never. */
	expiresAt?: number | null;
	revoked?: boolean;
}

export class TokenError extends Error {
	constructor(
		readonly status: number,
		message: string
	) {
		super(message);
	}
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random token of `n` base62 characters (GitHub's token alphabet). */
export function randomToken(n: number): string {
	let out = '';
	while (out.length < n) {
		// 248 = 4 × 62: dropping bytes above it keeps every character equally likely.
		for (const b of randomBytes(n)) if (b < 248 && out.length < n) out += BASE62[b % 62];
	}
	return out;
}

/** A random 64-hex-digit token, the shape of GitLab's OAuth tokens. */
export const randomHex = (): string => randomBytes(32).toString('hex');

function evictOldest<K, V>(map: Map<K, V>, max: number): void {
	while (map.size > max) {
		const first = map.keys().next();
		if (first.done) return;
		map.delete(first.value);
	}
}

export class Tokens {
	private personal = new Map<string, AccessGrant>();
	private oauth = new Map<string, AccessGrant>();
	private refresh = new Map<string, RefreshGrant>();
	/** Separate sequences, so personal token ids do not depend on how many sign-ins came first. */
	private nextPersonalId: Record<Forge, number> = { gitlab: 1, github: 1 };
	private nextOAuthId: Record<Forge, number> = { gitlab: 1, github: 1 };

	constructor(
		/** Simulated now (ms). */
		private readonly simNow: () => number,
		/** Whether a directory user still exists; a deleted user's tokens stop working. */
		private readonly userExists: (userId: number) => boolean
	) {}

	private key(forge: Forge, token: string): string {
		return `${forge}\u0000${token}`;
	}

	/** Registers a personal token, or changes the one with that value. */
	putPersonal(input: PersonalTokenInput): AccessGrant {
		const key = this.key(input.forge, input.token);
		if (this.oauth.has(key)) throw new TokenError(409, 'that value is an OAuth token issued by the sign-in flow');
		const existing = this.personal.get(key);
		if (existing) {
			existing.scopes = [...input.scopes];
			if (input.name !== undefined) existing.name = input.name;
			if (input.userId !== undefined) existing.userId = input.userId;
			if (input.expiresAt !== undefined) existing.expiresAt = input.expiresAt;
			if (input.revoked !== undefined) existing.revoked = input.revoked;
			return existing;
		}
		if (this.personal.size >= MAX_PERSONAL_TOKENS) throw new TokenError(409, `the sandbox holds at most ${MAX_PERSONAL_TOKENS} personal tokens`);
		const grant: AccessGrant = {
			forge: input.forge,
			token: input.token,
			kind: 'personal',
			id: this.nextPersonalId[input.forge],
			name: input.name ?? `token-${this.nextPersonalId[input.forge]}`,
			scopes: [...input.scopes],
			userId: input.userId ?? SERVICE_USER,
			createdAt: this.simNow(),
			expiresAt: input.expiresAt ?? null,
			revoked: input.revoked ?? false,
			lastUsedAt: null
		};
		this.nextPersonalId[input.forge]++;
		this.personal.set(key, grant);
		return grant;
	}

	listPersonal(): AccessGrant[] {
		return [...this.personal.values()];
	}

	/** Finds the grant behind a presented token and marks it used. */
	lookup(forge: Forge, token: string): Lookup {
		const key = this.key(forge, token);
		const personal = this.personal.get(key);
		if (personal) {
			if (personal.userId !== null && !this.userExists(personal.userId)) return { ok: false, reason: 'unknown' };
			if (personal.revoked) return { ok: false, reason: 'revoked' };
			if (personal.expiresAt !== null && this.simNow() >= personal.expiresAt) return { ok: false, reason: 'expired' };
			personal.lastUsedAt = this.simNow();
			return { ok: true, grant: personal };
		}
		const oauth = this.oauth.get(key);
		if (!oauth || (oauth.userId !== null && !this.userExists(oauth.userId))) return { ok: false, reason: 'unknown' };
		if (oauth.revoked) return { ok: false, reason: 'revoked' };
		if (oauth.expiresAt !== null && Date.now() >= oauth.expiresAt) return { ok: false, reason: 'expired' };
		oauth.lastUsedAt = this.simNow();
		return { ok: true, grant: oauth };
	}

	/** Issues an OAuth access token; `ttlS` null for tokens that do not expire (GitHub OAuth apps). */
	issueAccess(forge: Forge, token: string, clientId: string, userId: number, scopes: string[], ttlS: number | null): AccessGrant {
		const now = Date.now();
		const grant: AccessGrant = {
			forge,
			token,
			kind: 'oauth',
			id: this.nextOAuthId[forge]++,
			name: `oauth:${clientId}`,
			scopes: [...scopes],
			userId,
			createdAt: now,
			expiresAt: ttlS === null ? null : now + ttlS * 1000,
			revoked: false,
			lastUsedAt: null,
			clientId
		};
		this.oauth.set(this.key(forge, token), grant);
		evictOldest(this.oauth, MAX_OAUTH_TOKENS);
		return grant;
	}

	issueRefresh(grant: Omit<RefreshGrant, 'token' | 'revoked'>): RefreshGrant {
		const r: RefreshGrant = { ...grant, token: randomHex(), revoked: false };
		this.refresh.set(r.token, r);
		evictOldest(this.refresh, MAX_OAUTH_TOKENS);
		return r;
	}

	findRefresh(token: string): RefreshGrant | undefined {
		const r = this.refresh.get(token);
		return r && this.userExists(r.userId) ? r : undefined;
	}

	/** Revokes an OAuth token (access or refresh) of `clientId`; a refresh token takes its access token with it. */
	revokeOAuth(forge: Forge, token: string, clientId: string): void {
		const access = this.oauth.get(this.key(forge, token));
		if (access?.clientId === clientId) access.revoked = true;
		const r = forge === 'gitlab' ? this.refresh.get(token) : undefined;
		if (r?.clientId === clientId) {
			r.revoked = true;
			const a = this.oauth.get(this.key(forge, r.access));
			if (a) a.revoked = true;
		}
	}

	/** Revokes access tokens by value (a replayed authorization code takes back what it gave). */
	revokeAccess(forge: Forge, tokens: readonly string[]): void {
		for (const t of tokens) {
			const a = this.oauth.get(this.key(forge, t));
			if (a) a.revoked = true;
			for (const r of this.refresh.values()) if (r.access === t) r.revoked = true;
		}
	}

	counts(): { personal: number; oauth_access: number; oauth_refresh: number } {
		return { personal: this.personal.size, oauth_access: this.oauth.size, oauth_refresh: this.refresh.size };
	}
}
