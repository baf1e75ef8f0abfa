// GitLab as an OpenID Connect provider, at the GitLab base URL (the issuer): discovery,
// authorize with a sign-in form, token (authorization code with PKCE S256, refresh
// token), userinfo, JWKS, revocation and RP-initiated logout. Errors are worded as
// GitLab's Doorkeeper words them.

import type { ServerResponse } from 'node:http';
import { sendJson } from '../http/respond.js';
import { Router, type Ctx } from '../http/router.js';
import { redirectAllowed } from './apps.js';
import { authenticatedClient, carried, signInStep, webRoutes, type AuthorizationRequest, type WebHandler } from './authorize.js';
import { pkceMatches } from './codes.js';
import type { User } from './directory.js';
import type { Identity } from './identity.js';
import { nowS, param, redirectTo, requestFields, splitScopes, type Fields } from './oauth.js';
import { GITLAB_SCOPES } from './scopes.js';
import { errorPage, sendHtml, signedOutPage } from './signin.js';
import { GITLAB_ACCESS_TTL_S, randomHex, type AccessGrant } from './tokens.js';

/** GitLab's ID tokens live two minutes (doorkeeper-openid_connect's default). */
export const ID_TOKEN_TTL_S = 120;

const CLAIMS_SUPPORTED = ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'name', 'nickname', 'preferred_username', 'email', 'email_verified', 'profile', 'groups', 'groups_direct'];

const DESCRIPTIONS = {
	invalid_client: 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
	invalid_redirect_uri: 'The redirect URI included is not valid.',
	invalid_grant: 'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
	unsupported_grant_type: 'The authorization grant type is not supported by the authorization server.',
	unsupported_response_type: 'The authorization server does not support this response type.',
	invalid_scope: 'The requested scope is invalid, unknown, or malformed.',
	invalid_token: 'The access token is invalid',
	expired_token: 'The access token expired',
	revoked_token: 'The access token was revoked',
	insufficient_scope: 'The request requires higher privileges than provided by the access token.'
} as const;

/** The authorization request parameters the sign-in form carries through. */
const REQUEST_PARAMS = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'prompt'] as const;

type Checked =
	| ({ kind: 'ok' } & AuthorizationRequest)
	| { kind: 'page'; status: number; heading: string; detail: string }
	| { kind: 'redirect'; redirectUri: string; error: string; description: string; state?: string };

function tokenResponseError(res: ServerResponse, status: number, error: keyof typeof DESCRIPTIONS | 'invalid_request', description?: string, basicUsed = false): void {
	const headers: Record<string, string> = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
	// RFC 6749 §5.2: a client that tried HTTP Basic is challenged for it.
	if (status === 401 && basicUsed) headers['WWW-Authenticate'] = 'Basic realm="Doorkeeper"';
	sendJson(res, status, { error, error_description: description ?? DESCRIPTIONS[error as keyof typeof DESCRIPTIONS] }, headers);
}

function bearerError(res: ServerResponse, status: 401 | 403, error: string, description: string, scope?: string): void {
	const scopePart = scope ? `, scope="${scope}"` : '';
	sendJson(res, status, { error, error_description: description, ...(scope ? { scope } : {}) }, { 'WWW-Authenticate': `Bearer realm="Doorkeeper", error="${error}", error_description="${description}"${scopePart}` });
}

export interface GitLabOidc {
	/** Answers an OpenID/OAuth path; false when `path` is not one. */
	handle: WebHandler;
}

export function createGitLabOidc(identity: Identity, issuer: () => string): GitLabOidc {
	const router = new Router();
	const dir = identity.directory;

	function discovery() {
		const iss = issuer();
		return {
			issuer: iss,
			authorization_endpoint: `${iss}/oauth/authorize`,
			token_endpoint: `${iss}/oauth/token`,
			revocation_endpoint: `${iss}/oauth/revoke`,
			userinfo_endpoint: `${iss}/oauth/userinfo`,
			jwks_uri: `${iss}/oauth/discovery/keys`,
			...(identity.endSession ? { end_session_endpoint: `${iss}/oauth/end_session` } : {}),
			scopes_supported: [...GITLAB_SCOPES],
			response_types_supported: ['code'],
			response_modes_supported: ['query'],
			grant_types_supported: ['authorization_code', 'refresh_token'],
			token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
			subject_types_supported: ['public'],
			id_token_signing_alg_values_supported: ['RS256'],
			claim_types_supported: ['normal'],
			claims_supported: CLAIMS_SUPPORTED,
			code_challenge_methods_supported: ['S256']
		};
	}

	/** The profile claims; GitLab puts `groups_direct` in the ID token and `groups` in userinfo only. */
	function profileClaims(u: User, scopes: string[], where: 'id_token' | 'userinfo'): Record<string, unknown> {
		const c: Record<string, unknown> = { name: u.name, nickname: u.username, preferred_username: u.username };
		// Without the email scope GitLab shares the public email, which no sandbox user has.
		if (scopes.includes('email')) {
			c.email = u.email;
			c.email_verified = true;
		}
		c.profile = `${issuer()}/${u.username}`;
		if (where === 'id_token') c.groups_direct = dir.gitlabGroupsDirect(u);
		else c.groups = dir.gitlabGroups(u);
		return c;
	}

	async function idToken(u: User, clientId: string, scopes: string[], authTime: number, nonce?: string): Promise<string> {
		const iat = nowS();
		return identity.key.sign({
			iss: issuer(),
			sub: String(u.gitlabId),
			aud: clientId,
			exp: iat + ID_TOKEN_TTL_S,
			iat,
			auth_time: authTime,
			...(nonce !== undefined ? { nonce } : {}),
			...profileClaims(u, scopes, 'id_token')
		});
	}

	/** Issues an access token, a refresh token and (with `openid`) an ID token. */
	async function issue(res: ServerResponse, u: User, clientId: string, scopes: string[], authTime: number, nonce?: string): Promise<AccessGrant> {
		const access = identity.tokens.issueAccess('gitlab', randomHex(), clientId, u.gitlabId, scopes, GITLAB_ACCESS_TTL_S);
		const refresh = identity.tokens.issueRefresh({ clientId, userId: u.gitlabId, scopes, authTime, access: access.token });
		const body: Record<string, unknown> = {
			access_token: access.token,
			token_type: 'Bearer',
			expires_in: GITLAB_ACCESS_TTL_S,
			refresh_token: refresh.token,
			scope: scopes.join(' '),
			created_at: Math.floor(access.createdAt / 1000)
		};
		if (scopes.includes('openid')) body.id_token = await idToken(u, clientId, scopes, authTime, nonce);
		sendJson(res, 200, body, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
		return access;
	}

	function checkRequest(f: Fields): Checked {
		const clientId = param(f, 'client_id');
		const app = clientId === undefined ? undefined : identity.apps.find('gitlab', clientId);
		if (!app) return { kind: 'page', status: 401, heading: 'An error has occurred', detail: DESCRIPTIONS.invalid_client };
		const redirectUri = param(f, 'redirect_uri');
		if (redirectUri === undefined || !redirectAllowed(app, redirectUri)) return { kind: 'page', status: 400, heading: 'An error has occurred', detail: DESCRIPTIONS.invalid_redirect_uri };
		const state = param(f, 'state');
		const fail = (error: string, description: string): Checked => ({ kind: 'redirect', redirectUri, error, description, state });
		if (param(f, 'response_type') !== 'code') return fail('unsupported_response_type', DESCRIPTIONS.unsupported_response_type);
		const scopes = splitScopes(param(f, 'scope'));
		if (scopes.length === 0 || !scopes.every((s) => (GITLAB_SCOPES as readonly string[]).includes(s))) return fail('invalid_scope', DESCRIPTIONS.invalid_scope);
		const challenge = param(f, 'code_challenge');
		if (challenge === undefined) return fail('invalid_request', 'Missing required parameter: code_challenge.');
		if (param(f, 'code_challenge_method') !== 'S256') return fail('invalid_request', 'The code_challenge_method must be S256.');
		// The sandbox keeps no sign-in session of its own, so a silent authorization never succeeds.
		if (param(f, 'prompt') === 'none') return fail('login_required', 'The authorization server requires end-user authentication.');
		return { kind: 'ok', app, redirectUri, scopes, state, nonce: param(f, 'nonce'), challenge, request: carried(f, REQUEST_PARAMS) };
	}

	async function authorize(ctx: Ctx): Promise<void> {
		const f = await requestFields(ctx.req, ctx.url);
		const c = checkRequest(f);
		if (c.kind === 'page') return sendHtml(ctx.res, c.status, errorPage('gitlab', c.heading, c.detail));
		if (c.kind === 'redirect') return redirectTo(ctx.res, c.redirectUri, { error: c.error, error_description: c.description, state: c.state });
		signInStep(ctx, identity, 'gitlab', c, f, 'Invalid login or password.');
	}

	async function token(ctx: Ctx): Promise<void> {
		const f = await requestFields(ctx.req, ctx.url);
		const { app, basic } = authenticatedClient(identity, 'gitlab', ctx.req, f);
		if (!app) return tokenResponseError(ctx.res, 401, 'invalid_client', undefined, basic);
		const grantType = param(f, 'grant_type');
		if (grantType === 'authorization_code') {
			const code = param(f, 'code');
			if (code === undefined) return tokenResponseError(ctx.res, 400, 'invalid_request', 'Missing required parameter: code.');
			const taken = identity.codes.take('gitlab', code);
			if (taken.kind === 'replayed') {
				// RFC 6749 §4.1.2: a code used twice takes back the tokens it gave.
				identity.tokens.revokeAccess('gitlab', taken.grant.issued);
				identity.record('gitlab', 'code_replayed', { user: dir.byId(taken.grant.userId)?.username, client_id: app.clientId });
				return tokenResponseError(ctx.res, 400, 'invalid_grant');
			}
			if (taken.kind === 'invalid') return tokenResponseError(ctx.res, 400, 'invalid_grant');
			const g = taken.grant;
			const verifier = param(f, 'code_verifier');
			const user = dir.byId(g.userId);
			if (g.clientId !== app.clientId || param(f, 'redirect_uri') !== g.redirectUri || !user) return tokenResponseError(ctx.res, 400, 'invalid_grant');
			if (verifier === undefined || !g.codeChallenge || !pkceMatches(g.codeChallenge, verifier)) return tokenResponseError(ctx.res, 400, 'invalid_grant');
			const access = await issue(ctx.res, user, app.clientId, g.scopes, g.authTime, g.nonce);
			g.issued.push(access.token);
			identity.record('gitlab', 'token', { user: user.username, client_id: app.clientId });
			return;
		}
		if (grantType === 'refresh_token') {
			const raw = param(f, 'refresh_token');
			if (raw === undefined) return tokenResponseError(ctx.res, 400, 'invalid_request', 'Missing required parameter: refresh_token.');
			const r = identity.tokens.findRefresh(raw);
			const user = r && dir.byId(r.userId);
			if (!r || r.revoked || r.clientId !== app.clientId || !user) return tokenResponseError(ctx.res, 400, 'invalid_grant');
			// Rotation: the old refresh token is spent, the new tokens carry today's groups.
			r.revoked = true;
			await issue(ctx.res, user, app.clientId, r.scopes, r.authTime);
			identity.record('gitlab', 'refresh', { user: user.username, client_id: app.clientId });
			return;
		}
		return tokenResponseError(ctx.res, 400, 'unsupported_grant_type');
	}

	function userinfo(ctx: Ctx): void {
		const auth = ctx.req.headers.authorization;
		const presented = auth?.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : undefined;
		if (presented === undefined) return bearerError(ctx.res, 401, 'invalid_token', DESCRIPTIONS.invalid_token);
		const found = identity.tokens.lookup('gitlab', presented);
		if (!found.ok || found.grant.kind !== 'oauth' || found.grant.userId === null) {
			const reason = found.ok ? 'unknown' : found.reason;
			const description = reason === 'expired' ? DESCRIPTIONS.expired_token : reason === 'revoked' ? DESCRIPTIONS.revoked_token : DESCRIPTIONS.invalid_token;
			return bearerError(ctx.res, 401, 'invalid_token', description);
		}
		const g = found.grant;
		if (!g.scopes.includes('openid')) return bearerError(ctx.res, 403, 'insufficient_scope', DESCRIPTIONS.insufficient_scope, 'openid');
		const u = dir.byId(g.userId as number) as User;
		sendJson(ctx.res, 200, { sub: String(u.gitlabId), ...profileClaims(u, g.scopes, 'userinfo') }, { 'Cache-Control': 'no-store' });
	}

	async function revoke(ctx: Ctx): Promise<void> {
		const f = await requestFields(ctx.req, ctx.url);
		const { app, basic } = authenticatedClient(identity, 'gitlab', ctx.req, f);
		if (!app) return tokenResponseError(ctx.res, 401, 'invalid_client', undefined, basic);
		const t = param(f, 'token');
		if (t === undefined) return tokenResponseError(ctx.res, 400, 'invalid_request', 'Missing required parameter: token.');
		identity.tokens.revokeOAuth('gitlab', t, app.clientId);
		identity.record('gitlab', 'revoke', { client_id: app.clientId });
		sendJson(ctx.res, 200, {});
	}

	async function endSession(ctx: Ctx): Promise<void> {
		if (!identity.endSession) return sendJson(ctx.res, 404, { error: '404 Not Found' });
		const f = await requestFields(ctx.req, ctx.url);
		const hint = param(f, 'id_token_hint');
		const claims = hint === undefined ? undefined : await identity.key.claimsOf(hint);
		if (hint !== undefined && (!claims || claims.iss !== issuer())) return sendHtml(ctx.res, 400, errorPage('gitlab', 'Sign-out failed', 'id_token_hint is not an ID token this GitLab issued.'));
		const aud = claims?.aud;
		const clientId = param(f, 'client_id') ?? (typeof aud === 'string' ? aud : Array.isArray(aud) ? aud[0] : undefined);
		if (clientId !== undefined && typeof aud === 'string' && aud !== clientId) return sendHtml(ctx.res, 400, errorPage('gitlab', 'Sign-out failed', 'client_id does not match the audience of id_token_hint.'));
		const post = param(f, 'post_logout_redirect_uri');
		const app = clientId === undefined ? undefined : identity.apps.find('gitlab', clientId);
		if (post !== undefined && (!app || !redirectAllowed(app, post))) {
			return sendHtml(ctx.res, 400, errorPage('gitlab', 'Sign-out failed', 'post_logout_redirect_uri is not registered for this application (give client_id or id_token_hint).'));
		}
		const user = claims ? dir.byId(Number(claims.sub)) : undefined;
		identity.record('gitlab', 'end_session', { user: user?.username, client_id: clientId });
		if (post === undefined) return sendHtml(ctx.res, 200, signedOutPage('gitlab'));
		redirectTo(ctx.res, post, { state: param(f, 'state') });
	}

	router.get('/.well-known/openid-configuration', (ctx) => sendJson(ctx.res, 200, discovery()));
	router.get('/oauth/discovery/keys', async (ctx) => sendJson(ctx.res, 200, await identity.key.jwks(), { 'Content-Type': 'application/json' }));
	router.get('/oauth/authorize', authorize);
	router.post('/oauth/authorize', authorize);
	router.post('/oauth/token', token);
	router.get('/oauth/userinfo', userinfo);
	router.post('/oauth/userinfo', userinfo);
	router.post('/oauth/revoke', revoke);
	router.get('/oauth/end_session', endSession);
	router.post('/oauth/end_session', endSession);

	return {
		handle: webRoutes(
			router,
			(res) => sendJson(res, 405, { error: '405 Not Allowed' }),
			(res, err) => tokenResponseError(res, err.status, 'invalid_request', err.message)
		)
	};
}
