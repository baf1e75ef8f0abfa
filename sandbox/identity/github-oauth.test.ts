// The sandbox GitHub's OAuth web flow done as an OAuth app does it — plain fetch for the
// redirect and the code exchange — then Octokit with the user's token for who they are
// and which organisations and teams they are in.

import { createHash } from 'node:crypto';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../index.js';
import { check, loadGhesSpec, responseSchema, type OpenApi } from '../github/openapi-check.js';
import { control, controlOk, start } from '../testing.js';
import { CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, openSignInForm, signInAt, submitSignIn } from './testing.js';

let sb: Sandbox;
let web: string;
let spec: OpenApi;

const VERIFIER = 'a-pkce-code-verifier-of-at-least-43-characters-0123456789';
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

function authorizeUrl(params: Record<string, string> = {}): URL {
	const u = new URL(`${web}/login/oauth/authorize`);
	for (const [k, v] of Object.entries({ client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, scope: 'read:org user:email', state: 'st-1', ...params })) u.searchParams.set(k, v);
	return u;
}

async function exchange(fields: Record<string, string>, accept = 'application/json'): Promise<Response> {
	return fetch(`${web}/login/oauth/access_token`, {
		method: 'POST',
		headers: { Accept: accept, 'Content-Type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, ...fields })
	});
}

/** Signs `login` in through the web flow and answers their token. */
async function tokenFor(login: string, scope = 'read:org user:email'): Promise<string> {
	const callback = await signInAt(authorizeUrl({ scope }), login);
	const body = (await (await exchange({ code: callback.searchParams.get('code') as string, redirect_uri: REDIRECT_URI })).json()) as { access_token: string };
	return body.access_token;
}

const octokit = (token: string) => new Octokit({ baseUrl: `${web}/api/v3`, auth: token });

beforeAll(async () => {
	sb = await start();
	web = `${sb.url}/github`;
	spec = loadGhesSpec();
});
afterAll(() => sb.close());

describe('web flow', () => {
	it('signs alice in with PKCE and answers the token as JSON or form-encoded, as asked', async () => {
		const form = await openSignInForm(authorizeUrl({ code_challenge: CHALLENGE, code_challenge_method: 'S256', login: 'alice' }));
		expect(form.html).toContain('<h1>Sign in to GitHub</h1>');
		expect(form.html).toContain('value="alice"');
		const res = await submitSignIn(form, 'alice', 'sandbox');
		expect(res.status).toBe(302);
		const callback = new URL(res.headers.get('location') as string);
		expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
		expect(callback.searchParams.get('state')).toBe('st-1');
		const code = callback.searchParams.get('code') as string;
		expect(code).toMatch(/^[0-9a-f]{20}$/);

		const answer = await exchange({ code, redirect_uri: REDIRECT_URI, code_verifier: VERIFIER });
		expect(answer.status).toBe(200);
		expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
		const body = (await answer.json()) as Record<string, string>;
		expect(body).toEqual({ access_token: expect.stringMatching(/^gho_[A-Za-z0-9]{36}$/), token_type: 'bearer', scope: 'read:org,user:email' });

		const formCallback = await signInAt(authorizeUrl(), 'alice');
		const formAnswer = await exchange({ code: formCallback.searchParams.get('code') as string }, '*/*');
		expect(formAnswer.headers.get('content-type')).toBe('application/x-www-form-urlencoded; charset=utf-8');
		const parsed = new URLSearchParams(await formAnswer.text());
		expect(parsed.get('access_token')).toMatch(/^gho_/);
		expect(parsed.get('token_type')).toBe('bearer');
		expect(parsed.get('scope')).toBe('read:org,user:email');
	});

	it('answers exchange errors as GitHub does: 200 with an error field', async () => {
		const callback = await signInAt(authorizeUrl({ code_challenge: CHALLENGE }), 'bob');
		const code = callback.searchParams.get('code') as string;
		const wrongSecret = await exchange({ code, client_secret: 'nope' });
		expect(wrongSecret.status).toBe(200);
		expect(await wrongSecret.json()).toMatchObject({ error: 'incorrect_client_credentials', error_description: 'The client_id and/or client_secret passed are incorrect.' });

		expect(await (await exchange({ code, code_verifier: `${VERIFIER}x` })).json()).toMatchObject({ error: 'bad_verification_code' });
		// The code was spent by that attempt: a second one is refused too.
		expect(await (await exchange({ code, code_verifier: VERIFIER })).json()).toMatchObject({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });

		const other = await signInAt(authorizeUrl(), 'bob');
		expect(await (await exchange({ code: other.searchParams.get('code') as string, redirect_uri: 'http://127.0.0.1:5173/elsewhere' })).json()).toMatchObject({
			error: 'redirect_uri_mismatch'
		});
	});

	it('refuses a wrong password on the form and an unknown app', async () => {
		const res = await submitSignIn(await openSignInForm(authorizeUrl()), 'carol', 'wrong');
		expect(res.status).toBe(401);
		expect(await res.text()).toContain('Incorrect username or password.');
		expect((await fetch(authorizeUrl({ client_id: 'unknown' }))).status).toBe(404);
		expect((await fetch(authorizeUrl({ redirect_uri: 'https://evil.example/cb' }))).status).toBe(400);
	});

	it('checks redirect_uri against a registered callback URL the way GitHub does', async () => {
		await controlOk(sb, '/identity/apps', { forge: 'github', client_id: 'Ov23liSandbox', client_secret: 'gh-secret', redirect_uris: ['https://dash.example/auth/github'] });
		try {
			const base = { client_id: 'Ov23liSandbox' };
			// A path below the callback URL is accepted; no redirect_uri means the callback URL itself.
			const below = await signInAt(authorizeUrl({ ...base, redirect_uri: 'https://dash.example/auth/github/callback' }), 'alice');
			expect(below.pathname).toBe('/auth/github/callback');
			const defaulted = new URL(authorizeUrl(base));
			defaulted.searchParams.delete('redirect_uri');
			expect((await signInAt(defaulted, 'alice')).pathname).toBe('/auth/github');

			const res = await fetch(authorizeUrl({ ...base, redirect_uri: 'https://other.example/auth/github' }), { redirect: 'manual' });
			expect(res.status).toBe(302);
			const back = new URL(res.headers.get('location') as string);
			expect(back.origin + back.pathname).toBe('https://dash.example/auth/github');
			expect(back.searchParams.get('error')).toBe('redirect_uri_mismatch');
			expect(back.searchParams.get('state')).toBe('st-1');
		} finally {
			await controlOk(sb, '/identity/apps', { forge: 'github', client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
		}
	});
});

describe('the user token with Octokit', () => {
	it('tells who alice is, her organisation and her team, with the token scopes in X-OAuth-Scopes', async () => {
		const gh = octokit(await tokenFor('alice'));
		const me = await gh.rest.users.getAuthenticated();
		expect(me.headers['x-oauth-scopes']).toBe('read:org, user:email');
		expect(me.data).toMatchObject({ login: 'alice', id: 9201, name: 'Alice Adams', email: 'alice@sandbox.invalid', type: 'User' });
		expect(check(spec, responseSchema(spec, '/user'), me.data)).toEqual([]);

		const orgs = await gh.rest.orgs.listForAuthenticatedUser();
		expect(orgs.data.map((o) => o.login)).toEqual(['platform']);
		expect(check(spec, responseSchema(spec, '/user/orgs'), orgs.data)).toEqual([]);

		const teams = await gh.rest.teams.listForAuthenticatedUser();
		expect(teams.headers['x-accepted-oauth-scopes']).toBe('user, repo, read:org');
		expect(teams.data.map((t) => `${t.organization.login}/${t.slug}`)).toEqual(['platform/sre']);
		expect(teams.data[0]).toMatchObject({ name: 'sre', members_count: 1, parent: null });
		expect(check(spec, responseSchema(spec, '/user/teams'), teams.data)).toEqual([]);

		const emails = await gh.rest.users.listEmailsForAuthenticatedUser();
		expect(emails.data).toEqual([{ email: 'alice@sandbox.invalid', primary: true, verified: true, visibility: 'public' }]);
		expect(check(spec, responseSchema(spec, '/user/emails'), emails.data)).toEqual([]);
	});

	it('puts bob in org platform without a team and carol nowhere; teams follow group changes', async () => {
		const bob = octokit(await tokenFor('bob'));
		expect((await bob.rest.orgs.listForAuthenticatedUser()).data.map((o) => o.login)).toEqual(['platform']);
		expect((await bob.rest.teams.listForAuthenticatedUser()).data).toEqual([]);

		const carol = octokit(await tokenFor('carol'));
		expect((await carol.rest.orgs.listForAuthenticatedUser()).data).toEqual([]);
		expect((await carol.rest.teams.listForAuthenticatedUser()).data).toEqual([]);

		await controlOk(sb, '/identity/users/carol/groups', { groups: ['platform/platform', 'data/ml/gpu'] });
		try {
			const teams = (await carol.rest.teams.listForAuthenticatedUser()).data;
			expect(teams.map((t) => `${t.organization.login}/${t.slug}`)).toEqual(['data/gpu', 'platform/platform']);
			expect(teams[0]?.parent).toMatchObject({ slug: 'ml' });
			expect(check(spec, responseSchema(spec, '/user/teams'), teams)).toEqual([]);
			expect((await carol.rest.orgs.listForAuthenticatedUser()).data.map((o) => o.login)).toEqual(['data', 'platform']);
		} finally {
			await controlOk(sb, '/identity/users/carol/groups', { groups: [] });
		}
	});

	it('refuses the membership endpoints to a token without read:org', async () => {
		const gh = octokit(await tokenFor('alice', ''));
		expect((await gh.rest.users.getAuthenticated()).headers['x-oauth-scopes']).toBe('');
		const err = (await gh.rest.teams.listForAuthenticatedUser().catch((e: unknown) => e)) as { status: number; response: { data: { message: string } } };
		expect(err.status).toBe(403);
		expect(err.response.data.message).toBe('Must have admin rights to Repository.');
		// Nor may a user token read the organisation's runners.
		const runners = (await gh.rest.actions.listSelfHostedRunnersForOrg({ org: 'sandbox-org' }).catch((e: unknown) => e)) as { status: number };
		expect(runners.status).toBe(403);
	});

	it('stops a deleted user\'s token, even when the name comes back', async () => {
		expect((await control(sb, '/identity/users', { username: 'erin', password: 'pw' })).status).toBe(201);
		const callback = await signInAt(authorizeUrl(), 'erin', 'pw');
		const token = ((await (await exchange({ code: callback.searchParams.get('code') as string })).json()) as { access_token: string }).access_token;
		expect((await octokit(token).rest.users.getAuthenticated()).data.login).toBe('erin');
		await fetch(`${sb.url}/_sandbox/identity/users/erin`, { method: 'DELETE' });
		const err = (await octokit(token).rest.users.getAuthenticated().catch((e: unknown) => e)) as { status: number };
		expect(err.status).toBe(401);
		// A new user of the same name is someone else: the old token stays dead.
		expect((await control(sb, '/identity/users', { username: 'erin' })).status).toBe(201);
		const again = (await octokit(token).rest.users.getAuthenticated().catch((e: unknown) => e)) as { status: number };
		expect(again.status).toBe(401);
	});
});
