// The sandbox GitLab as an OpenID Connect provider, driven by openid-client v6 the way a
// relying party uses it: discovery, authorization URL with PKCE, state and nonce, the
// sign-in form, the code exchange with ID token validation, userinfo, refresh, revoke
// and sign-out.

import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../index.js';
import { controlOk, control, start } from '../testing.js';
import { CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, gitbeaker, openSignInForm, signInAt, submitSignIn, type GitLabHttpError } from './testing.js';

let sb: Sandbox;
let issuer: string;
let config: client.Configuration;

async function discover(auth?: client.ClientAuth): Promise<client.Configuration> {
	return client.discovery(new URL(issuer), CLIENT_ID, CLIENT_SECRET, auth, { execute: [client.allowInsecureRequests] });
}

interface Started {
	url: URL;
	verifier: string;
	state: string;
	nonce: string;
}

async function authorizeUrl(cfg: client.Configuration, extra: Record<string, string> = {}): Promise<Started> {
	const verifier = client.randomPKCECodeVerifier();
	const state = client.randomState();
	const nonce = client.randomNonce();
	const url = client.buildAuthorizationUrl(cfg, {
		redirect_uri: REDIRECT_URI,
		scope: 'openid profile email',
		code_challenge: await client.calculatePKCECodeChallenge(verifier),
		code_challenge_method: 'S256',
		state,
		nonce,
		...extra
	});
	return { url, verifier, state, nonce };
}

async function signIn(login: string, cfg = config, scope = 'openid profile email') {
	const s = await authorizeUrl(cfg, { scope });
	const callback = await signInAt(s.url, login);
	return client.authorizationCodeGrant(cfg, callback, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce });
}

/** What a failed openid-client call carries: the OAuth error code, or the message. */
async function oauthError(p: Promise<unknown>): Promise<string> {
	try {
		await p;
	} catch (err) {
		const e = err as { error?: string; cause?: { error?: string }; message: string };
		return e.error ?? e.cause?.error ?? e.message;
	}
	throw new Error('expected the call to fail');
}

beforeAll(async () => {
	sb = await start();
	issuer = `${sb.url}/gitlab`;
	config = await discover();
});
afterAll(() => sb.close());

describe('discovery and keys', () => {
	it('publishes the provider metadata with the GitLab base URL as issuer', async () => {
		const m = config.serverMetadata();
		expect(m.issuer).toBe(issuer);
		expect(m.authorization_endpoint).toBe(`${issuer}/oauth/authorize`);
		expect(m.token_endpoint).toBe(`${issuer}/oauth/token`);
		expect(m.userinfo_endpoint).toBe(`${issuer}/oauth/userinfo`);
		expect(m.jwks_uri).toBe(`${issuer}/oauth/discovery/keys`);
		expect(m.revocation_endpoint).toBe(`${issuer}/oauth/revoke`);
		expect(m.end_session_endpoint).toBe(`${issuer}/oauth/end_session`);
		expect(m.code_challenge_methods_supported).toEqual(['S256']);
		expect(m.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post']);
		expect(m.id_token_signing_alg_values_supported).toEqual(['RS256']);
		expect(m.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'read_user', 'read_api', 'api']));
	});

	it('serves one RS256 signing key as a JWK Set', async () => {
		const jwks = (await (await fetch(`${issuer}/oauth/discovery/keys`)).json()) as { keys: Record<string, string>[] };
		expect(jwks.keys).toHaveLength(1);
		expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
		expect(jwks.keys[0]?.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(jwks.keys[0]).not.toHaveProperty('d');
	});
});

describe('authorization code flow with PKCE', () => {
	it('signs alice in: the ID token verifies against the JWKS and carries her direct groups', async () => {
		const s = await authorizeUrl(config);
		const form = await openSignInForm(s.url);
		expect(form.html).toContain('<h1>Sign in to GitLab</h1>');
		expect(form.html).toContain('<label for="login_field">Username or primary email</label>');
		expect(form.fields).toMatchObject({ client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, state: s.state, nonce: s.nonce, code_challenge_method: 'S256' });

		const res = await submitSignIn(form, 'alice', 'sandbox');
		expect(res.status).toBe(302);
		const callback = new URL(res.headers.get('location') as string);
		expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
		expect(callback.searchParams.get('state')).toBe(s.state);
		expect(callback.searchParams.get('code')).toMatch(/^[0-9a-f]{64}$/);

		const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce });
		expect(tokens.token_type).toBe('bearer');
		expect(tokens.expires_in).toBe(7200);
		expect(tokens.refresh_token).toMatch(/^[0-9a-f]{64}$/);
		expect(tokens.scope).toBe('openid profile email');
		const claims = tokens.claims();
		expect(claims).toMatchObject({
			iss: issuer,
			sub: '201',
			aud: CLIENT_ID,
			nonce: s.nonce,
			name: 'Alice Adams',
			nickname: 'alice',
			preferred_username: 'alice',
			email: 'alice@sandbox.invalid',
			email_verified: true,
			profile: `${issuer}/alice`,
			groups_direct: ['platform/sre']
		});
		expect(claims).not.toHaveProperty('groups');
		const now = Math.floor(Date.now() / 1000);
		expect(claims?.exp).toBe((claims?.iat as number) + 120);
		expect(Math.abs((claims?.auth_time as number) - now)).toBeLessThan(30);

		// Independently of openid-client: the signature checks out against the published keys.
		const keys = createRemoteJWKSet(new URL(`${issuer}/oauth/discovery/keys`));
		const { payload, protectedHeader } = await jwtVerify(tokens.id_token as string, keys, { issuer, audience: CLIENT_ID });
		expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT' });
		expect(payload.sub).toBe('201');
	});

	it('answers userinfo with the inherited groups: bob, in platform, is also in platform/sre', async () => {
		const alice = await signIn('alice');
		const bob = await signIn('bob');
		expect(bob.claims()?.groups_direct).toEqual(['platform']);
		const info = await client.fetchUserInfo(config, bob.access_token, '202');
		expect(info).toMatchObject({ sub: '202', preferred_username: 'bob', email: 'bob@sandbox.invalid', groups: ['platform', 'platform/sre'] });
		expect(info).not.toHaveProperty('groups_direct');
		expect(await client.fetchUserInfo(config, alice.access_token, '201')).toMatchObject({ groups: ['platform/sre'] });
	});

	it('leaves email out without the email scope; carol has no groups', async () => {
		const carol = await signIn('carol', config, 'openid profile');
		const claims = carol.claims();
		expect(claims).toMatchObject({ sub: '203', preferred_username: 'carol', groups_direct: [] });
		expect(claims).not.toHaveProperty('email');
		expect(claims).not.toHaveProperty('email_verified');
	});

	it('also accepts client_secret_basic, and the email as login', async () => {
		const basic = await discover(client.ClientSecretBasic(CLIENT_SECRET));
		const s = await authorizeUrl(basic);
		const callback = await signInAt(s.url, 'Alice@Sandbox.Invalid');
		const tokens = await client.authorizationCodeGrant(basic, callback, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce });
		expect(tokens.claims()?.sub).toBe('201');
	});

	it('refuses a wrong password on the form, saying so, and issues no code', async () => {
		const s = await authorizeUrl(config);
		const res = await submitSignIn(await openSignInForm(s.url), 'alice', 'wrong');
		expect(res.status).toBe(401);
		expect(res.headers.get('location')).toBeNull();
		const html = await res.text();
		expect(html).toContain('<p class="error" role="alert">Invalid login or password.</p>');
		expect(html).toContain('value="alice"');
	});
});

describe('refused requests', () => {
	it('treats a code as single-use: the replay fails and takes back the tokens it gave', async () => {
		const s = await authorizeUrl(config);
		const callback = await signInAt(s.url, 'alice');
		const checks = { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce };
		const first = await client.authorizationCodeGrant(config, callback, checks);
		expect(await oauthError(client.authorizationCodeGrant(config, callback, checks))).toBe('invalid_grant');
		const info = await fetch(`${issuer}/oauth/userinfo`, { headers: { Authorization: `Bearer ${first.access_token}` } });
		expect(info.status).toBe(401);
		expect(await info.json()).toEqual({ error: 'invalid_token', error_description: 'The access token was revoked' });
		expect(await oauthError(client.refreshTokenGrant(config, first.refresh_token as string))).toBe('invalid_grant');
	});

	it('refuses a code exchanged with the wrong PKCE verifier', async () => {
		const s = await authorizeUrl(config);
		const callback = await signInAt(s.url, 'alice');
		const other = client.randomPKCECodeVerifier();
		expect(await oauthError(client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: other, expectedState: s.state, expectedNonce: s.nonce }))).toBe('invalid_grant');
	});

	it('refuses a wrong client secret, challenging a client that used HTTP Basic', async () => {
		const wrong = await client.discovery(new URL(issuer), CLIENT_ID, 'not-the-secret', undefined, { execute: [client.allowInsecureRequests] });
		const s = await authorizeUrl(wrong);
		const callback = await signInAt(s.url, 'alice');
		expect(await oauthError(client.authorizationCodeGrant(wrong, callback, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce }))).toBe('invalid_client');

		const basic = await fetch(`${issuer}/oauth/token`, {
			method: 'POST',
			headers: { Authorization: `Basic ${Buffer.from(`${CLIENT_ID}:nope`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
			body: 'grant_type=authorization_code&code=x'
		});
		expect(basic.status).toBe(401);
		expect(basic.headers.get('www-authenticate')).toBe('Basic realm="Doorkeeper"');
		expect((await basic.json()).error).toBe('invalid_client');
	});

	it('sends protocol errors back to the client with the state, and shows a page when it cannot', async () => {
		const s = await authorizeUrl(config);
		const noPkce = new URL(s.url);
		noPkce.searchParams.delete('code_challenge');
		let res = await fetch(noPkce, { redirect: 'manual' });
		expect(res.status).toBe(302);
		let back = new URL(res.headers.get('location') as string);
		expect(Object.fromEntries(back.searchParams)).toEqual({ error: 'invalid_request', error_description: 'Missing required parameter: code_challenge.', state: s.state });

		const plain = new URL(s.url);
		plain.searchParams.set('code_challenge_method', 'plain');
		back = new URL((await fetch(plain, { redirect: 'manual' })).headers.get('location') as string);
		expect(back.searchParams.get('error')).toBe('invalid_request');

		// GitLab has no offline_access scope: refresh tokens come anyway.
		const offline = new URL(s.url);
		offline.searchParams.set('scope', 'openid offline_access');
		back = new URL((await fetch(offline, { redirect: 'manual' })).headers.get('location') as string);
		expect(back.searchParams.get('error')).toBe('invalid_scope');

		const silent = new URL(s.url);
		silent.searchParams.set('prompt', 'none');
		back = new URL((await fetch(silent, { redirect: 'manual' })).headers.get('location') as string);
		expect(back.searchParams.get('error')).toBe('login_required');

		const elsewhere = new URL(s.url);
		elsewhere.searchParams.set('redirect_uri', 'https://evil.example/callback');
		res = await fetch(elsewhere, { redirect: 'manual' });
		expect(res.status).toBe(400);
		expect(await res.text()).toContain('The redirect URI included is not valid.');

		const unknown = new URL(s.url);
		unknown.searchParams.set('client_id', 'someone-else');
		res = await fetch(unknown, { redirect: 'manual' });
		expect(res.status).toBe(401);
		expect(await res.text()).toContain('Client authentication failed due to unknown client');
	});
});

describe('refresh, revocation, sign-out', () => {
	it('re-issues the ID token with the current groups when the refresh token is used', async () => {
		const first = await signIn('bob');
		expect(first.claims()?.groups_direct).toEqual(['platform']);
		await controlOk(sb, '/identity/users/bob/groups', { groups: [] });
		try {
			const refreshed = await client.refreshTokenGrant(config, first.refresh_token as string);
			const claims = refreshed.claims();
			expect(claims).toMatchObject({ iss: issuer, sub: '202', aud: CLIENT_ID, groups_direct: [], auth_time: first.claims()?.auth_time });
			expect(claims).not.toHaveProperty('nonce');
			expect(refreshed.refresh_token).not.toBe(first.refresh_token);
			expect(await client.fetchUserInfo(config, refreshed.access_token, '202')).toMatchObject({ groups: [] });
			// Rotation: the spent refresh token no longer works.
			expect(await oauthError(client.refreshTokenGrant(config, first.refresh_token as string))).toBe('invalid_grant');
		} finally {
			await controlOk(sb, '/identity/users/bob/groups', { groups: ['platform'] });
		}
	});

	it('stops a deleted user at the next refresh', async () => {
		expect((await control(sb, '/identity/users', { username: 'dave', groups: ['platform/sre'] })).status).toBe(201);
		const t = await signIn('dave');
		const res = await fetch(`${sb.url}/_sandbox/identity/users/dave`, { method: 'DELETE' });
		expect(res.status).toBe(200);
		expect(await oauthError(client.refreshTokenGrant(config, t.refresh_token as string))).toBe('invalid_grant');
		expect((await fetch(`${issuer}/oauth/userinfo`, { headers: { Authorization: `Bearer ${t.access_token}` } })).status).toBe(401);
	});

	it('revokes an access token', async () => {
		const t = await signIn('alice');
		await client.tokenRevocation(config, t.access_token);
		expect((await fetch(`${issuer}/oauth/userinfo`, { headers: { Authorization: `Bearer ${t.access_token}` } })).status).toBe(401);
	});

	it('ends the session at the provider and returns to the registered URL with the state', async () => {
		const t = await signIn('alice');
		const url = client.buildEndSessionUrl(config, { id_token_hint: t.id_token as string, post_logout_redirect_uri: 'http://127.0.0.1:5173/login', state: 'after-logout' });
		const res = await fetch(url, { redirect: 'manual' });
		expect(res.status).toBe(302);
		expect(res.headers.get('location')).toBe('http://127.0.0.1:5173/login?state=after-logout');

		const tampered = `${(t.id_token as string).slice(0, -4)}AAAA`;
		const bad = await fetch(`${issuer}/oauth/end_session?id_token_hint=${tampered}`, { redirect: 'manual' });
		expect(bad.status).toBe(400);
		const nowhere = await fetch(`${issuer}/oauth/end_session?client_id=${CLIENT_ID}&post_logout_redirect_uri=https://evil.example/`, { redirect: 'manual' });
		expect(nowhere.status).toBe(400);

		const identity = await (await fetch(`${sb.url}/_sandbox/identity`)).json();
		expect(identity.recent.at(-1)).toMatchObject({ forge: 'gitlab', kind: 'end_session', user: 'alice', client_id: CLIENT_ID });
	});

	it('can hide end_session_endpoint, as GitLab itself does not offer one', async () => {
		await controlOk(sb, '/identity/oidc', { end_session: false });
		try {
			expect((await discover()).serverMetadata().end_session_endpoint).toBeUndefined();
			expect((await fetch(`${issuer}/oauth/end_session`)).status).toBe(404);
		} finally {
			await controlOk(sb, '/identity/oidc', { end_session: true });
		}
	});
});

describe('a registered application', () => {
	it('accepts only its redirect URIs and its own credentials', async () => {
		const res = await control(sb, '/identity/apps', { forge: 'gitlab', client_id: 'dash', client_secret: 's3cret', redirect_uris: ['https://dash.example/auth/gitlab/callback'] });
		expect(res.status).toBe(200);
		try {
			const cfg = await client.discovery(new URL(issuer), 'dash', 's3cret', undefined, { execute: [client.allowInsecureRequests] });
			const s = await authorizeUrl(cfg, { redirect_uri: 'https://dash.example/auth/gitlab/callback' });
			const callback = await signInAt(s.url, 'alice');
			expect(callback.origin).toBe('https://dash.example');
			const tokens = await client.authorizationCodeGrant(cfg, callback, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce });
			expect(tokens.claims()?.aud).toBe('dash');
			// The default loopback URL is no longer registered.
			const loopback = await authorizeUrl(cfg);
			expect((await fetch(loopback.url, { redirect: 'manual' })).status).toBe(400);
		} finally {
			await controlOk(sb, '/identity/apps', { forge: 'gitlab', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: null });
		}
	});
});

describe('OAuth tokens on the API', () => {
	it('an openid-only token may not read /user; with read_user it reads the signed-in user', async () => {
		const oidcOnly = await signIn('alice');
		const err = (await gitbeaker(issuer, oidcOnly.access_token)
			.Users.showCurrentUser()
			.catch((e: unknown) => e)) as GitLabHttpError;
		expect(err.status).toBe(403);
		expect(err.body).toEqual({ error: 'insufficient_scope', error_description: 'The request requires higher privileges than provided by the access token.', scope: 'api read_api read_user' });

		const withUser = await signIn('alice', config, 'openid read_user');
		const me = await gitbeaker(issuer, withUser.access_token).Users.showCurrentUser();
		expect(me).toMatchObject({ id: 201, username: 'alice', name: 'Alice Adams', email: 'alice@sandbox.invalid', is_admin: false });
		const runners = (await gitbeaker(issuer, withUser.access_token)
			.Runners.all()
			.catch((e: unknown) => e)) as GitLabHttpError;
		expect(runners.status).toBe(403);
	});
});
