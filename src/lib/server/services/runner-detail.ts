// A runner's page: its managers, current and recent jobs, and pods. Managers and jobs
// are read from the forge when the page is opened (not in every sync: they change
// too often to keep for tens of thousands of runners), cached briefly, and each
// principal may send only so many of those reads upstream a minute, so nobody can
// spend the forge token's rate limit that the pollers need.
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { gitlabRunnerManager } from '$lib/core/gitlab-runner';
import { gitlabJob, normalizeGitlabJob, runnerJobSchema } from '$lib/core/gitlab-job';
import { messageOf } from '$lib/core/errors';
import { podSchema } from '$lib/core/pods';
import { parseRunnerId, runnerManagerSchema, runnerSchema, type Runner } from '$lib/core/runner';
import type { AppContext } from '../app';
import { freshnessFields, withFreshness } from '../fleet/freshness';
import type { Actor } from './actor';
import { DomainError } from './errors';
import { podsOfRunner } from './pods';

const CACHE_MS = 10_000;
/** Upstream reads (cache misses) one principal may cause per minute. */
export const UPSTREAM_READS_PER_MINUTE = 60;

export const runnerDetailSchema = runnerSchema.extend({
	...freshnessFields,
	managers: z.array(runnerManagerSchema),
	jobs: z.array(runnerJobSchema).nullable().meta({ description: 'Recent jobs, newest first (GitLab); null when not read.' }),
	errors: z.array(z.string()).meta({ description: 'What could not be read from the forge for this page (managers, jobs).' }),
	pods: z.array(podSchema.extend({ source: z.string(), simulated: z.boolean() }))
});

interface Extras {
	managers: z.infer<typeof runnerManagerSchema>[] | null;
	jobs: z.infer<typeof runnerJobSchema>[] | null;
	errors: string[];
}

export type RunnerDetailDeps = Pick<AppContext, 'fleet' | 'gitlab' | 'kubernetes' | 'sources'>;

export class RunnerDetails {
	private extras = new LRUCache<string, Promise<Extras>>({ max: 1_000, ttl: CACHE_MS });
	private budgets = new LRUCache<string, { windowStart: number; used: number }>({ max: 10_000 });

	constructor(private deps: RunnerDetailDeps) {}

	async get(actor: Actor, id: string) {
		if (!parseRunnerId(id)) throw new DomainError('invalid', 'invalid_id', 'runner ids look like gitlab:<source>:<number>');
		const runner = this.deps.fleet.get(id);
		if (!runner) throw new DomainError('not_found', 'not_found', `no runner ${id}`);
		const extras = await this.extrasFor(actor, runner);
		return {
			...withFreshness(this.deps.sources, [runner])[0]!,
			...extras,
			managers: extras.managers ?? runner.managers,
			pods: podsOfRunner(this.deps.kubernetes, runner)
		};
	}

	private extrasFor(actor: Actor, runner: Runner): Promise<Extras> {
		if (runner.forge !== 'gitlab') return Promise.resolve({ managers: null, jobs: null, errors: [] });
		const hit = this.extras.get(runner.id);
		if (hit) return hit;
		this.spend(actor);
		const value = this.gitlabExtras(runner);
		this.extras.set(runner.id, value);
		return value;
	}

	private spend(actor: Actor) {
		const key = actor.principal ? `${actor.principal.kind}:${actor.principal.id}` : `ip:${actor.ip}`;
		const now = Date.now();
		let b = this.budgets.get(key);
		if (!b || now - b.windowStart >= 60_000) this.budgets.set(key, (b = { windowStart: now, used: 0 }));
		if (b.used >= UPSTREAM_READS_PER_MINUTE) {
			const retryAfterS = Math.ceil((b.windowStart + 60_000 - now) / 1000);
			throw new DomainError('throttled', 'throttled', `at most ${UPSTREAM_READS_PER_MINUTE} runner details a minute are read from the forge for one caller; try again in ${retryAfterS} s`, {
				retryAfterS
			});
		}
		b.used++;
	}

	private async gitlabExtras(runner: Runner): Promise<Extras> {
		const source = this.deps.gitlab.get(runner.source);
		if (!source) return { managers: null, jobs: null, errors: [`no GitLab source ${runner.source}`] };
		const errors: string[] = [];
		// gitbeaker has no resource for runner managers; its requester (our transport) reaches the endpoint.
		const requester = (source.client.Runners as unknown as { requester: { get(path: string, o?: object): Promise<{ body: unknown }> } }).requester;
		const [managers, jobs] = await Promise.all([
			requester
				.get(`runners/${runner.upstream_id}/managers`, {})
				.then((r) =>
					z
						.array(gitlabRunnerManager)
						.parse(r.body)
						.map((m) => ({ system_id: m.system_id, version: m.version ?? null, status: m.status ?? null, contacted_at: m.contacted_at ?? null, ip_address: m.ip_address ?? null }))
				)
				.catch((e: unknown) => (errors.push(`managers: ${messageOf(e)}`), null)),
			source.client.Runners.allJobs(runner.upstream_id, { orderBy: 'id', sort: 'desc', perPage: 20, page: 1, maxPages: 1 } as never)
				.then((list) => z.array(gitlabJob).parse(list).map(normalizeGitlabJob))
				.catch((e: unknown) => (errors.push(`jobs: ${messageOf(e)}`), null))
		]);
		return { managers, jobs, errors };
	}
}
