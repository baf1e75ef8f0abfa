// Authentication: passwords, server-side sessions, API tokens and the sign-in throttle.
import { hash as digest } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Store } from '../store';
import type { ConfigFile } from '../config/file';
import type { SessionRow, SsoSessionState } from '../store/sessions';
import type { ResolvedToken } from '../store/tokens';
import type { Actor } from '../services/actor';
import { auditTarget, writeAudit, writeRepeatedAudit } from '../services/audit';
import { UNKNOWN_PEER } from '../http/client-address';
import { issueDevice, readDevice, type KnownDevice } from './device';
import type { Principal } from './principal';
import { isRole, roleAtLeast, type Role } from './roles';
import { hashPassword, hashSecret, newSecret, randomPassword, verifyPassword } from './secrets';
import { LoginThrottle } from './throttle';

export const TOKEN_PREFIX = 'rdt_';
// The hot-read lane parses the plain-http name itself; every other reader asks http/cookies.ts.
export { SESSION_COOKIE } from '../http/cookies';

// Writing last-seen on every request would turn every read into a write.
const TOUCH_EVERY_MS = 60_000;
const TOKEN_REUSE_MS = 5_000;
const MAX_REUSED_TOKENS = 1_000;

export interface AuthDeps {
	store: Store;
	/** Key of every stored session and token hash and of the device cookie's signature. */
	pepper: string;
	settings: ConfigFile['auth'];
	now?: () => Date;
	/** The password check (scrypt); replaceable so tests can count how many ran. */
	verifyPassword?: (password: string, stored: string | undefined) => Promise<boolean>;
	/** Retry-After jitter. */
	random?: () => number;
}

/**
 * Re-checks the role of a session a provider signed in, once `auth.role_refresh_seconds`
 * have passed (auth/sso/service.ts): the role it has now, or null when the session ends.
 */
export type RoleRecheck = (s: SessionRow) => Promise<Role | null>;

export type Refused = { ok: false; reason: 'invalid' } | { ok: false; reason: 'local_off' } | { ok: false; reason: 'throttled'; retryAfterS: number };

export interface NewSession {
	sessionId: string;
	expiresAt: Date;
	principal: Principal;
}

export type LoginResult =
	| (NewSession & {
			ok: true;
			/** A fresh "signed in here before" cookie value (auth/device.ts); null when devices are not remembered. */
			device: string | null;
	  })
	| Refused;

type Credentials = NonNullable<Awaited<ReturnType<Store['users']['credentials']>>>;
/** What a session is started for. */
type SessionUser = Pick<Credentials, 'id' | 'username' | 'role' | 'must_change_password'>;

export class Auth {
	private store: Store;
	private pepper: string;
	private settings: ConfigFile['auth'];
	private now: () => Date;
	private verify: (password: string, stored: string | undefined) => Promise<boolean>;
	private throttle: LoginThrottle;
	private recheck: RoleRecheck | null = null;

	constructor(deps: AuthDeps) {
		this.store = deps.store;
		this.pepper = deps.pepper;
		this.settings = deps.settings;
		this.now = deps.now ?? (() => new Date());
		this.verify = deps.verifyPassword ?? verifyPassword;
		this.throttle = new LoginThrottle(deps.store.loginAttempts, deps.settings.login_throttle, this.now, deps.random);
	}

	/** The store-wide pepper: SESSION_SECRET when given, else generated once and kept in the store. */
	static async pepper(store: Store, sessionSecret: string | undefined): Promise<string> {
		return sessionSecret ?? store.settings.getOrInit('session_pepper', () => newSecret(''));
	}

	/** How long the device cookie lives (seconds); 0 when devices are not remembered. */
	get deviceMaxAgeS(): number {
		return this.settings.login_throttle.device_days * 86_400;
	}

	/**
	 * Checks a user's password under the sign-in throttle: an attempt is reserved on the
	 * username's and the client address's budgets (or, from a browser this user signed in
	 * with before, on that device's own) before the password is verified. A refused attempt
	 * verifies nothing and is audited once per window and key, with a count. `action` names
	 * the check in the audit log (`login`, `user.password`); failures are the caller's to audit.
	 */
	async checkPassword(username: string, password: string, actor: Actor, deviceCookie: string | undefined, action: string): Promise<{ ok: true; user: Credentials; device: KnownDevice | null } | Refused> {
		const now = this.now();
		const user = await this.store.users.credentials(username);
		const known = this.deviceMaxAgeS ? readDevice(deviceCookie, this.pepper, now, this.deviceMaxAgeS * 1000) : null;
		// The cookie vouches for this user only: not for another name, nor a new account that reuses the name.
		const device = known && user && known.userId === user.id && known.username === user.username ? known : null;
		const reservation = await this.throttle.reserve(this.throttle.keysFor(username, actor.ip ?? UNKNOWN_PEER, device));
		if (!reservation.ok) {
			const by = reservation.refusedBy;
			await writeRepeatedAudit(this.store, now, actor, `${action}:${by.key}:${reservation.windowStart}`, {
				action,
				// An address's refusals span many usernames; the row names the address (ip), not the first name tried.
				target: by.kind === 'address' ? null : auditTarget.user(username),
				outcome: 'denied',
				detail: { reason: 'throttled', by: by.kind, window_start: reservation.windowStart, window_minutes: this.settings.login_throttle.window_minutes }
			});
			return { ok: false, reason: 'throttled', retryAfterS: reservation.retryAfterS };
		}
		const valid = await this.verify(password, user?.password_hash);
		// An account a provider made has no password; it signs in only through that provider.
		if (!user || !valid || user.disabled || user.provider !== null) return { ok: false, reason: 'invalid' };
		await reservation.release();
		return { ok: true, user, device };
	}

	/** Whether local accounts sign in with a password (`auth.local`). */
	get localSignIn(): boolean {
		return this.settings.local;
	}

	/** Set once the providers are known (auth/sso/service.ts). */
	onRecheck(recheck: RoleRecheck): void {
		this.recheck = recheck;
	}

	/**
	 * Signs in with a password. `secondFactor` runs once the password is right and before
	 * a session exists (a passkey assertion for the account, `auth.passkeys.required_for_local`);
	 * it throws to refuse.
	 */
	async login(username: string, password: string, actor: Actor, deviceCookie?: string, secondFactor?: (userId: number) => Promise<void>): Promise<LoginResult> {
		if (!this.settings.local) {
			await writeAudit(this.store, this.now(), actor, { action: 'login', target: auditTarget.user(username), outcome: 'denied', detail: { reason: 'local sign-in is off' } });
			return { ok: false, reason: 'local_off' };
		}
		const checked = await this.checkPassword(username, password, actor, deviceCookie, 'login');
		if (!checked.ok) {
			if (checked.reason === 'invalid') await writeAudit(this.store, this.now(), actor, { action: 'login', target: auditTarget.user(username), outcome: 'failure' });
			return checked;
		}
		await secondFactor?.(checked.user.id);
		const session = await this.signedIn(checked.user, actor, checked.device ? { known_device: true } : undefined);
		return { ok: true, ...session, device: this.deviceMaxAgeS ? issueDevice(checked.user, this.pepper, this.now()) : null };
	}

	/**
	 * A sign-in that passed every check, whatever its kind (password, passkey): the session,
	 * the account's last sign-in, and the audit record, `detail` saying how.
	 */
	async signedIn(user: SessionUser, actor: Actor, detail?: Record<string, unknown>, sso?: SsoSessionState): Promise<NewSession> {
		const session = await this.startSession(user, actor, sso);
		await this.store.users.signedIn(user.id, this.now().toISOString());
		await writeAudit(this.store, this.now(), { ...actor, principal: session.principal }, { action: 'login', target: auditTarget.user(user.username), outcome: 'success', detail });
		return session;
	}

	/**
	 * Ends every session of the user and starts a new one for the caller (after a password
	 * change: a stolen session dies, and the caller's own id changes too).
	 */
	async rotateSessions(userId: number, actor: Actor): Promise<NewSession> {
		await this.store.sessions.deleteForUser(userId);
		this.accessChanged();
		const user = await this.store.users.byId(userId);
		if (!user) throw new Error(`no user ${userId}`);
		return this.startSession({ id: user.id, username: user.username, role: user.role, must_change_password: user.must_change_password ? 1 : 0 }, actor);
	}

	/** A session for a user a provider or a passkey signed in (`sso`: what re-checking the role needs). */
	async startSession(user: SessionUser, actor: Actor, sso?: SsoSessionState): Promise<NewSession> {
		const now = this.now();
		const sessionId = newSecret('');
		const expiresAt = new Date(now.getTime() + this.settings.session.absolute_timeout_hours * 3_600_000);
		const idHash = this.hash(sessionId);
		await this.store.sessions.create({ idHash, userId: user.id, expiresAt: expiresAt.toISOString(), ip: actor.ip, userAgent: actor.userAgent, sso }, now.toISOString());
		return { sessionId, expiresAt, principal: this.userPrincipal({ ...user, user_id: user.id, id_hash: idHash }) };
	}

	private userPrincipal(s: { user_id: number; username: string; role: Role; id_hash: string; must_change_password: number }): Principal {
		return {
			kind: 'user',
			id: s.user_id,
			name: s.username,
			role: s.role,
			sessionHash: s.id_hash,
			...(s.must_change_password ? { mustChangePassword: true } : {})
		};
	}

	private sessionAlive(s: SessionRow, now: Date): boolean {
		const idleLimit = new Date(s.last_seen_at).getTime() + this.settings.session.idle_timeout_minutes * 60_000;
		return !s.disabled && now < new Date(s.expires_at) && now.getTime() < idleLimit;
	}

	/** Resolves a session cookie; expired (idle or absolute) sessions are deleted and yield null. */
	async session(sessionId: string): Promise<Principal | null> {
		const idHash = this.hash(sessionId);
		const s = await this.store.sessions.get(idHash);
		if (!s) return null;
		const now = this.now();
		if (!this.sessionAlive(s, now)) {
			await this.store.sessions.delete(idHash);
			return null;
		}
		if (now.getTime() - new Date(s.last_seen_at).getTime() > TOUCH_EVERY_MS) await this.store.sessions.touch(idHash, now.toISOString());
		if (s.provider && this.recheck && this.recheckDue(s, now)) {
			const role = await this.recheck(s);
			if (!role) return null;
			return this.userPrincipal({ ...s, role });
		}
		return this.userPrincipal(s);
	}

	private recheckDue(s: SessionRow, now: Date): boolean {
		return !s.role_checked_at || now.getTime() - new Date(s.role_checked_at).getTime() >= this.settings.role_refresh_seconds * 1000;
	}

	/**
	 * Whether a principal resolved earlier still stands as it was: its session or token
	 * is alive, its user enabled, its role unchanged. One indexed read, no writes: for
	 * long-lived requests (event streams) to re-check on their heartbeat.
	 */
	async stillValid(p: Principal): Promise<boolean> {
		const now = this.now();
		if (p.kind === 'cli') return true;
		if (p.kind === 'token') {
			const t = await this.store.tokens.resolve({ id: p.id });
			return t !== undefined && this.tokenPrincipal(t, now)?.role === p.role;
		}
		if (!p.sessionHash) return false;
		const s = await this.store.sessions.get(p.sessionHash);
		return s !== undefined && s.user_id === p.id && s.role === p.role && this.sessionAlive(s, now);
	}

	/** Ends the session; for one a provider signed in, names the provider and its last ID token (the end-session link's hint). */
	async logout(principal: Principal): Promise<{ provider: string; idToken: string | null } | null> {
		if (!principal.sessionHash) return null;
		const s = await this.store.sessions.get(principal.sessionHash);
		await this.store.sessions.delete(principal.sessionHash);
		this.accessChanged();
		return s?.provider ? { provider: s.provider, idToken: s.id_token } : null;
	}

	// Resolved tokens are reused briefly: an API client sends the same token with every request,
	// and a store round trip per request is most of an authenticated request's cost. Keyed by
	// a SHA-256 digest of the secret (never the secret itself, which would then sit in the heap
	// and in any heap snapshot; a 256-bit random secret cannot be recovered from its digest).
	// The HMAC under the pepper, which is what the store holds, is made only on a miss: it cost
	// four times the digest, on every request. Revoking, disabling or deleting through this
	// process forgets them at once; a change made elsewhere (the CLI, another replica) takes
	// effect within TOKEN_REUSE_MS.
	private tokens = new LRUCache<string, { principal: Principal; until: number }>({ max: MAX_REUSED_TOKENS });

	/** Resolves a Bearer token; revoked, expired, unknown or disowned tokens yield null. */
	async token(secret: string): Promise<Principal | null> {
		if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) return null;
		const now = this.now();
		const key = digest('sha256', secret, 'base64url');
		const known = this.tokens.get(key);
		if (known && now.getTime() < known.until) return known.principal;
		const t = await this.store.tokens.resolve({ hash: this.hash(secret) });
		const principal = t && this.tokenPrincipal(t, now);
		if (!t || !principal) {
			this.tokens.delete(key);
			return null;
		}
		if (!t.last_used_at || now.getTime() - new Date(t.last_used_at).getTime() > TOUCH_EVERY_MS) {
			await this.store.tokens.touch(t.id, now.toISOString());
		}
		const expires = t.expires_at ? new Date(t.expires_at).getTime() : Infinity;
		this.tokens.set(key, { principal, until: Math.min(now.getTime() + TOKEN_REUSE_MS, expires) });
		return principal;
	}

	/** The principal a token stands for now, or null: revoked, expired, or its owner gone or disabled. */
	private tokenPrincipal(t: ResolvedToken, now: Date): Principal | null {
		if (t.revoked_at || (t.expires_at && now >= new Date(t.expires_at))) return null;
		if (t.owner_id !== null && (!t.owner_exists || t.owner_disabled)) return null;
		// A token never outranks its owner: demoting a user demotes the tokens they made.
		const role = t.owner_role && !roleAtLeast(t.owner_role, t.role) ? t.owner_role : t.role;
		return { kind: 'token', id: t.id, name: `token:${t.name}`, role, ownerId: t.owner_id };
	}

	/** Drops every reused token resolution (after a revocation, or a user's disable, demotion or deletion). */
	forgetTokens(): void {
		this.forgetLocalTokens();
		this.accessChanged();
	}

	/** Drops this process's reused token resolutions only (another replica announced a change). */
	forgetLocalTokens(): void {
		this.tokens.clear();
	}

	/**
	 * Told when a session ends or reused token resolutions are dropped; with several replicas it
	 * announces the change to the others (replicas/feed.ts), so it holds on every one within a second.
	 */
	accessChanged: () => void = () => {};

	/** Creates an API token; the secret is returned once and only its hash is stored. */
	async createToken(t: { name: string; role: Role; createdBy: string; ownerId: number | null; expiresAt: Date | null }) {
		if (!isRole(t.role)) throw new Error(`unknown role ${t.role}`);
		const secret = newSecret(TOKEN_PREFIX);
		const token = await this.store.tokens.create(
			{
				name: t.name,
				role: t.role,
				tokenHash: this.hash(secret),
				prefix: secret.slice(0, TOKEN_PREFIX.length + 6),
				createdBy: t.createdBy,
				ownerId: t.ownerId,
				expiresAt: t.expiresAt?.toISOString() ?? null
			},
			this.now().toISOString()
		);
		return { token, secret };
	}

	/**
	 * Creates the first admin when there are no users; returns its password once, else null.
	 * The admin must choose a new password at first sign-in: this one has been on a disk.
	 */
	async ensureInitialAdmin(): Promise<string | null> {
		if ((await this.store.users.count()) > 0) return null;
		const password = randomPassword();
		const created = await this.store.users.create(
			{ username: 'admin', passwordHash: await hashPassword(password), role: 'admin', mustChangePassword: true },
			this.now().toISOString()
		);
		return created ? password : null;
	}

	/**
	 * Whether `username` still signs in with `password`: for the start banner, which names
	 * the first admin's password file only while the generated password in it still works.
	 * Not a sign-in: no session, no throttle, no audit record.
	 */
	async stillHasPassword(username: string, password: string): Promise<boolean> {
		const user = await this.store.users.credentials(username);
		return user !== undefined && !user.disabled && (await verifyPassword(password, user.password_hash));
	}

	/** Housekeeping: idle and expired sessions, and throttle counters of windows that have ended. */
	async prune(): Promise<void> {
		const now = this.now();
		const idleCutoff = new Date(now.getTime() - this.settings.session.idle_timeout_minutes * 60_000).toISOString();
		await this.store.sessions.prune(now.toISOString(), idleCutoff);
		await this.store.signInFlows.prune(now.toISOString());
		await this.throttle.prune();
	}

	private hash(secret: string): string {
		return hashSecret(secret, this.pepper);
	}
}

export { hashPassword };
