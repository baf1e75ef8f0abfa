// Single sign-on: starting an authorization at a provider, finishing it when the browser
// comes back (the flow is taken once, and only by the browser that started it), the role
// from the provider's rules, the account linked by (provider, subject), and the role
// re-checked while the session lasts.
import { LRUCache } from 'lru-cache';
import { calculatePKCECodeChallenge, randomNonce, randomPKCECodeVerifier, randomState } from 'openid-client';
import type { Logger } from 'pino';
import { decideRole, type SsoIdentity } from '$lib/core/sso-roles';
import type { SsoProvider } from '../../config';
import type { Actor } from '../../services/actor';
import { auditTarget, writeAudit } from '../../services/audit';
import type { Store } from '../../store';
import type { SessionRow } from '../../store/sessions';
import type { Role } from '../roles';
import { seal, unseal } from '../secrets';
import { FLOWS_FULL, SignInFlows } from '../sign-in-flows';
import type { Auth, NewSession } from '../service';
import { openNotice, sealNotice, type Notice } from './notice';
import { ProviderError, signInProvider, type ProviderOptions, type SignInProvider } from './providers';

/** How long a browser has to sign in at the provider and come back. */
export const FLOW_TTL_S = 600;
/** After a provider could not be reached, a session's re-check waits this long before trying again. */
const RECHECK_RETRY_MS = 30_000;

interface OAuthFlow {
	provider: string;
	verifier: string;
	nonce: string;
	next: string;
	redirectUri: string;
}

export type Finished = { ok: true; session: NewSession; next: string } | { ok: false; notice: string };

export interface SsoDeps {
	store: Store;
	auth: Auth;
	pepper: string;
	providers: SsoProvider[];
	roleRefreshSeconds: number;
	logger?: Pick<Logger, 'warn'>;
	now?: () => Date;
	providerOptions?: ProviderOptions;
}

export class SingleSignOn {
	readonly providers: Map<string, SignInProvider>;
	private store: Store;
	private auth: Auth;
	private pepper: string;
	private now: () => Date;
	private flows: SignInFlows;
	private refreshMs: number;
	private logger: Pick<Logger, 'warn'> | undefined;
	/** Re-checks under way, per session: concurrent requests share one (a refresh token is spent by its first use). */
	private rechecks = new Map<string, Promise<Role | null>>();
	// When a session's provider last failed a re-check: bounded, as sessions that end during an outage never clear theirs.
	private lastFailure = new LRUCache<string, number>({ max: 10_000 });

	constructor(deps: SsoDeps) {
		this.store = deps.store;
		this.auth = deps.auth;
		this.pepper = deps.pepper;
		this.now = deps.now ?? (() => new Date());
		this.flows = new SignInFlows(deps.store, deps.pepper, this.now);
		this.refreshMs = deps.roleRefreshSeconds * 1000;
		this.logger = deps.logger;
		this.providers = new Map(deps.providers.map((p) => [p.name, signInProvider(p, deps.providerOptions)]));
		deps.auth.onRecheck((s) => this.recheck(s));
	}

	/** The callback URL registered at every provider: `<origin>/api/v1/sign-in/<name>/callback`. */
	static callbackUrl(origin: string, provider: string): string {
		return `${origin}/api/v1/sign-in/${provider}/callback`;
	}

	private notice(n: Notice): string {
		return sealNotice(n, this.pepper, this.now());
	}

	/** A notice this dashboard signed in the last minutes, or null. */
	readNotice(sealed: string | undefined): Notice | null {
		return openNotice(sealed, this.pepper, this.now());
	}

	/** Starts an authorization: the provider's URL to send the browser to, and the state its cookie binds to this browser. */
	async start(name: string, origin: string, next: string): Promise<{ url: string; state: string } | { notice: string }> {
		const provider = this.providers.get(name)!;
		const state = randomState();
		const flow: OAuthFlow = { provider: name, verifier: randomPKCECodeVerifier(), nonce: randomNonce(), next, redirectUri: SingleSignOn.callbackUrl(origin, name) };
		let url: URL;
		try {
			url = await provider.authorizationUrl({ redirectUri: flow.redirectUri, state, nonce: flow.nonce, codeChallenge: await calculatePKCECodeChallenge(flow.verifier) });
		} catch (e) {
			return { notice: this.notice({ kind: 'error', provider: provider.label, message: e instanceof ProviderError ? e.message : `${provider.label} could not be asked to sign you in.` }) };
		}
		if (!(await this.flows.put(state, 'oauth', flow, FLOW_TTL_S * 1000))) return { notice: this.notice({ kind: 'error', provider: provider.label, message: FLOWS_FULL }) };
		return { url: url.toString(), state };
	}

	/**
	 * Finishes an authorization. Refused, with nothing signed in: a state this browser did
	 * not start (no cookie, another one), one already used or expired, a flow of another
	 * provider, any error from the provider or openid-client's checks of its answer (PKCE,
	 * the ID token's signature, iss, aud, exp, nonce), and an identity no rule gives a role.
	 */
	async finish(name: string, query: URLSearchParams, cookieState: string | undefined, actor: Actor): Promise<Finished> {
		const provider = this.providers.get(name)!;
		const state = query.get('state') ?? '';
		const fail = async (reason: string, message: string): Promise<Finished> => {
			await writeAudit(this.store, this.now(), actor, { action: 'login', target: null, outcome: 'failure', detail: { provider: name, reason } });
			return { ok: false, notice: this.notice({ kind: 'error', provider: provider.label, message }) };
		};
		// Taken before anything else is checked: whatever happens next, this state is spent.
		const flow = await this.flows.take<OAuthFlow>(state, 'oauth');
		if (!flow) return fail('unknown_state', 'This sign-in is not one this dashboard started, or it was already used or is older than 10 minutes. Start again.');
		if (!cookieState || cookieState !== state) return fail('state_mismatch', 'This sign-in was started in another browser or tab. Start again here.');
		if (flow.provider !== name) return fail('provider_mismatch', 'This sign-in was started for another provider. Start again.');
		const error = query.get('error');
		if (error) {
			const description = query.get('error_description');
			return fail(`provider:${error}`.slice(0, 100), `${provider.label} did not sign you in: ${error}${description ? ` (${description.slice(0, 300)})` : ''}.`);
		}
		// The URL openid-client checks is the registered redirect URI with the provider's answer, never the Host the request named.
		const url = new URL(flow.redirectUri);
		for (const [k, v] of query) url.searchParams.append(k, v);
		let verified;
		try {
			verified = await provider.finish({ url, state, nonce: flow.nonce, verifier: flow.verifier });
		} catch (e) {
			const message = e instanceof ProviderError ? e.message : `${provider.label}'s answer was not accepted.`;
			return fail('provider_answer', message);
		}
		const { identity } = verified;
		const who = this.auditIdentity(identity);
		const decision = decideRole(provider.config.roles, provider.config.default_role, identity);
		if (!decision.role) {
			const linked = await this.store.users.bySubject(name, identity.subject);
			if (linked) await this.withdraw(linked.id);
			await writeAudit(this.store, this.now(), actor, {
				action: 'login',
				target: auditTarget.user(linked?.username ?? identity.username),
				outcome: 'denied',
				detail: { ...who, reason: 'no role rule matched', ...(linked ? { account_disabled: true } : {}) }
			});
			return { ok: false, notice: this.notice({ kind: 'refused', provider: provider.label, username: identity.username, email: identity.email ?? null, groups: identity.groups, reason: 'no_rule' }) };
		}
		const now = this.now().toISOString();
		const user = await this.store.users.upsertSso({ provider: name, subject: identity.subject, username: identity.username, role: decision.role }, now);
		if (user.disabled) {
			await writeAudit(this.store, this.now(), actor, { action: 'login', target: auditTarget.user(user.username), outcome: 'denied', detail: { ...who, reason: 'account disabled' } });
			return { ok: false, notice: this.notice({ kind: 'refused', provider: provider.label, username: identity.username, email: identity.email ?? null, groups: identity.groups, reason: 'disabled' }) };
		}
		const session = await this.auth.signedIn({ id: user.id, username: user.username, role: user.role, must_change_password: 0 }, actor, { ...who, role: decision.role, rule: decision.rule }, {
			provider: name,
			providerToken: verified.providerToken ? seal(verified.providerToken, this.pepper) : null,
			idToken: verified.idToken,
			roleCheckedAt: now
		});
		return { ok: true, session, next: flow.next };
	}

	/** An identity no rule gives a role any more: its account is disabled (sessions and API tokens with it) until a rule matches again. */
	private async withdraw(userId: number): Promise<void> {
		await this.store.users.refusedByProvider(userId, this.now().toISOString());
		await this.store.sessions.deleteForUser(userId);
		this.auth.forgetTokens();
	}

	/** How the audit log names an identity: the provider and its subject, with what the rules looked at. */
	private auditIdentity(id: SsoIdentity) {
		return { provider: id.provider, subject: id.subject, username: id.username, ...(id.email ? { email: id.email } : {}), groups: id.groups.slice(0, 50) };
	}

	/** The login page's words after a sign-out from a provider's session that offers an end-session link. */
	async signedOut(ended: { provider: string; idToken: string | null }, origin: string): Promise<string | null> {
		const provider = this.providers.get(ended.provider);
		const url = await provider?.endSessionUrl(ended.idToken, `${origin}/login`).catch(() => null);
		return provider && url ? this.notice({ kind: 'signed_out', provider: provider.label, end_session_url: url }) : null;
	}

	private recheck(s: SessionRow): Promise<Role | null> {
		const running = this.rechecks.get(s.id_hash);
		if (running) return running;
		const p = this.recheckOnce(s).finally(() => this.rechecks.delete(s.id_hash));
		this.rechecks.set(s.id_hash, p);
		return p;
	}

	/**
	 * Asks the provider who the user is now (a refresh grant; GitHub: the memberships with the
	 * access token) and applies the rules again. No rule: every session of the user ends. The
	 * provider refusing the token (the user removed, the grant revoked): this session ends. The
	 * provider unreachable: the role stands, tried again in 30 s, until twice the re-check
	 * interval has passed, when the session ends.
	 */
	private async recheckOnce(s: SessionRow): Promise<Role | null> {
		const now = this.now();
		const provider = this.providers.get(s.provider!);
		const actor: Actor = { principal: { kind: 'user', id: s.user_id, name: s.username, role: s.role, sessionHash: s.id_hash }, ip: null, requestId: null, userAgent: null };
		const end = async (reason: string, detail: Record<string, unknown> = {}) => {
			await writeAudit(this.store, now, actor, {
				action: 'login.recheck',
				target: auditTarget.user(s.username),
				outcome: 'denied',
				detail: { provider: s.provider, subject: s.user_subject, from: s.role, to: null, reason, ...detail }
			});
			return null;
		};
		const token = s.provider_token ? unseal(s.provider_token, this.pepper) : null;
		if (!provider || !token) {
			await this.store.sessions.delete(s.id_hash);
			// A passkey sign-in of a provider's account carries no token: it lasts until the role is due for a re-check.
			return end(provider ? 'signed in without the provider; sign in through it again' : 'provider no longer configured');
		}
		const lastFailure = this.lastFailure.get(s.id_hash);
		if (lastFailure && now.getTime() - lastFailure < RECHECK_RETRY_MS) return s.role;
		let verified;
		try {
			verified = await provider.recheck(token);
		} catch (e) {
			this.lastFailure.set(s.id_hash, now.getTime());
			const overdue = now.getTime() - new Date(s.role_checked_at ?? s.created_at).getTime() >= 2 * this.refreshMs;
			this.logger?.warn({ provider: provider.name, user: s.username, err: (e as Error).message }, overdue ? 'role re-check failed past its bound; session ended' : 'role re-check failed; role kept for now');
			if (!overdue) return s.role;
			await this.store.sessions.delete(s.id_hash);
			return end('provider unreachable', { error: (e as Error).message });
		}
		this.lastFailure.delete(s.id_hash);
		if (verified === 'gone' || verified.identity.subject !== s.user_subject) {
			await this.store.sessions.delete(s.id_hash);
			return end('provider refused the session');
		}
		const decision = decideRole(provider.config.roles, provider.config.default_role, verified.identity);
		if (!decision.role) {
			await this.withdraw(s.user_id);
			return end('no role rule matched', { groups: verified.identity.groups.slice(0, 50), account_disabled: true });
		}
		const checkedAt = now.toISOString();
		if (decision.role !== s.role) {
			await this.store.users.update(s.user_id, { role: decision.role }, checkedAt);
			this.auth.forgetTokens();
			await writeAudit(this.store, now, actor, {
				action: 'login.recheck',
				target: auditTarget.user(s.username),
				outcome: 'success',
				detail: { provider: s.provider, subject: s.user_subject, from: s.role, to: decision.role, rule: decision.rule, groups: verified.identity.groups.slice(0, 50) }
			});
		}
		await this.store.users.roleConfirmed(s.user_id, checkedAt);
		await this.store.sessions.rechecked(s.id_hash, {
			providerToken: verified.providerToken ? seal(verified.providerToken, this.pepper) : null,
			idToken: verified.idToken ?? s.id_token,
			roleCheckedAt: checkedAt
		});
		return decision.role;
	}
}
