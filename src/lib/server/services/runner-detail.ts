// A runner's page: its managers, current and recent jobs, and pods. Managers and jobs
// are read from the forge when the page is opened (not in every sync: they change
// too often to keep for tens of thousands of runners), cached briefly.
import { z } from 'zod';
import { gitlabRunnerManager } from '$lib/core/gitlab-runner';
import { gitlabJob, normalizeGitlabJob, podsForRunner, type RunnerJob } from '$lib/core/gitlab-job';
import { parseRunnerId, type Runner, type RunnerManager } from '$lib/core/runner';
import { app } from '../app';
import { ApiError } from '../http/errors';
import { withFreshness } from '../fleet/freshness';
import { allPods } from './pods';

const CACHE_MS = 10_000;
const cache = new Map<string, { at: number; value: Promise<Extras> }>();

interface Extras {
	managers: RunnerManager[] | null;
	jobs: RunnerJob[] | null;
	errors: string[];
}

async function gitlabExtras(runner: Runner): Promise<Extras> {
	const source = app().gitlab.get(runner.source);
	if (!source) return { managers: null, jobs: null, errors: [`no GitLab source ${runner.source}`] };
	const errors: string[] = [];
	// gitbeaker has no resource for runner managers; its requester (our transport) reaches the endpoint.
	const requester = (source.client.Runners as unknown as { requester: { get(path: string, o?: object): Promise<{ body: unknown }> } }).requester;
	const [managers, jobs] = await Promise.all([
		requester
			.get(`runners/${runner.upstream_id}/managers`, {})
			.then((r) => z.array(gitlabRunnerManager).parse(r.body).map((m) => ({ system_id: m.system_id, version: m.version ?? null, status: m.status ?? null, contacted_at: m.contacted_at ?? null, ip_address: m.ip_address ?? null })))
			.catch((e: Error) => (errors.push(`managers: ${e.message}`), null)),
		source.client.Runners.allJobs(runner.upstream_id, { orderBy: 'id', sort: 'desc', perPage: 20, page: 1, maxPages: 1 } as never)
			.then((list) => z.array(gitlabJob).parse(list).map(normalizeGitlabJob))
			.catch((e: Error) => (errors.push(`jobs: ${e.message}`), null))
	]);
	return { managers, jobs, errors };
}

function extrasFor(runner: Runner): Promise<Extras> {
	if (runner.forge !== 'gitlab') return Promise.resolve({ managers: null, jobs: null, errors: [] });
	const hit = cache.get(runner.id);
	if (hit && Date.now() - hit.at < CACHE_MS) return hit.value;
	const value = gitlabExtras(runner);
	cache.set(runner.id, { at: Date.now(), value });
	if (cache.size > 1000) cache.delete(cache.keys().next().value!);
	return value;
}

export async function runnerDetail(id: string) {
	if (!parseRunnerId(id)) throw new ApiError(400, 'invalid_id', 'runner ids look like gitlab:<source>:<number>');
	const runner = app().fleet.get(id);
	if (!runner) throw new ApiError(404, 'not_found', `no runner ${id}`);
	const extras = await extrasFor(runner);
	return { ...withFreshness([runner])[0]!, ...extras, managers: extras.managers ?? runner.managers, pods: podsForRunner(runner, allPods()) };
}
