// /_sandbox/identity: the default users and apps, and changing them — with bad input
// refused in words and nothing changed.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../index.js';
import { control, controlOk, start } from '../testing.js';
import { CLIENT_ID, REDIRECT_URI, openSignInForm, submitSignIn } from './testing.js';

let sb: Sandbox;

const get = async (path: string) => (await fetch(`${sb.url}/_sandbox${path}`)).json();

beforeAll(async () => {
	sb = await start();
});
afterAll(() => sb.close());

describe('defaults', () => {
	it('has alice, bob and carol with their groups as each forge sees them', async () => {
		expect(await get('/identity/users')).toEqual([
			{
				username: 'alice',
				name: 'Alice Adams',
				email: 'alice@sandbox.invalid',
				gitlab_id: 201,
				github_id: 9201,
				groups: ['platform/sre'],
				gitlab: { groups: ['platform/sre'], groups_direct: ['platform/sre'] },
				github: { orgs: ['platform'], teams: ['platform/sre'] }
			},
			{
				username: 'bob',
				name: 'Bob Baker',
				email: 'bob@sandbox.invalid',
				gitlab_id: 202,
				github_id: 9202,
				groups: ['platform'],
				gitlab: { groups: ['platform', 'platform/sre'], groups_direct: ['platform'] },
				github: { orgs: ['platform'], teams: [] }
			},
			{
				username: 'carol',
				name: 'Carol Chen',
				email: 'carol@sandbox.invalid',
				gitlab_id: 203,
				github_id: 9203,
				groups: [],
				gitlab: { groups: [], groups_direct: [] },
				github: { orgs: [], teams: [] }
			}
		]);
	});

	it('registers the runner-dashboard app on both forges for any loopback redirect', async () => {
		expect(await get('/identity/apps')).toEqual([
			{ forge: 'gitlab', client_id: 'runner-dashboard', client_secret: 'sandbox-oidc-secret', redirect_uris: null },
			{ forge: 'github', client_id: 'runner-dashboard', client_secret: 'sandbox-oidc-secret', redirect_uris: null }
		]);
	});

	it('lists the identity endpoints in the control index', async () => {
		const index = await get('/');
		expect(index.endpoints).toEqual(expect.arrayContaining(['POST /_sandbox/identity/users', 'POST /_sandbox/identity/users/:username/groups', 'POST /_sandbox/tokens']));
	});
});

describe('changes', () => {
	it('creates a user (201), updates it (200) and deletes it', async () => {
		let res = await control(sb, '/identity/users', { username: 'frank', password: 'pw', name: 'Frank Fox', email: 'frank@example.com', groups: ['web'] });
		expect(res.status).toBe(201);
		expect(await res.json()).toMatchObject({ username: 'frank', gitlab_id: 204, github_id: 9204, groups: ['web'] });
		res = await control(sb, '/identity/users', { username: 'frank', groups: ['web', 'data'] });
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ name: 'Frank Fox', groups: ['web', 'data'], github: { orgs: ['data', 'web'], teams: [] } });
		res = await fetch(`${sb.url}/_sandbox/identity/users/frank`, { method: 'DELETE' });
		expect(await res.json()).toEqual({ deleted: 'frank' });
		expect((await get('/identity/users')).map((u: { username: string }) => u.username)).toEqual(['alice', 'bob', 'carol']);
	});

	it('refuses bad input in words and changes nothing', async () => {
		const before = await get('/identity');
		for (const [path, body, status, error] of [
			['/identity/users', { username: '-x' }, 400, 'username must be 1-39 letters, digits, "_", "-" or "." starting with a letter or digit'],
			['/identity/users', { username: 'x', groups: ['platform//sre'] }, 400, 'groups.0: group "platform//sre" must be a path like "platform" or "platform/sre" (letters, digits, "_", "-", ".")'],
			['/identity/users', { username: 'x', email: 'no-at' }, 400, 'email must be an email address'],
			['/identity/users', { username: 'x', extra: 1 }, 400, 'Unrecognized key: "extra"'],
			['/identity/users/nobody/groups', { groups: [] }, 404, 'no user nobody'],
			['/identity/users/alice/groups', { groups: 'platform' }, 400, 'groups must be an array of group paths'],
			['/identity/apps', { forge: 'gitlab', client_id: 'a', client_secret: 'b', redirect_uris: ['not a url'] }, 400, 'redirect_uris.0: redirect URI "not a url" must be an absolute http(s) URL without a fragment'],
			['/identity/apps', { forge: 'gitlab', client_id: 'a', client_secret: 'b', redirect_uris: [] }, 400, 'redirect_uris must name at least one URL (null accepts any loopback URL)'],
			['/identity/oidc', {}, 400, 'end_session must be true or false']
		] as const) {
			const res = await control(sb, path, body);
			expect(res.status, JSON.stringify(body)).toBe(status);
			expect((await res.json()).error).toBe(error);
		}
		const missing = await fetch(`${sb.url}/_sandbox/identity/users/nobody`, { method: 'DELETE' });
		expect(missing.status).toBe(404);
		expect(await get('/identity')).toEqual(before);
	});

	it('sets a password that the sign-in then wants, and never shows it', async () => {
		await controlOk(sb, '/identity/users', { username: 'carol', password: 'changed' });
		try {
			const users = await get('/identity/users');
			expect(users.find((u: { username: string }) => u.username === 'carol')).not.toHaveProperty('password');
			const authorize = new URL(`${sb.url}/gitlab/oauth/authorize`);
			for (const [k, v] of Object.entries({ client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })) {
				authorize.searchParams.set(k, v);
			}
			const form = await openSignInForm(authorize);
			expect((await submitSignIn(form, 'carol', 'sandbox')).status).toBe(401);
			expect((await submitSignIn(form, 'carol', 'changed')).status).toBe(302);
		} finally {
			await controlOk(sb, '/identity/users', { username: 'carol', password: 'sandbox' });
		}
	});
});
