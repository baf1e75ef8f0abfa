// GitHub's OAuth web flow (GHES-style, under the GitHub base URL): the authorize page
// with a sign-in form, and the code-for-token exchange, with GitHub's quirks — errors
// of the exchange are 200 answers with an `error` field, and the answer is
// form-encoded unless the client asks for JSON.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, sendText } from '../http/respond.js';
import { Router, type Ctx } from '../http/router.js';
import { redirectAllowed } from './apps.js';
import { authenticatedClient, carried, signInStep, webRoutes, type AuthorizationRequest, type WebHandler } from './authorize.js';
import { pkceMatches } from './codes.js';
import type { Identity } from './identity.js';
import { param, redirectTo, requestFields, splitScopes, type Fields } from './oauth.js';
import { knownScope } from './scopes.js';
import { errorPage, sendHtml } from './signin.js';
import { randomToken } from './tokens.js';

const TROUBLESHOOT_TOKEN = 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors';
const TROUBLESHOOT_AUTHORIZE = 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors';

const EXCHANGE_ERRORS = {
	incorrect_client_credentials: ['The client_id and/or client_secret passed are incorrect.', `${TROUBLESHOOT_TOKEN}#incorrect-client-credentials`],
	redirect_uri_mismatch: ['The redirect_uri MUST match the registered callback URL for this application.', `${TROUBLESHOOT_TOKEN}#redirect-uri-mismatch2`],
	bad_verification_code: ['The code passed is incorrect or expired.', `${TROUBLESHOOT_TOKEN}#bad-verification-code`],
	unsupported_grant_type: ['The grant type is not supported.', `${TROUBLESHOOT_TOKEN}`]
} as const;

const REQUEST_PARAMS = ['client_id', 'redirect_uri', 'scope', 'state', 'login', 'allow_signup', 'code_challenge', 'code_challenge_method', 'prompt'] as const;

type Checked =
	| ({ kind: 'ok' } & AuthorizationRequest)
	| { kind: 'page'; status: number; heading: string; detail: string }
	| { kind: 'redirect'; redirectUri: string; error: string; description: string; uri: string; state?: string };

function wantsJson(req: IncomingMessage): boolean {
	return (req.headers.accept ?? '').toLowerCase().includes('application/json');
}

/** The exchange's answer in the format the client asked for. */
function exchangeAnswer(req: IncomingMessage, res: ServerResponse, body: Record<string, string>): void {
	if (wantsJson(req)) return sendJson(res, 200, body, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
	sendText(res, 200, new URLSearchParams(body).toString(), { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8', 'Cache-Control': 'no-store' });
}

function exchangeError(req: IncomingMessage, res: ServerResponse, error: keyof typeof EXCHANGE_ERRORS, description?: string): void {
	const [text, uri] = EXCHANGE_ERRORS[error];
	exchangeAnswer(req, res, { error, error_description: description ?? text, error_uri: uri });
}

export interface GitHubOAuth {
	/** Answers a web-flow path; false when `path` is not one. */
	handle: WebHandler;
}

export function createGitHubOAuth(identity: Identity): GitHubOAuth {
	const router = new Router();
	const dir = identity.directory;

	function checkRequest(f: Fields): Checked {
		const clientId = param(f, 'client_id');
		const app = clientId === undefined ? undefined : identity.apps.find('github', clientId);
		if (!app) return { kind: 'page', status: 404, heading: 'Not Found', detail: 'No OAuth application is registered with this client_id.' };
		const state = param(f, 'state');
		const given = param(f, 'redirect_uri');
		const callback = app.redirectUris?.[0];
		if (given !== undefined && !redirectAllowed(app, given)) {
			if (callback === undefined) return { kind: 'page', status: 400, heading: 'Redirect URI mismatch', detail: 'The redirect_uri must be an http(s) URL on 127.0.0.1, localhost or [::1].' };
			return {
				kind: 'redirect',
				redirectUri: callback,
				error: 'redirect_uri_mismatch',
				description: 'The redirect_uri MUST match the registered callback URL for this application.',
				uri: `${TROUBLESHOOT_AUTHORIZE}#redirect-uri-mismatch`,
				state
			};
		}
		const redirectUri = given ?? callback;
		if (redirectUri === undefined) return { kind: 'page', status: 400, heading: 'Redirect URI required', detail: 'This application has no callback URL registered; give redirect_uri.' };
		const challenge = param(f, 'code_challenge');
		const method = param(f, 'code_challenge_method');
		if (challenge !== undefined && method !== undefined && method !== 'S256') {
			return { kind: 'redirect', redirectUri, error: 'invalid_request', description: 'code_challenge_method must be S256.', uri: TROUBLESHOOT_AUTHORIZE, state };
		}
		// Scopes GitHub does not know are left out of the grant rather than refused.
		const scopes = splitScopes(param(f, 'scope')).filter((s) => knownScope('github', s));
		return { kind: 'ok', app, redirectUri, scopes, state, challenge, request: carried(f, REQUEST_PARAMS) };
	}

	async function authorize(ctx: Ctx): Promise<void> {
		const f = await requestFields(ctx.req, ctx.url);
		const c = checkRequest(f);
		if (c.kind === 'page') return sendHtml(ctx.res, c.status, errorPage('github', c.heading, c.detail));
		if (c.kind === 'redirect') return redirectTo(ctx.res, c.redirectUri, { error: c.error, error_description: c.description, error_uri: c.uri, state: c.state });
		signInStep(ctx, identity, 'github', c, f, 'Incorrect username or password.');
	}

	async function accessToken(ctx: Ctx): Promise<void> {
		const f = await requestFields(ctx.req, ctx.url);
		const { app } = authenticatedClient(identity, 'github', ctx.req, f);
		if (!app) return exchangeError(ctx.req, ctx.res, 'incorrect_client_credentials');
		const grantType = param(f, 'grant_type');
		if (grantType !== undefined && grantType !== 'authorization_code') return exchangeError(ctx.req, ctx.res, 'unsupported_grant_type');
		const code = param(f, 'code');
		const taken = code === undefined ? { kind: 'invalid' as const } : identity.codes.take('github', code);
		if (taken.kind !== 'fresh' || taken.grant.clientId !== app.clientId) return exchangeError(ctx.req, ctx.res, 'bad_verification_code');
		const g = taken.grant;
		const redirectUri = param(f, 'redirect_uri');
		if (redirectUri !== undefined && redirectUri !== g.redirectUri) return exchangeError(ctx.req, ctx.res, 'redirect_uri_mismatch');
		if (g.codeChallenge !== undefined) {
			const verifier = param(f, 'code_verifier');
			if (verifier === undefined || !pkceMatches(g.codeChallenge, verifier)) return exchangeError(ctx.req, ctx.res, 'bad_verification_code', 'The code_verifier does not match the code_challenge.');
		}
		const user = dir.byId(g.userId);
		if (!user) return exchangeError(ctx.req, ctx.res, 'bad_verification_code');
		const grant = identity.tokens.issueAccess('github', `gho_${randomToken(36)}`, app.clientId, user.gitlabId, g.scopes, null);
		g.issued.push(grant.token);
		identity.record('github', 'token', { user: user.username, client_id: app.clientId });
		exchangeAnswer(ctx.req, ctx.res, { access_token: grant.token, token_type: 'bearer', scope: g.scopes.join(',') });
	}

	router.get('/login/oauth/authorize', authorize);
	router.post('/login/oauth/authorize', authorize);
	router.post('/login/oauth/access_token', accessToken);

	return {
		handle: webRoutes(
			router,
			(res) => sendText(res, 405, 'Method Not Allowed\n'),
			(res, err) => sendJson(res, err.status, { error: 'invalid_request', error_description: err.message })
		)
	};
}
