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
import { deploymentOf } from '$lib/core/autoscalers/views';
import { deploymentScope, ephemeralRunnerScope, eventsFor, hpaScope, type EventObject, type EventScope } from '$lib/core/cluster-events';
import { outdatedSchema } from '$lib/core/versions';
import { parseRunnerId, runnerManagerSchema, runnerSchema, type Runner } from '$lib/core/runner';
import type { AppContext } from '../app';
import { freshnessFields, withFreshness } from '../fleet/freshness';
import type { Actor } from './actor';
import { DomainError } from './errors';
import { clusterEventItemSchema } from './cluster-events';
import { podsOfRunner } from './pods';

const CACHE_MS = 10_000;
/** Upstream reads (cache misses) one principal may cause per minute. */
export const UPSTREAM_READS_PER_MINUTE = 60;
/** A runner page shows its stack's latest Events, within what the API server keeps (--event-ttl, an hour by default). */
export const RUNNER_EVENTS_LIMIT = 20;
const EVENTS_MAX_AGE_S = 3600;

export const runnerDetailSchema = runnerSchema.extend({
	...freshnessFields,
	managers: z.array(runnerManagerSchema),
	jobs: z.array(runnerJobSchema).nullable().meta({ description: 'Recent jobs, newest first (GitLab); null when not read.' }),
	errors: z.array(z.string()).meta({ description: 'What could not be read from the forge for this page (managers, jobs).' }),
	outdated: outdatedSchema,
	reference_version: z.string().nullable().meta({ description: 'The forge’s version this runner is held against (GitLab’s own; GitHub’s newest runner release or the configured minimum); null while not known.' }),
	events: z
		.array(clusterEventItemSchema)
		.meta({ description: `Kubernetes Events of the runner's stack, newest first, at most ${RUNNER_EVENTS_LIMIT}: a GitLab runner's runner type (its HPA, Deployment, ReplicaSets and pods), an ARC runner's scale set, EphemeralRunner and pod.` }),
	pods: z.array(podSchema.extend({ source: z.string(), simulated: z.boolean() }))
});

interface Extras {
	managers: z.infer<typeof runnerManagerSchema>[] | null;
	jobs: z.infer<typeof runnerJobSchema>[] | null;
	errors: string[];
}

export type RunnerDetailDeps = Pick<AppContext, 'fleet' | 'gitlab' | 'kubernetes' | 'sources' | 'autoscalers' | 'forgeVersions'>;

// One object, so a GitHub runner's detail is the same while its parts are (see get()).
const NO_EXTRAS: Extras = { managers: null, jobs: null, errors: [] };

export class RunnerDetails {
	private extras = new LRUCache<string, Promise<Extras>>({ max: 1_000, ttl: CACHE_MS });
	private budgets = new LRUCache<string, { windowStart: number; used: number }>({ max: 10_000 });
	// A runner's detail, kept with the parts it was made of (see get()).
	private details = new LRUCache<string, { parts: unknown[]; detail: object }>({ max: 1_000 });
	// A stack's Events, kept while the cluster's watches see no change and within the same
	// second (their age limit moves with the clock): each read scanned every Event otherwise.
	private events = new LRUCache<string, { version: number; second: number; events: ReturnType<typeof eventsFor> }>({ max: 1_000 });

	constructor(private deps: RunnerDetailDeps) {}

	async get(actor: Actor, id: string) {
		if (!parseRunnerId(id)) throw new DomainError('invalid', 'invalid_id', 'runner ids look like gitlab:<source>:<number>');
		const runner = this.deps.fleet.get(id);
		if (!runner) throw new DomainError('not_found', 'not_found', `no runner ${id}`);
		const extras = await this.extrasFor(actor, runner);
		const pods = podsOfRunner(this.deps.kubernetes, runner);
		const fresh = withFreshness(this.deps.sources, [runner])[0]!;
		const outdated = this.deps.forgeVersions.outdated(runner);
		const reference = this.deps.forgeVersions.reference(runner.source);
		const events = this.eventsOf(runner, pods);
		// The same parts give back the same detail object, so the answer's bytes can be kept
		// for it (getRunner): its jobs, events and managers were serialised again per request.
		const parts = [fresh, extras, outdated, reference, events, pods];
		const kept = this.details.get(id);
		if (kept && kept.parts.every((p, i) => p === parts[i])) return kept.detail as typeof detail;
		const detail = { ...fresh, ...extras, managers: extras.managers ?? runner.managers, outdated, reference_version: reference, events, pods };
		this.details.set(id, { parts, detail });
		return detail;
	}

	/** The Events of the objects behind a runner, from the cluster that runs them. */
	private eventsOf(runner: Runner, pods: { source: string; namespace: string; runner_type: string; stack: string }[]) {
		const found = this.stackOf(runner, pods);
		const k = found && this.deps.kubernetes.get(found.source);
		if (!k || !found) return [];
		const now = Date.now();
		const [key, version, second] = [`${found.source} ${JSON.stringify(found.scope)}`, k.version(), Math.floor(now / 1000)];
		const kept = this.events.get(key);
		if (kept && kept.version === version && kept.second === second) return kept.events;
		const events = eventsFor(k.objects<EventObject>('Event'), found.scope, now, { maxAgeS: EVENTS_MAX_AGE_S, limit: RUNNER_EVENTS_LIMIT });
		this.events.set(key, { version, second, events });
		return events;
	}

	private stackOf(runner: Runner, pods: { source: string; namespace: string; runner_type: string; stack: string }[]): { source: string; scope: EventScope } | null {
		if (runner.forge === 'github') {
			if (!runner.scale_set) return null;
			for (const k of this.deps.kubernetes.values()) {
				const s = k.scaleSets().find((x) => x.scale_set_name === runner.scale_set || x.name === runner.scale_set);
				if (s) return { source: k.name, scope: ephemeralRunnerScope(s.namespace, s.name, runner.name) };
			}
			return null;
		}
		// A GitLab runner is served by the Deployment its name starts with (`docker-runner-12` → `docker-runner`); the longest such wins.
		const hpa = this.deps.autoscalers
			.list()
			.filter((a) => a.kind === 'hpa' && runner.name.startsWith(`${deploymentOf(a)}-`))
			.sort((a, b) => deploymentOf(b).length - deploymentOf(a).length)[0];
		if (hpa) return { source: hpa.source, scope: hpaScope(hpa.namespace, hpa.name, deploymentOf(hpa)) };
		const pod = pods.find((p) => p.stack === 'gitlab');
		return pod ? { source: pod.source, scope: deploymentScope(pod.namespace, pod.runner_type) } : null;
	}

	private extrasFor(actor: Actor, runner: Runner): Promise<Extras> {
		if (runner.forge !== 'gitlab') return Promise.resolve(NO_EXTRAS);
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
