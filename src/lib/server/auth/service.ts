// Authentication: passwords, server-side sessions, API tokens and the login throttle.
import type { Store } from '../store';
import type { ConfigFile } from '../config/file';
import type { Principal } from './principal';
import { isRole, type Role } from './roles';
import { hashPassword, hashSecret, newSecret, randomPassword, verifyPassword } from './secrets';

export const SESSION_COOKIE = 'rd_session';
export const TOKEN_PREFIX = 'rdt_';
// Writing last-seen on every request would turn every read into a write.
const TOUCH_EVERY_MS = 60_000;
const TOKEN_REUSE_MS = 5_000;
const MAX_REUSED_TOKENS = 1_000;

export type LoginResult =
	| { ok: true; sessionId: string; principal: Principal; expiresAt: Date }
	| { ok: false; reason: 'invalid' | 'throttled' };

export class Auth {
	constructor(
		private store: Store,
		private pepper: string,
		private settings: ConfigFile['auth'],
		private now: () => Date = () => new Date()
	) {}

	/** The store-wide pepper: SESSION_SECRET when given, else generated once and kept in the store. */
	static async pepper(store: Store, sessionSecret: string | undefined): Promise<string> {
		return sessionSecret ?? store.settings.getOrInit('session_pepper', () => newSecret(''));
	}

	async login(username: string, password: string, ctx: { ip: string | null; userAgent: string | null; requestId?: string }): Promise<LoginResult> {
		const now = this.now();
		const t = this.settings.login_throttle;
		const since = new Date(now.getTime() - t.window_minutes * 60_000).toISOString();
		const [byIp, byUser] = await Promise.all([
			ctx.ip ? this.store.audit.failedLogins(since, { ip: ctx.ip }) : 0,
			this.store.audit.failedLogins(since, { username })
		]);
		const audit = { principal: username, principal_kind: 'anonymous', action: 'login', target: username, ip: ctx.ip, request_id: ctx.requestId };
		if (byIp >= t.max_failures_per_ip || byUser >= t.max_failures_per_user) {
			await this.store.audit.record({ ...audit, outcome: 'denied', detail: { reason: 'throttled' } }, now.toISOString());
			return { ok: false, reason: 'throttled' };
		}
		const user = await this.store.users.credentials(username);
		const valid = await verifyPassword(password, user?.password_hash);
		if (!user || !valid || user.disabled) {
			await this.store.audit.record({ ...audit, outcome: 'failure' }, now.toISOString());
			return { ok: false, reason: 'invalid' };
		}
		const sessionId = newSecret('');
		const expiresAt = new Date(now.getTime() + this.settings.session.absolute_timeout_hours * 3_600_000);
		await this.store.sessions.create(
			{ idHash: this.hash(sessionId), userId: user.id, expiresAt: expiresAt.toISOString(), ip: ctx.ip, userAgent: ctx.userAgent },
			now.toISOString()
		);
		await this.store.audit.record({ ...audit, principal_kind: 'user', outcome: 'success' }, now.toISOString());
		return {
			ok: true,
			sessionId,
			expiresAt,
			principal: { kind: 'user', id: user.id, name: user.username, role: user.role, sessionHash: this.hash(sessionId) }
		};
	}

	/** Resolves a session cookie; expired (idle or absolute) sessions are deleted and yield null. */
	async session(sessionId: string): Promise<Principal | null> {
		const idHash = this.hash(sessionId);
		const s = await this.store.sessions.get(idHash);
		if (!s) return null;
		const now = this.now();
		const idleLimit = new Date(s.last_seen_at).getTime() + this.settings.session.idle_timeout_minutes * 60_000;
		if (s.disabled || now >= new Date(s.expires_at) || now.getTime() >= idleLimit) {
			await this.store.sessions.delete(idHash);
			return null;
		}
		if (now.getTime() - new Date(s.last_seen_at).getTime() > TOUCH_EVERY_MS) await this.store.sessions.touch(idHash, now.toISOString());
		return { kind: 'user', id: s.user_id, name: s.username, role: s.role, sessionHash: idHash };
	}

	/** Whether a principal resolved earlier still holds: session or token alive, same role, user enabled (live streams check on every heartbeat). */
	async stillValid(p: Principal): Promise<boolean> {
		if (p.kind === 'user') {
			const s = p.sessionHash ? await this.store.sessions.get(p.sessionHash) : undefined;
			return !!s && !s.disabled && s.role === p.role && this.now() < new Date(s.expires_at);
		}
		if (p.kind === 'token') {
			const t = p.tokenHash ? await this.store.tokens.byHash(p.tokenHash) : undefined;
			return !!t && !t.revoked_at && t.role === p.role;
		}
		return true;
	}

	async logout(principal: Principal): Promise<void> {
		if (principal.sessionHash) await this.store.sessions.delete(principal.sessionHash);
	}

	// Resolved tokens are reused briefly: an API client sends the same token with every request,
	// and a store round trip per request is most of an authenticated request's cost. Revoking
	// through this process forgets them at once; a revocation elsewhere (the CLI, another
	// replica) takes effect within TOKEN_REUSE_MS.
	private tokens = new Map<string, { principal: Principal; until: number }>();

	/** Resolves a Bearer token; revoked or unknown tokens yield null. */
	async token(secret: string): Promise<Principal | null> {
		if (!secret.startsWith(TOKEN_PREFIX)) return null;
		const now = this.now();
		// Keyed by the secret itself: a reuse then costs no HMAC (a tenth of a hot request).
		// The secret is in this process's memory with every request anyway; only its hash is stored.
		const known = this.tokens.get(secret);
		if (known && now.getTime() < known.until) return known.principal;
		const hash = this.hash(secret);
		const t = await this.store.tokens.byHash(hash);
		if (!t || t.revoked_at) return null;
		if (!t.last_used_at || now.getTime() - new Date(t.last_used_at).getTime() > TOUCH_EVERY_MS) {
			await this.store.tokens.touch(t.id, now.toISOString());
		}
		const principal: Principal = { kind: 'token', id: t.id, name: `token:${t.name}`, role: t.role, tokenHash: hash };
		if (this.tokens.size >= MAX_REUSED_TOKENS) this.tokens.clear();
		this.tokens.set(secret, { principal, until: now.getTime() + TOKEN_REUSE_MS });
		return principal;
	}

	/** Drops every reused token resolution (after a revocation). */
	forgetTokens(): void {
		this.tokens.clear();
	}

	/** Creates an API token; the secret is returned once and only its hash is stored. */
	async createToken(name: string, role: Role, createdBy: string) {
		if (!isRole(role)) throw new Error(`unknown role ${role}`);
		const secret = newSecret(TOKEN_PREFIX);
		const token = await this.store.tokens.create(
			{ name, role, tokenHash: this.hash(secret), prefix: secret.slice(0, TOKEN_PREFIX.length + 6), createdBy },
			this.now().toISOString()
		);
		return { token, secret };
	}

	/** Creates the first admin when there are no users; returns its password once, else null. */
	async ensureInitialAdmin(): Promise<string | null> {
		if ((await this.store.users.count()) > 0) return null;
		const password = randomPassword();
		const created = await this.store.users.create(
			{ username: 'admin', passwordHash: await hashPassword(password), role: 'admin' },
			this.now().toISOString()
		);
		return created ? password : null;
	}

	async pruneSessions(): Promise<void> {
		const now = this.now();
		const idleCutoff = new Date(now.getTime() - this.settings.session.idle_timeout_minutes * 60_000).toISOString();
		await this.store.sessions.prune(now.toISOString(), idleCutoff);
	}

	private hash(secret: string): string {
		return hashSecret(secret, this.pepper);
	}
}

export { hashPassword };
