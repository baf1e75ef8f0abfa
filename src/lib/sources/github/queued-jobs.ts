// Jobs waiting for a runner on a GitHub source. GitHub has no listing of queued jobs at
// any level: per repository, the runs that are `queued` (no job started) and
// `in_progress` (later jobs can still wait) are listed, then each run's jobs; a waiting
// job is `queued` with its `runs-on` labels. A job assigned to an ARC scale set but not
// yet running is `queued` too, labelled with the scale set's name. Repositories: the
// organization's (`GET /orgs/{org}/repos`) or the configured ones; an enterprise scope
// has no repositories to walk.
import { z } from 'zod';
import { mapLimit } from '$lib/core/map-limit';
import type { PendingJob } from '$lib/core/waiting-jobs';
import { UpstreamError } from '../errors';
import { githubError, type GithubClient } from './client';
import type { GithubScope } from './runners';

const CONCURRENCY = 4;

const run = z.looseObject({ id: z.number() });
const job = z.looseObject({
	id: z.number(),
	name: z.string(),
	status: z.string(),
	created_at: z.string(),
	html_url: z.string().nullable().optional(),
	labels: z.array(z.string()).default([])
});
const repo = z.looseObject({ full_name: z.string(), archived: z.boolean().optional() });

async function reposInScope(client: GithubClient, source: string, scope: GithubScope): Promise<string[]> {
	if ('repos' in scope) return scope.repos;
	if ('enterprise' in scope) return [];
	const list = await client.paginate('GET /orgs/{org}/repos', { org: scope.org, per_page: 100 });
	const parsed = z.array(repo).safeParse(list);
	if (!parsed.success) throw new UpstreamError(source, 'invalid_response', `unexpected repository list from GitHub: ${parsed.error.issues[0]?.message}`);
	return parsed.data.filter((r) => !r.archived).map((r) => r.full_name);
}

/** Every queued job of the repositories in scope, with its labels and creation time. */
export async function listQueuedJobs(client: GithubClient, source: string, scope: GithubScope): Promise<{ jobs: PendingJob[]; repos: number }> {
	try {
		const repos = await reposInScope(client, source, scope);
		const perRepo = await mapLimit(repos, CONCURRENCY, async (full) => {
			const [owner, name] = full.split('/') as [string, string];
			const runs = new Map<number, true>();
			for (const status of ['queued', 'in_progress'] as const) {
				const list = await client.paginate('GET /repos/{owner}/{repo}/actions/runs', { owner, repo: name, status, per_page: 100 });
				for (const r of z.array(run).parse(list)) runs.set(r.id, true);
			}
			const jobs = await mapLimit([...runs.keys()], CONCURRENCY, async (run_id) => {
				const list = await client.paginate('GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs', { owner, repo: name, run_id, per_page: 100 });
				return z
					.array(job)
					.parse(list)
					.filter((j) => j.status === 'queued')
					.map(
						(j): PendingJob => ({
							forge: 'github',
							source,
							upstream_id: j.id,
							name: j.name,
							project: full,
							url: j.html_url ?? null,
							tags: j.labels,
							created_at: j.created_at
						})
					);
			});
			return jobs.flat();
		});
		return { jobs: perRepo.flat(), repos: repos.length };
	} catch (e) {
		if (e instanceof UpstreamError) throw e;
		if (e instanceof z.ZodError) throw new UpstreamError(source, 'invalid_response', `unexpected workflow runs or jobs from GitHub: ${e.issues[0]?.message}`);
		throw githubError(source, e);
	}
}
