// What both forges' authorize endpoints do once the request checks out: show the
// sign-in form, check the credentials posted back, and send the code to the client.
// Also the client authentication their token endpoints share, and the wrapper that
// answers a forge's web routes.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Ctx, Router } from '../http/router.js';
import type { Forge, OAuthApp } from './apps.js';
import type { Identity } from './identity.js';
import { BodyError, clientCredentials, nowS, param, redirectTo, type Fields } from './oauth.js';
import { sendHtml, signInPage } from './signin.js';

export interface AuthorizationRequest {
	app: OAuthApp;
	redirectUri: string;
	scopes: string[];
	state?: string;
	nonce?: string;
	challenge?: string;
	/** The request's own parameters, carried through the form. */
	request: Record<string, string>;
}

/** The named parameters of `f` that were sent, to carry through the sign-in form. */
export function carried(f: Fields, names: readonly string[]): Record<string, string> {
	const out: Record<string, string> = {};
	for (const k of names) {
		const v = param(f, k);
		if (v !== undefined) out[k] = v;
	}
	return out;
}

/**
 * GET shows the form; POST checks the credentials and answers the form again with
 * `wrongCredentials` (401) or redirects to the client with a code and the state.
 */
export function signInStep(ctx: Ctx, identity: Identity, forge: Forge, a: AuthorizationRequest, f: Fields, wrongCredentials: string): void {
	const dir = identity.directory;
	const form = (status: number, error?: string, login?: string) =>
		sendHtml(ctx.res, status, signInPage({ forge, action: ctx.url.pathname, request: a.request, clientId: a.app.clientId, error, login, users: dir.list().map((u) => u.username) }));
	if (ctx.req.method === 'GET') return form(200, undefined, param(f, 'login'));
	const login = param(f, 'login');
	const user = login === undefined ? undefined : dir.authenticate(login, typeof f.password === 'string' ? f.password : '');
	if (!user) {
		identity.record(forge, 'sign_in_failed', { user: login, client_id: a.app.clientId });
		return form(401, wrongCredentials, login);
	}
	identity.record(forge, 'sign_in', { user: user.username, client_id: a.app.clientId });
	const code = identity.codes.issue({
		forge,
		clientId: a.app.clientId,
		redirectUri: a.redirectUri,
		scopes: a.scopes,
		nonce: a.nonce,
		codeChallenge: a.challenge,
		userId: user.gitlabId,
		authTime: nowS()
	});
	redirectTo(ctx.res, a.redirectUri, { code: code.code, state: a.state });
}

/** The registered app when the request's client credentials match it; `basic` says whether HTTP Basic was tried. */
export function authenticatedClient(identity: Identity, forge: Forge, req: IncomingMessage, f: Fields): { app?: OAuthApp; basic: boolean } {
	const creds = clientCredentials(req, f);
	return { app: creds && identity.apps.authenticate(forge, creds.id, creds.secret), basic: creds?.method === 'client_secret_basic' };
}

export type WebHandler = (req: IncomingMessage, res: ServerResponse, url: URL, path: string) => Promise<boolean>;

/** Answers a path of `router`, or says it is not one (false) so the mount can answer 404. */
export function webRoutes(router: Router, methodNotAllowed: (res: ServerResponse) => void, badBody: (res: ServerResponse, err: BodyError) => void): WebHandler {
	return async (req, res, url, path) => {
		const match = router.match(req.method ?? 'GET', path);
		if (match.kind === 'not_found') return false;
		if (match.kind === 'method_not_allowed') {
			methodNotAllowed(res);
			return true;
		}
		try {
			await match.handler({ req, res, url, path, params: match.params });
		} catch (err) {
			if (!(err instanceof BodyError)) throw err;
			badBody(res, err);
		}
		return true;
	};
}
