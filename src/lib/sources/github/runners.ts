// Reads a GitHub source's self-hosted runners: every page at per_page=100, for an
// organization, a set of repositories, or an enterprise.
import { z } from 'zod';
import { githubRunner, normalizeGithubRunner, type GithubScopeKind } from '$lib/core/github-runner';
import type { Runner } from '$lib/core/runner';
import { UpstreamError } from '../errors';
import { githubError, type GithubClient } from './client';

export type GithubScope = { org: string } | { repos: string[] } | { enterprise: string };

const page = z.looseObject({ total_count: z.number(), runners: z.array(githubRunner) });

function requests(scope: GithubScope): { kind: GithubScopeKind; route: string; params: Record<string, string> }[] {
	if ('org' in scope) return [{ kind: 'organization', route: 'GET /orgs/{org}/actions/runners', params: { org: scope.org } }];
	if ('enterprise' in scope) return [{ kind: 'enterprise', route: 'GET /enterprises/{enterprise}/actions/runners', params: { enterprise: scope.enterprise } }];
	return scope.repos.map((full) => {
		const [owner, repo] = full.split('/') as [string, string];
		return { kind: 'repository' as const, route: 'GET /repos/{owner}/{repo}/actions/runners', params: { owner, repo } };
	});
}

export async function listGithubRunners(client: GithubClient, source: string, scope: GithubScope, simulated: boolean): Promise<{ runners: Runner[]; requests: number }> {
	const byId = new Map<number, Runner>();
	let count = 0;
	for (const r of requests(scope)) {
		try {
			for await (const res of client.paginate.iterator(r.route, { ...r.params, per_page: 100 })) {
				count++;
				// paginate.iterator unwraps `runners` into data; accept both shapes.
				const data = Array.isArray(res.data) ? { total_count: res.data.length, runners: res.data } : res.data;
				const parsed = page.safeParse(data);
				if (!parsed.success) throw new UpstreamError(source, 'invalid_response', `unexpected runner list from GitHub: ${parsed.error.issues[0]?.message}`);
				for (const runner of parsed.data.runners) byId.set(runner.id, normalizeGithubRunner(source, simulated, r.kind, runner));
			}
		} catch (e) {
			throw githubError(source, e);
		}
	}
	return { runners: [...byId.values()], requests: count };
}
