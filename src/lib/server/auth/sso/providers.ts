// The sign-in providers: any OpenID Connect provider and GitLab through openid-client
// (discovery, authorization code + PKCE, state, nonce, the ID token verified against the
// provider's JWKS), and GitHub's OAuth app (the code exchange through openid-client,
// who the user is and their orgs and teams through Octokit).
import { Octokit } from '@octokit/rest';
import * as oidc from 'openid-client';
import type { SsoIdentity } from '$lib/core/sso-roles';
import type { SsoProvider } from '../../config';

/** What the browser comes back with, and what the sign-in that sent it there kept. */
export interface Callback {
	/** The registered redirect URI with the provider's query (code, state, iss, error…). */
	url: URL;
	state: string;
	nonce: string;
	verifier: string;
}

/** A provider's answer at sign-in and at each re-check. */
export interface Verified {
	identity: SsoIdentity;
	/** What re-checks the role later: the refresh token (OIDC), the access token (GitHub); null when there is none. */
	providerToken: string | null;
	idToken: string | null;
}

export interface SignInProvider {
	readonly name: string;
	readonly label: string;
	readonly config: SsoProvider;
	authorizationUrl(a: { redirectUri: string; state: string; nonce: string; codeChallenge: string }): Promise<URL>;
	finish(c: Callback): Promise<Verified>;
	/** Who the user is now, with a token kept at sign-in; 'gone' when the provider no longer accepts it. */
	recheck(providerToken: string): Promise<Verified | 'gone'>;
	/** The provider's end-session link, when it offers one. */
	endSessionUrl(idToken: string | null, postLogoutRedirectUri: string): Promise<string | null>;
}

/** A provider's refusal or a failure to reach it, in words for the login page. */
export class ProviderError extends Error {
	override name = 'ProviderError';
	constructor(
		message: string,
		/** The provider refused the grant (a spent refresh token, a deleted user): the session cannot go on. */
		readonly refused = false
	) {
		super(message);
	}
}

export interface ProviderOptions {
	/** Replaces fetch for the protocol's requests (tests serve a provider from memory). */
	fetch?: typeof fetch;
	timeoutMs?: number;
}

const stringList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);
const loopback = (u: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);

/** openid-client's and the provider's errors as one sentence. */
function explain(label: string, e: unknown): ProviderError {
	if (e instanceof ProviderError) return e;
	if (e instanceof oidc.ResponseBodyError || e instanceof oidc.AuthorizationResponseError) {
		const refused = e instanceof oidc.ResponseBodyError && e.error === 'invalid_grant';
		return new ProviderError(`${label} refused the sign-in: ${e.error}${e.error_description ? ` (${e.error_description})` : ''}.`, refused);
	}
	const err = e as Error & { code?: string; cause?: unknown };
	if (err?.name === 'TypeError' || err?.name === 'TimeoutError' || err?.name === 'AbortError') {
		return new ProviderError(`${label} could not be reached: ${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}.`);
	}
	// openid-client wraps the check that failed (oauth4webapi's, naming the claim) in a general one.
	let inner: unknown = e;
	while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
	return new ProviderError(`${label}'s answer was not accepted: ${inner instanceof Error ? inner.message : String(e)}.`);
}

function applyOptions(config: oidc.Configuration, opts: ProviderOptions, insecure: boolean) {
	if (opts.fetch) config[oidc.customFetch] = opts.fetch as never;
	config.timeout = Math.ceil((opts.timeoutMs ?? 10_000) / 1000);
	// Plain http only to a provider on this machine (the sandbox); anywhere else it is https.
	if (insecure) oidc.allowInsecureRequests(config);
	// The ID token's signature is checked against the provider's JWKS even over TLS: the
	// dashboard trusts the token, not just the connection it came over.
	oidc.enableNonRepudiationChecks(config);
}

/** An OpenID Connect provider (GitLab is one with its own groups claims). */
export class OidcProvider implements SignInProvider {
	readonly name: string;
	readonly label: string;
	private discovered: Promise<oidc.Configuration> | null = null;

	constructor(
		readonly config: Extract<SsoProvider, { type: 'oidc' | 'gitlab' }>,
		private opts: ProviderOptions = {}
	) {
		this.name = config.name;
		this.label = config.label ?? (config.type === 'gitlab' ? 'GitLab' : config.name);
	}

	private get issuer(): URL {
		return new URL(this.config.type === 'gitlab' ? this.config.url.replace(/\/$/, '') : this.config.issuer);
	}

	private get scopes(): string[] {
		return this.config.type === 'gitlab' ? ['openid', 'profile', 'email'] : this.config.scopes;
	}

	/** Discovery once; a failed one is tried again at the next sign-in. */
	private configuration(): Promise<oidc.Configuration> {
		if (!this.discovered) {
			const issuer = this.issuer;
			const insecure = issuer.protocol === 'http:' && (loopback(issuer) || this.config.simulated);
			this.discovered = oidc
				.discovery(issuer, this.config.client_id, this.config.clientSecret, undefined, {
					...(this.opts.fetch ? { [oidc.customFetch]: this.opts.fetch as unknown as oidc.CustomFetch } : {}),
					timeout: Math.ceil((this.opts.timeoutMs ?? 10_000) / 1000),
					execute: insecure ? [oidc.allowInsecureRequests] : []
				})
				.then((c) => (applyOptions(c, this.opts, insecure), c));
			this.discovered.catch(() => (this.discovered = null));
		}
		return this.discovered.catch((e) => {
			throw explain(this.label, e);
		});
	}

	async authorizationUrl(a: { redirectUri: string; state: string; nonce: string; codeChallenge: string }): Promise<URL> {
		const config = await this.configuration();
		return oidc.buildAuthorizationUrl(config, {
			redirect_uri: a.redirectUri,
			scope: this.scopes.join(' '),
			code_challenge: a.codeChallenge,
			code_challenge_method: 'S256',
			state: a.state,
			nonce: a.nonce
		});
	}

	async finish(c: Callback): Promise<Verified> {
		const config = await this.configuration();
		try {
			const tokens = await oidc.authorizationCodeGrant(config, c.url, { pkceCodeVerifier: c.verifier, expectedState: c.state, expectedNonce: c.nonce, idTokenExpected: true });
			return await this.verified(config, tokens);
		} catch (e) {
			throw explain(this.label, e);
		}
	}

	async recheck(refreshToken: string): Promise<Verified | 'gone'> {
		const config = await this.configuration();
		try {
			const tokens = await oidc.refreshTokenGrant(config, refreshToken);
			// Some providers keep the refresh token and rotate nothing: the old one stays good.
			return await this.verified(config, tokens, refreshToken);
		} catch (e) {
			const err = explain(this.label, e);
			if (err.refused) return 'gone';
			throw err;
		}
	}

	private async verified(config: oidc.Configuration, tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, keptRefresh?: string): Promise<Verified> {
		const claims = tokens.claims();
		if (!claims) throw new ProviderError(`${this.label} sent no ID token.`);
		const groupsClaim = this.config.groups_claim;
		const usernameClaim = this.config.type === 'gitlab' ? 'preferred_username' : this.config.username_claim;
		let source: Record<string, unknown> = claims;
		// GitLab puts `groups` (with inherited subgroups) in userinfo only; other providers may do the same with theirs.
		if (!(groupsClaim in claims)) source = { ...(await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)), ...claims };
		const email = typeof source.email === 'string' && source.email_verified === true ? source.email : undefined;
		const username = typeof source[usernameClaim] === 'string' ? (source[usernameClaim] as string) : typeof source.email === 'string' ? source.email : claims.sub;
		return {
			identity: {
				provider: this.name,
				subject: claims.sub,
				username,
				name: typeof source.name === 'string' ? source.name : undefined,
				email,
				groups: stringList(source[groupsClaim])
			},
			providerToken: tokens.refresh_token ?? keptRefresh ?? null,
			idToken: tokens.id_token ?? null
		};
	}

	async endSessionUrl(idToken: string | null, postLogoutRedirectUri: string): Promise<string | null> {
		const config = await this.configuration().catch(() => null);
		if (!config?.serverMetadata().end_session_endpoint) return null;
		return oidc
			.buildEndSessionUrl(config, { ...(idToken ? { id_token_hint: idToken } : {}), client_id: this.config.client_id, post_logout_redirect_uri: postLogoutRedirectUri })
			.toString();
	}
}

/**
 * GitHub answers a refused code exchange with status 200 and an `error` field; OAuth
 * says 400, which is what openid-client reads as the provider's refusal.
 */
function githubTokenErrors(inner: typeof fetch): typeof fetch {
	return async (input, init) => {
		const res = await inner(input, init);
		if (res.status !== 200 || !String(input instanceof Request ? input.url : input).endsWith('/login/oauth/access_token')) return res;
		const body = (await res.clone().json().catch(() => null)) as { error?: unknown } | null;
		if (!body || typeof body.error !== 'string') return res;
		return new Response(JSON.stringify(body), { status: 400, headers: { 'content-type': 'application/json' } });
	};
}

/** A GitHub OAuth app (github.com or GitHub Enterprise Server): orgs and `org/team` slugs are the groups. */
export class GithubProvider implements SignInProvider {
	readonly name: string;
	readonly label: string;
	private oauth: oidc.Configuration;
	private apiUrl: string;

	constructor(
		readonly config: Extract<SsoProvider, { type: 'github' }>,
		private opts: ProviderOptions = {}
	) {
		this.name = config.name;
		this.label = config.label ?? 'GitHub';
		const web = config.url.replace(/\/$/, '');
		const url = new URL(web);
		this.apiUrl = (config.api_url ?? (url.hostname === 'github.com' ? 'https://api.github.com' : `${web}/api/v3`)).replace(/\/$/, '');
		this.oauth = new oidc.Configuration(
			{ issuer: web, authorization_endpoint: `${web}/login/oauth/authorize`, token_endpoint: `${web}/login/oauth/access_token` },
			config.client_id,
			config.clientSecret
		);
		applyOptions(this.oauth, { ...opts, fetch: githubTokenErrors(opts.fetch ?? fetch) }, url.protocol === 'http:' && (loopback(url) || config.simulated));
	}

	async authorizationUrl(a: { redirectUri: string; state: string; codeChallenge: string }): Promise<URL> {
		// `read:org` lists private memberships; `user:email` the verified addresses.
		return oidc.buildAuthorizationUrl(this.oauth, {
			redirect_uri: a.redirectUri,
			scope: 'read:org user:email',
			code_challenge: a.codeChallenge,
			code_challenge_method: 'S256',
			state: a.state,
			allow_signup: 'false'
		});
	}

	async finish(c: Callback): Promise<Verified> {
		try {
			const tokens = await oidc.authorizationCodeGrant(this.oauth, c.url, { pkceCodeVerifier: c.verifier, expectedState: c.state });
			return { identity: await this.identity(tokens.access_token), providerToken: tokens.access_token, idToken: null };
		} catch (e) {
			throw explain(this.label, e);
		}
	}

	async recheck(accessToken: string): Promise<Verified | 'gone'> {
		try {
			return { identity: await this.identity(accessToken), providerToken: accessToken, idToken: null };
		} catch (e) {
			if ((e as { status?: number }).status === 401) return 'gone';
			throw explain(this.label, e);
		}
	}

	private async identity(token: string): Promise<SsoIdentity> {
		const octokit = new Octokit({
			auth: token,
			baseUrl: this.apiUrl,
			userAgent: 'runner-dashboard',
			request: { ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}), signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000) }
		});
		const [{ data: user }, orgs, teams, emails] = await Promise.all([
			octokit.rest.users.getAuthenticated(),
			octokit.paginate(octokit.rest.orgs.listForAuthenticatedUser, { per_page: 100 }),
			octokit.paginate(octokit.rest.teams.listForAuthenticatedUser, { per_page: 100 }),
			// Without the user:email grant (an app that asked for less), no email: the rules by domain then do not match.
			octokit.paginate(octokit.rest.users.listEmailsForAuthenticatedUser, { per_page: 100 }).catch(() => [])
		]);
		const primary = emails.find((e) => e.primary && e.verified);
		return {
			provider: this.name,
			subject: String(user.id),
			username: user.login,
			name: user.name ?? undefined,
			email: primary?.email,
			groups: [...orgs.map((o) => o.login), ...teams.map((t) => `${t.organization.login}/${t.slug}`)]
		};
	}

	async endSessionUrl(): Promise<string | null> {
		// GitHub has no end-session endpoint for OAuth apps.
		return null;
	}
}

export function signInProvider(p: SsoProvider, opts: ProviderOptions = {}): SignInProvider {
	return p.type === 'github' ? new GithubProvider(p, opts) : new OidcProvider(p, opts);
}
