// Who a GitHub token is and what it may do: GET /user with its X-OAuth-Scopes (classic
// tokens; fine-grained tokens send none), the app installation when GET /user is refused,
// and one page of each configured runner listing.
import type { GithubFacts } from '$lib/core/source-check';
import { mapLimit } from '$lib/core/map-limit';
import { githubError, oauthScopes, type GithubClient } from './client';
import type { GithubScope } from './runners';

function failure(source: string, e: unknown) {
	const err = githubError(source, e);
	return { ok: false as const, error: err.message, status: err.status, unreachable: err.kind === 'network' || err.kind === 'timeout' };
}

function listings(scope: GithubScope): { route: string; path: string; params: Record<string, string> }[] {
	if ('org' in scope) return [{ route: `GET /orgs/${scope.org}/actions/runners`, path: 'GET /orgs/{org}/actions/runners', params: { org: scope.org } }];
	if ('enterprise' in scope) return [{ route: `GET /enterprises/${scope.enterprise}/actions/runners`, path: 'GET /enterprises/{enterprise}/actions/runners', params: { enterprise: scope.enterprise } }];
	return scope.repos.map((full) => {
		const [owner, repo] = full.split('/') as [string, string];
		return { route: `GET /repos/${full}/actions/runners`, path: 'GET /repos/{owner}/{repo}/actions/runners', params: { owner, repo } };
	});
}

export async function readGithubIdentity(client: GithubClient, source: string, url: string, scope: GithubScope): Promise<GithubFacts> {
	const [user, runners] = await Promise.all([
		client.request('GET /user').then(
			(r) => {
				return { ok: true as const, login: r.data.login, type: r.data.type, scopes: oauthScopes(r.headers['x-oauth-scopes']) };
			},
			(e: unknown) => failure(source, e)
		),
		mapLimit(listings(scope), 4, async (l) => {
			try {
				await client.request(l.path, { ...l.params, per_page: 1 });
				return { ok: true as const, route: l.route };
			} catch (e) {
				return { ...failure(source, e), route: l.route };
			}
		}).then((all) => all.find((r) => !r.ok) ?? all[0]!)
	]);
	// An installation token may not read /user ("Resource not accessible by integration").
	const installation =
		!user.ok && user.status === 403
			? await client.request('GET /installation/repositories', { per_page: 1 }).then(
					(r) => ({ ok: true as const, repositories: r.data.total_count }),
					(e: unknown) => failure(source, e)
				)
			: null;
	return { url, user, installation, runners };
}
