// Fleet: sources, runners (read, pause, resume), ARC scale sets (read, drain, undrain),
// runner pods and the autoscalers.
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { fleetQuery } from '$lib/core/fleet-query';
import { allOf, pageOf, pageSchema, pagingFields } from '$lib/core/paging';
import { podSchema, podStackSchema, runnerTypePodsSchema } from '$lib/core/pods';
import { runnerSchema } from '$lib/core/runner';
import { ephemeralRunnerSchema } from '$lib/core/scale-sets';
import { sourceStateSchema } from '$lib/core/sources';
import { sourceCheckSchema } from '$lib/core/source-check';
import { freshnessFields, withFreshness } from '../../fleet/freshness';
import { allPods, podsPerRunnerType } from '../../services/pods';
import { runnerDetailSchema } from '../../services/runner-detail';
import { ACTION_RESULTS, bulkActionSchema, bulkBody, pauseBody, setPausedMany } from '../../services/runner-actions';
import { allScaleSets, drain, scaleSetDetail, scaleSetViewSchema, undrain, undrainBody } from '../../services/scale-sets';
import { DomainError } from '../../services/errors';
import { outdatedFields, versionSkew, versionSkewSchema, withOutdated } from '../../services/version-skew';
import { errorSchema } from '../errors';
import { op, PreSerialised } from '../operation';

const idParams = z.strictObject({ id: z.string().max(300) });
const freshRunner = runnerSchema.extend({ ...freshnessFields, ...outdatedFields }).meta({ id: 'Runner' });
const freshScaleSet = scaleSetViewSchema.extend(freshnessFields).meta({ id: 'ScaleSet' });

export const listSources = op({
	id: 'listSources',
	reuse: true,
	method: 'GET',
	path: '/api/v1/sources',
	access: 'viewer',
	tag: 'Fleet',
	summary: 'Each configured source with its status (ok, degraded, down), last success, last error, data age and whether it is simulated.',
	responses: { 200: pageSchema(sourceStateSchema.meta({ id: 'Source' })) },
	handler: ({ app }) => allOf(app.sources.list())
});

export const checkSources = op({
	id: 'checkSources',
	method: 'GET',
	path: '/api/v1/sources/check',
	access: 'admin',
	tag: 'Fleet',
	summary: 'Asks every configured source now what it lets the dashboard do: reachable, who its token or identity is, and whether that covers each feature, with the fix when not (as `runner-dashboard check`).',
	description:
		'GitLab: GET /user and /personal_access_tokens/self (scopes) and one page of the runner listing; GitHub: GET /user with X-OAuth-Scopes (or the app installation) and one page of the listing; Kubernetes: a SelfSubjectAccessReview per resource, verb and namespace the dashboard uses; Prometheus: a query. Takes up to about 10 s; concurrent calls share one run. `ok` is false when a row is missing or in error.',
	responses: { 200: sourceCheckSchema.meta({ id: 'SourceCheck' }) },
	handler: async ({ app }) => (await app.sourceCheck.run()).report
});

export const listRunners = op({
	id: 'listRunners',
	method: 'GET',
	path: '/api/v1/runners',
	access: 'viewer',
	tag: 'Fleet',
	summary: 'Runners across forges: paged, filtered, searched and sorted on the server.',
	description:
		'Filters take comma-separated values (`status=online,offline`); `tag` requires every tag given. `offline_days` lists runners not online and not contacted for at least that many days. `outdated` (`true`, `false`, `unknown`) holds each runner against its forge’s reference version (see `GET /api/v1/runners/version-skew`).',
	query: fleetQuery,
	responses: { 200: pageSchema(freshRunner), 400: errorSchema },
	handler: ({ app, query }) => new PreSerialised(app.views.json(query, (items) => withOutdated(withFreshness(app.sources, items), app.forgeVersions.outdated)))
});

export const getVersionSkew = op({
	id: 'getVersionSkew',
	reuse: true,
	method: 'GET',
	path: '/api/v1/runners/version-skew',
	access: 'viewer',
	tag: 'Fleet',
	summary: 'Each forge source’s reference version, and per runner type (GitLab runner HPA type, ARC scale set) how many runners are behind it or not known.',
	description:
		'GitLab: the runner’s major.minor against GitLab’s own version. GitHub: the runner’s version against the newest runner release the server distributes, else `runner_versions.github_minimum`. Runners are put in a runner type as the Capacity page groups them: a GitLab runner by the HPA-scaled Deployment its name starts with, an ARC runner by its scale set.',
	responses: { 200: versionSkewSchema.meta({ id: 'VersionSkew' }) },
	handler: ({ app }) => versionSkew(app)
});

export const getRunner = op({
	id: 'getRunner',
	method: 'GET',
	path: '/api/v1/runners/{id}',
	access: 'viewer',
	tag: 'Fleet',
	summary: 'One runner (`<forge>:<source>:<upstream id>`) with its managers, recent jobs (queued and run durations) and pods.',
	description: 'Managers and jobs are read from the forge when asked (cached 10 s); each caller may cause at most 60 such reads a minute (429 with Retry-After beyond).',
	params: idParams,
	responses: { 200: runnerDetailSchema.meta({ id: 'RunnerDetail' }), 400: errorSchema, 404: errorSchema, 429: errorSchema },
	handler: async ({ app, actor, params }) => {
		const detail = await app.runnerDetails.get(actor, params.id);
		// The service gives back the same object while nothing in it changed: its bytes are kept
		// for it (serialising jobs, events and managers and copying 135 KB per request otherwise).
		const kept = detailAnswers.get(params.id);
		if (kept && kept.detail === detail) return new PreSerialised(kept.bytes);
		// `pods` comes last and is most of the answer: hundreds of pods shared by every runner of a
		// type, kept as UTF-8 bytes so a new answer neither serialises nor encodes them again.
		const { pods, ...rest } = detail;
		const bytes = Buffer.concat([Buffer.from(`${JSON.stringify(rest).slice(0, -1)},"pods":`), podsBytesOnce(pods), CLOSE_BRACE]);
		detailAnswers.set(params.id, { detail, bytes });
		return new PreSerialised(bytes);
	}
});

const CLOSE_BRACE = Buffer.from('}');
/** The last answer per runner, bounded by its bytes. */
const detailAnswers = new LRUCache<string, { detail: object; bytes: Buffer }>({ maxSize: 8 * 2 ** 20, sizeCalculation: (v) => Math.max(1, v.bytes.length) });

/** JSON bytes of pod lists, kept while the list is (pod lists are rebuilt, not changed, when the cluster changes). */
const podsJson = new WeakMap<object, Buffer>();
function podsBytesOnce(pods: object[]): Buffer {
	let bytes = podsJson.get(pods);
	if (bytes === undefined) podsJson.set(pods, (bytes = Buffer.from(JSON.stringify(pods))));
	return bytes;
}

const STATUS_OF_RESULT = { done: 200, not_found: 404, unsupported: 409, upstream_error: 502, invalid_id: 400 } as const;

function runnerAction(paused: boolean) {
	const verb = paused ? 'pause' : 'resume';
	return op({
		id: paused ? 'pauseRunner' : 'resumeRunner',
		method: 'POST',
		path: `/api/v1/runners/{id}/${verb}`,
		access: 'operator',
		tag: 'Fleet',
		summary: paused
			? 'Pause a GitLab runner (PUT paused=true upstream), with an optional maintenance note. GitHub runners have no pause API: 409.'
			: 'Resume a paused GitLab runner.',
		params: idParams,
		body: pauseBody.optional(),
		responses: { 200: freshRunner, 400: errorSchema, 404: errorSchema, 409: errorSchema, 502: errorSchema },
		handler: async ({ app, actor, params, body }) => {
			const [outcome] = await setPausedMany(app, actor, [params.id], paused, body?.note);
			if (!outcome!.ok) {
				const status = STATUS_OF_RESULT[outcome!.result];
				const kind = status === 400 ? 'invalid' : status === 404 ? 'not_found' : status === 409 ? 'unsupported' : 'upstream';
				throw new DomainError(kind, outcome!.result, outcome!.message ?? 'failed');
			}
			return withOutdated(withFreshness(app.sources, [outcome!.runner!]), app.forgeVersions.outdated)[0]!;
		}
	});
}

export const pauseRunner = runnerAction(true);
export const resumeRunner = runnerAction(false);

export const bulkRunnerAction = op({
	id: 'bulkRunnerAction',
	method: 'POST',
	path: '/api/v1/runners/bulk',
	access: 'operator',
	tag: 'Fleet',
	summary: 'Pause or resume up to 500 runners; answers each runner’s outcome (done, not_found, unsupported, upstream_error, invalid_id).',
	description: '200 even when some failed: each item says what happened to it. Every runner is its own upstream call and audit record.',
	body: bulkBody,
	responses: {
		200: z.object({
			action: bulkActionSchema,
			succeeded: z.number().int(),
			failed: z.number().int(),
			items: z.array(z.object({ id: z.string(), ok: z.boolean(), result: z.enum(ACTION_RESULTS), message: z.string().optional() }))
		}),
		400: errorSchema
	},
	handler: async ({ app, actor, body }) => {
		const items = await setPausedMany(app, actor, body.ids, body.action === 'pause', body.note);
		const succeeded = items.filter((i) => i.ok).length;
		return { action: body.action, succeeded, failed: items.length - succeeded, items: items.map(({ runner: _r, ...rest }) => rest) };
	}
});

export const scaleSetsQuery = z.strictObject({
	...pagingFields,
	q: z.string().max(200).optional(),
	source: z.string().max(100).optional(),
	namespace: z.string().max(100).optional(),
	drained: z.enum(['true', 'false']).optional()
});

export const listScaleSets = op({
	id: 'listScaleSets',
	reuse: true,
	method: 'GET',
	path: '/api/v1/scale-sets',
	access: 'viewer',
	tag: 'Fleet',
	summary: 'ARC runner scale sets from the watched clusters: min/max/current/desired runners, pending/running/failed ephemeral runners, drained, and the jobs a drain strands.',
	query: scaleSetsQuery,
	responses: { 200: pageSchema(freshScaleSet), 400: errorSchema },
	handler: ({ app, query: q }) => {
		const page = pageOf(scaleSetsMatching(app, q), q.page, q.per_page);
		return { ...page, items: withFreshness(app.sources, page.items) };
	}
});

/** The scale sets a list query selects, in list order (the JSON list and its CSV export). */
export function scaleSetsMatching(app: Parameters<typeof allScaleSets>[0], q: z.infer<typeof scaleSetsQuery>) {
	const needle = q.q?.toLowerCase();
	return allScaleSets(app).filter(
		(s) =>
			(!q.source || s.source === q.source) &&
			(!q.namespace || s.namespace === q.namespace) &&
			(!q.drained || s.drained === (q.drained === 'true')) &&
			(!needle || `${s.name} ${s.scale_set_name} ${s.runner_group ?? ''}`.toLowerCase().includes(needle))
	);
}

export const getScaleSet = op({
	id: 'getScaleSet',
	method: 'GET',
	path: '/api/v1/scale-sets/{id}',
	access: 'viewer',
	tag: 'Fleet',
	summary: 'One scale set (`<source>:<namespace>:<name>`) with its ephemeral runners (phase, failures, job).',
	params: idParams,
	responses: {
		200: freshScaleSet.extend({ ephemeral_runners_list: z.array(ephemeralRunnerSchema) }).meta({ id: 'ScaleSetDetail' }),
		400: errorSchema,
		404: errorSchema
	},
	handler: ({ app, params }) => scaleSetDetail(app, params.id)
});

export const drainScaleSet = op({
	id: 'drainScaleSet',
	method: 'POST',
	path: '/api/v1/scale-sets/{id}/drain',
	access: 'operator',
	tag: 'Fleet',
	summary: 'Drain: patch spec.maxRunners to 0, remembering the previous value in an annotation. Jobs already assigned but not running wait until undrain.',
	params: idParams,
	responses: { 200: scaleSetViewSchema, 400: errorSchema, 404: errorSchema, 409: errorSchema, 502: errorSchema },
	handler: ({ app, actor, params }) => drain(app, actor, params.id)
});

export const undrainScaleSet = op({
	id: 'undrainScaleSet',
	method: 'POST',
	path: '/api/v1/scale-sets/{id}/undrain',
	access: 'operator',
	tag: 'Fleet',
	summary: 'Restore the maxRunners a drain replaced, or the given max_runners (above the remembered value: admin only).',
	params: idParams,
	body: undrainBody.optional(),
	responses: { 200: scaleSetViewSchema, 400: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 502: errorSchema },
	handler: ({ app, actor, params, body }) => undrain(app, actor, params.id, body?.max_runners)
});

export const podsQuery = z.strictObject({
	...pagingFields,
	runner_type: z.string().max(200).optional(),
	stack: podStackSchema.optional(),
	source: z.string().max(100).optional(),
	phase: z.string().max(50).optional()
});

export const listPods = op({
	id: 'listPods',
	reuse: true,
	method: 'GET',
	path: '/api/v1/pods',
	access: 'viewer',
	tag: 'Fleet',
	summary: 'Pods of the runner stacks (GitLab runner Deployments, ARC ephemeral runners) with phase, readiness and restarts, plus a per-runner-type summary.',
	query: podsQuery,
	responses: {
		200: pageSchema(podSchema.extend({ source: z.string(), simulated: z.boolean(), ...freshnessFields }).meta({ id: 'Pod' })).extend({
			by_runner_type: z.array(runnerTypePodsSchema)
		}),
		400: errorSchema
	},
	handler: ({ app, query: q }) => {
		const page = pageOf(podsMatching(app.kubernetes, q), q.page, q.per_page);
		return { ...page, items: withFreshness(app.sources, page.items), by_runner_type: podsPerRunnerType(app.kubernetes) };
	}
});

/** The pods a list query selects, in list order (the JSON list and its CSV export). */
export function podsMatching(kubernetes: Parameters<typeof allPods>[0], q: z.infer<typeof podsQuery>) {
	// Unfiltered, the kept list itself: copying 3 000 pods per request was a pods read's largest cost.
	if (!q.runner_type && !q.stack && !q.source && !q.phase) return allPods(kubernetes);
	return allPods(kubernetes).filter((p) => (!q.runner_type || p.runner_type === q.runner_type) && (!q.stack || p.stack === q.stack) && (!q.source || p.source === q.source) && (!q.phase || p.phase === q.phase));
}

export const FLEET_OPERATIONS = [
	listSources,
	checkSources,
	listRunners,
	getVersionSkew,
	getRunner,
	pauseRunner,
	resumeRunner,
	bulkRunnerAction,
	listScaleSets,
	getScaleSet,
	drainScaleSet,
	undrainScaleSet,
	listPods
];
