// Who a forge token is and what its scopes allow: GitLab's GET /user and
// /personal_access_tokens/self through gitbeaker, GitHub's GET /user with X-OAuth-Scopes
// through Octokit, and narrower tokens refused exactly as the forges refuse them.

import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../index.js';
import { GITHUB_TOKEN } from '../github/testing.js';
import { TOKEN, control, controlOk, gitlab, start } from '../testing.js';
import { FIXED_EPOCH } from '../sim/clock.js';
import { gitbeaker, type GitLabHttpError } from './testing.js';

let sb: Sandbox;
let host: string;

const INSUFFICIENT = { error: 'insufficient_scope', error_description: 'The request requires higher privileges than provided by the access token.' };

async function failure(p: Promise<unknown>): Promise<GitLabHttpError> {
	try {
		await p;
	} catch (err) {
		return err as GitLabHttpError;
	}
	throw new Error('expected the request to fail');
}

beforeAll(async () => {
	// A small fleet without load so that simulated days pass quickly; exact timestamps below
	// need the fixed epoch, not the wall clock.
	sb = await start({
		epoch: FIXED_EPOCH,
		gitlabRunners: 10,
		githubRunners: 4,
		scaleSets: 0,
		tokens: [
			{ forge: 'gitlab', token: 'glpat-read-only', scopes: ['read_api'], name: 'dashboard-read' },
			{ forge: 'github', token: 'ghp-repo-only', scopes: ['repo'], name: 'no-org' }
		]
	});
	host = `${sb.url}/gitlab`;
	await controlOk(sb, '/load', { jobs_per_minute: 0, github_jobs_per_minute: 0 });
});
afterAll(() => sb.close());

describe('GitLab', () => {
	it('says who the configured token is and that it has the api scope', async () => {
		const gl = gitbeaker(host, TOKEN);
		expect(await gl.Users.showCurrentUser()).toMatchObject({ id: 1, username: 'sandbox-admin', is_admin: true });
		expect(await gl.PersonalAccessTokens.show()).toEqual({
			id: 1,
			name: 'sandbox-default',
			revoked: false,
			created_at: '2026-01-01T00:00:00.000Z',
			description: null,
			scopes: ['api'],
			user_id: 1,
			last_used_at: '2026-01-01T00:00:00.000Z',
			active: true,
			expires_at: null
		});
	});

	it('lets a read_api token read but refuses its writes with 403 insufficient_scope', async () => {
		const gl = gitbeaker(host, 'glpat-read-only');
		expect(await gl.PersonalAccessTokens.show()).toMatchObject({ name: 'dashboard-read', scopes: ['read_api'], active: true });
		expect((await gl.Runners.all({ perPage: 5, maxPages: 1 })).length).toBe(5);
		expect((await gl.Runners.show(1001)).id).toBe(1001);

		const pause = await failure(gl.Runners.edit(1001, { paused: true }));
		expect(pause.status).toBe(403);
		expect(pause.body).toEqual({ ...INSUFFICIENT, scope: 'api' });
		expect(pause.headers.get('www-authenticate')).toBe(
			'Bearer realm="Protected by OAuth 2.0", error="insufficient_scope", error_description="The request requires higher privileges than provided by the access token.", scope="api"'
		);
		expect((await gitbeaker(host, TOKEN).Runners.show(1001)).paused).toBe(false);

		const commit = await failure(gl.Commits.create(42, 'main', 'nope', [{ action: 'update', filePath: 'README.md', content: 'x' }]));
		expect(commit.status).toBe(403);
		expect(commit.body).toEqual({ ...INSUFFICIENT, scope: 'api' });
		const lock = await gitlab(sb, '/projects/42/terraform/state/gitlab-runners-dev/lock', { method: 'POST', headers: { 'PRIVATE-TOKEN': 'glpat-read-only' }, body: '{}' });
		expect(lock.status).toBe(403);
		// The state itself may be read.
		expect((await gitlab(sb, '/projects/42/terraform/state/gitlab-runners-dev', { headers: { 'PRIVATE-TOKEN': 'glpat-read-only' } })).status).toBe(200);
	});

	it('leaves requests refused for their scope out of the request counts', async () => {
		const before = (await (await fetch(`${sb.url}/_sandbox/requests`)).json()).gitlab['PUT /runners/:id'] ?? 0;
		await gitlab(sb, '/runners/1002', { method: 'PUT', headers: { 'PRIVATE-TOKEN': 'glpat-read-only' }, body: 'paused=true' });
		expect((await (await fetch(`${sb.url}/_sandbox/requests`)).json()).gitlab['PUT /runners/:id'] ?? 0).toBe(before);
	});

	it('narrows a token registered at run time, lets it read only the user endpoints, and expires and revokes it', async () => {
		let res = await control(sb, '/tokens', { forge: 'gitlab', token: 'glpat-user', scopes: ['read_user'], user: 'alice', name: 'whoami', expires_at: '2026-01-02' });
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ forge: 'gitlab', token: 'glpat-user', id: 3, scopes: ['read_user'], user: 'alice', expires_at: '2026-01-02', revoked: false });
		const gl = gitbeaker(host, 'glpat-user');
		expect(await gl.Users.showCurrentUser()).toMatchObject({ id: 201, username: 'alice' });
		expect(await gl.PersonalAccessTokens.show()).toMatchObject({ id: 3, user_id: 201, expires_at: '2026-01-02', active: true });
		const runners = await failure(gl.Runners.all({ maxPages: 1 }));
		expect(runners.body).toEqual({ ...INSUFFICIENT, scope: 'api read_api' });

		// Simulated time passes the expiry date.
		await controlOk(sb, '/clock', { advance_s: 86_400 - 1 });
		expect((await gl.Users.showCurrentUser()).username).toBe('alice');
		await controlOk(sb, '/clock', { advance_s: 1 });
		const expired = await failure(gl.Users.showCurrentUser());
		expect(expired.status).toBe(401);
		expect(expired.body).toEqual({ error: 'invalid_token', error_description: 'Token has expired.' });

		res = await control(sb, '/tokens', { forge: 'gitlab', token: 'glpat-user', scopes: ['api'], expires_at: null, revoked: true });
		expect(res.status).toBe(200);
		const revoked = await failure(gl.Users.showCurrentUser());
		expect(revoked.body).toEqual({ error: 'invalid_token', error_description: 'Token has been revoked.' });
		await controlOk(sb, '/tokens', { forge: 'gitlab', token: 'glpat-user', scopes: ['api'], revoked: false });
		expect((await gl.Users.showCurrentUser()).username).toBe('alice');
	});

	it('lets a token revoke itself', async () => {
		await controlOk(sb, '/tokens', { forge: 'gitlab', token: 'glpat-throwaway', scopes: ['read_api'] });
		const gl = gitbeaker(host, 'glpat-throwaway');
		await gl.PersonalAccessTokens.remove();
		expect((await failure(gl.PersonalAccessTokens.show())).status).toBe(401);
	});

	it('rejects unknown tokens as before', async () => {
		const res = await gitlab(sb, '/user', { headers: { 'PRIVATE-TOKEN': 'nope' } });
		expect(res.status).toBe(401);
		expect(await res.json()).toEqual({ message: '401 Unauthorized' });
	});
});

describe('GitHub', () => {
	const gh = (token: string) => new Octokit({ baseUrl: `${sb.url}/github/api/v3`, auth: token });

	it('says who the configured token is and lists its scopes in X-OAuth-Scopes', async () => {
		const me = await gh(GITHUB_TOKEN).rest.users.getAuthenticated();
		expect(me.headers['x-oauth-scopes']).toBe('repo, admin:org, workflow');
		expect(me.headers['x-accepted-oauth-scopes']).toBe('');
		expect(me.data).toMatchObject({ login: 'sandbox-admin', id: 9001, site_admin: true });
		const runners = await gh(GITHUB_TOKEN).rest.actions.listSelfHostedRunnersForOrg({ org: 'sandbox-org', per_page: 1 });
		expect(runners.headers['x-accepted-oauth-scopes']).toBe('admin:org, manage_runners:org');
	});

	it('refuses org runner endpoints to a token without admin:org, and hides private repos from one without repo', async () => {
		const repoOnly = gh('ghp-repo-only');
		const err = (await repoOnly.rest.actions.listSelfHostedRunnersForOrg({ org: 'sandbox-org' }).catch((e: unknown) => e)) as { status: number; response: { data: unknown; headers: Record<string, string> } };
		expect(err.status).toBe(403);
		expect(err.response.data).toMatchObject({ message: 'Must have admin rights to Repository.', status: '403' });
		expect(err.response.headers['x-oauth-scopes']).toBe('repo');
		expect((await repoOnly.rest.actions.listSelfHostedRunnersForRepo({ owner: 'sandbox-org', repo: 'storefront' })).status).toBe(200);

		await controlOk(sb, '/tokens', { forge: 'github', token: 'ghp-runners', scopes: ['manage_runners:org'] });
		const runnersOnly = gh('ghp-runners');
		expect((await runnersOnly.rest.actions.listSelfHostedRunnersForOrg({ org: 'sandbox-org', per_page: 1 })).status).toBe(200);
		const repo = (await runnersOnly.rest.repos.get({ owner: 'sandbox-org', repo: 'storefront' }).catch((e: unknown) => e)) as { status: number };
		expect(repo.status).toBe(404);
	});
});

describe('control', () => {
	it('validates token registrations and changes nothing on bad input', async () => {
		const before = await (await fetch(`${sb.url}/_sandbox/tokens`)).json();
		for (const [body, error] of [
			[{ forge: 'gitlab', token: 'x', scopes: ['repo'] }, 'unknown gitlab scope: repo'],
			[{ forge: 'github', token: 'x', scopes: ['repo'], user: 'nobody' }, 'no user nobody'],
			[{ forge: 'bitbucket', token: 'x', scopes: [] }, 'forge must be one of gitlab, github'],
			[{ forge: 'gitlab', token: 'x', scopes: ['api'], expires_at: '2026-02-30' }, 'expires_at is not a real date'],
			[{ forge: 'gitlab', scopes: ['api'] }, 'token is required']
		] as const) {
			const res = await control(sb, '/tokens', body);
			expect(res.status, JSON.stringify(body)).toBe(400);
			expect((await res.json()).error).toBe(error);
		}
		expect(await (await fetch(`${sb.url}/_sandbox/tokens`)).json()).toEqual(before);
	});

	it('refuses a sandbox started with a bad token', async () => {
		await expect(start({ tokens: [{ forge: 'github', token: 't', scopes: ['api'] }] })).rejects.toThrow('sandbox: tokens: unknown github scope: api');
	});
});
