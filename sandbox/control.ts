// The /_sandbox control API: read the ground truth and steer the world (load, clock,
// fleet size, faults, out-of-band runner changes). No auth: the server binds loopback.
// Bodies are JSON whatever the Content-Type (so plain `curl -d '{...}'` works).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { BodyError, readJson } from './http/body.js';
import { sendJson } from './http/respond.js';
import type { RequestCounts } from './http/counts.js';
import { Router, type Ctx } from './http/router.js';
import { gitlabByRunnerType } from './exporters/gitlab.js';
import { FAULT_MODES, FAULT_TARGETS, type Faults } from './faults.js';
import { clusterControlRoutes } from './cluster-control.js';
import { jobControlRoutes } from './control-jobs.js';
import { gitopsControlRoutes } from './gitops/control.js';
import { GitOpsError } from './gitops/gitops.js';
import { IDENTITY_CONTROL_ENDPOINTS, identityControlRoutes } from './identity/control.js';
import type { Identity } from './identity/identity.js';
import { DAY, iso } from './sim/clock.js';
import { plainBusy, plainStatus } from './sim/github/model.js';
import type { World } from './sim/world.js';
import { deadWeight } from './truth.js';

export const MAX_JOBS_PER_MINUTE = 100_000;
export const MAX_SPEED = 1000;
export const MAX_ADVANCE_S = 30 * (DAY / 1000);
export const MAX_GITLAB_RUNNERS = 10_000;
export const MAX_GITHUB_RUNNERS = 10_000;
export const MAX_SCALE_SETS = 100;
export const MAX_EPHEMERAL_FLOOR = 5_000;
export const MAX_POD_TARGET = 20_000;

/** Type error messages that say whether the field was missing or of the wrong type. */
const typeError = (name: string, kind: string) => (iss: { input?: unknown }) =>
	iss.input === undefined ? `${name} is required` : `${name} must be ${kind}`;
const finite = (name: string) => z.number({ error: typeError(name, 'a number') }).finite();

const rate = (name: string) =>
	finite(name)
		.min(0, `${name} must be at least 0`)
		.max(MAX_JOBS_PER_MINUTE, `${name} must be at most ${MAX_JOBS_PER_MINUTE}`)
		.optional();

const LoadBody = z
	.strictObject({ jobs_per_minute: rate('jobs_per_minute'), github_jobs_per_minute: rate('github_jobs_per_minute') })
	.refine((b) => b.jobs_per_minute !== undefined || b.github_jobs_per_minute !== undefined, {
		message: 'jobs_per_minute is required (and/or github_jobs_per_minute)'
	});

const FaultBody = z.strictObject({
	target: z.enum(FAULT_TARGETS, { error: typeError('target', `one of ${FAULT_TARGETS.join(', ')}`) }),
	mode: z.enum(FAULT_MODES, { error: typeError('mode', `one of ${FAULT_MODES.join(', ')}`) }),
	retry_after_s: z
		.number({ error: 'retry_after_s must be a number' })
		.int('retry_after_s must be a whole number of seconds')
		.min(0, 'retry_after_s must be at least 0')
		.max(3600, 'retry_after_s must be at most 3600')
		.optional()
});

const ClockBody = z
	.strictObject({
		speed: finite('speed').gt(0, 'speed must be greater than 0').max(MAX_SPEED, `speed must be at most ${MAX_SPEED}`).optional(),
		advance_s: finite('advance_s').min(0, 'advance_s must be at least 0').max(MAX_ADVANCE_S, `advance_s must be at most ${MAX_ADVANCE_S} (30 days)`).optional()
	})
	.refine((b) => b.speed !== undefined || b.advance_s !== undefined, { message: 'give speed and/or advance_s' });

const count = (name: string, max: number) =>
	z
		.number({ error: typeError(name, 'a number') })
		.int(`${name} must be a whole number`)
		.min(0, `${name} must be at least 0`)
		.max(max, `${name} must be at most ${max}`)
		.optional();

const FleetBody = z
	.strictObject({
		gitlab_runners: count('gitlab_runners', MAX_GITLAB_RUNNERS),
		github_runners: count('github_runners', MAX_GITHUB_RUNNERS),
		scale_sets: count('scale_sets', MAX_SCALE_SETS),
		ephemeral_runners: count('ephemeral_runners', MAX_EPHEMERAL_FLOOR),
		pods: count('pods', MAX_POD_TARGET)
	})
	.refine((b) => Object.values(b).some((v) => v !== undefined), {
		message: 'give at least one of gitlab_runners, github_runners, scale_sets, ephemeral_runners, pods'
	});

const GitHubRunnerChange = z
	.strictObject({
		status: z.enum(['online', 'offline'], { error: 'status must be online or offline' }).optional(),
		busy: z.boolean({ error: 'busy must be true or false' }).optional()
	})
	.refine((b) => b.status !== undefined || b.busy !== undefined, { message: 'give at least one of status, busy' });

const RunnerChange = z
	.strictObject({
		online: z.boolean({ error: 'online must be true or false' }).optional(),
		paused: z.boolean({ error: 'paused must be true or false' }).optional(),
		tag_list: z.array(z.string({ error: 'tag_list items must be strings' }), { error: 'tag_list must be an array of strings' }).optional()
	})
	.refine((b) => b.online !== undefined || b.paused !== undefined || b.tag_list !== undefined, {
		message: 'give at least one of online, paused, tag_list'
	});

class ControlError extends Error {
	constructor(
		readonly status: number,
		message: string
	) {
		super(message);
	}
}

async function body<T>(ctx: Ctx, schema: z.ZodType<T>): Promise<T> {
	const raw = (await readJson(ctx.req)) ?? {};
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ControlError(400, 'body must be a JSON object');
	const parsed = schema.safeParse(raw);
	if (!parsed.success) {
		const msg = parsed.error.issues.map((i) => (i.path.length && !i.message.includes(String(i.path[0])) ? `${i.path.join('.')}: ${i.message}` : i.message));
		throw new ControlError(400, msg.join('; '));
	}
	return parsed.data;
}

/** `offlineDays` adds `dead_weight`: the runners offline longer than that many days. */
export function groundTruth(world: World, faults: Faults, offlineDays?: number) {
	const counts = world.gitlab.counts(world.stepTime(), world.now());
	return {
		now: iso(world.now()),
		epoch: iso(world.clock.originMs),
		seed: world.seed,
		speed: world.clock.speed,
		jobs_per_minute: world.jobsPerMinute,
		github_jobs_per_minute: world.githubJobsPerMinute,
		gitlab: { ...counts, by_runner_type: gitlabByRunnerType(world) },
		github: world.github.counts(),
		arc: { scale_sets: world.kube.scaleSets() },
		k8s: world.kube.counts(),
		gitops: world.gitops.truth(),
		faults: faults.modes(),
		held_requests: faults.heldCount(),
		...(offlineDays === undefined ? {} : { dead_weight: deadWeight(world, offlineDays) })
	};
}

export function createControl(world: World, faults: Faults, log: (msg: string) => void, requests?: Record<'gitlab' | 'github', RequestCounts>, identity?: Identity) {
	const router = new Router();
	const state = (ctx: Ctx) => {
		const raw = ctx.url.searchParams.get('offline_days');
		const days = raw === null ? undefined : Number(raw);
		if (days !== undefined && !(raw !== '' && Number.isFinite(days) && days >= 0)) throw new ControlError(400, 'offline_days must be a number of days, at least 0');
		sendJson(ctx.res, 200, groundTruth(world, faults, days));
	};

	router.get('/', (ctx) =>
		sendJson(ctx.res, 200, {
			endpoints: [
				'GET /_sandbox/state',
				'GET /_sandbox/requests',
				'GET /_sandbox/jobs',
				'POST /_sandbox/jobs',
				'POST /_sandbox/load',
				'POST /_sandbox/faults',
				'POST /_sandbox/clock',
				'POST /_sandbox/fleet',
				'POST /_sandbox/gitlab/runners/:id',
				'POST /_sandbox/github/runners/:id',
				'POST /_sandbox/gitops/commit',
				'POST /_sandbox/gitops/state',
				'POST /_sandbox/gitops/apply',
				'GET /_sandbox/gitops/changes',
				'POST /_sandbox/gitops/fail-job',
				'POST /_sandbox/gitops/fail-next',
				'POST /_sandbox/gitops/conflict',
				'POST /_sandbox/gitops/merge',
				'GET /_sandbox/webhooks',
				'POST /_sandbox/webhooks',
				'DELETE /_sandbox/webhooks/:forge',
				'GET /_sandbox/webhooks/deliveries',
				'POST /_sandbox/webhooks/deliveries/:id/redeliver',
				'GET|POST /_sandbox/k8s/permissions',
				'POST /_sandbox/k8s/faults',
				'GET|POST /_sandbox/k8s/nodes',
				'POST /_sandbox/arc/listeners',
				'POST /_sandbox/arc/orphan',
				'POST /_sandbox/arc/freeze',
				...(identity ? IDENTITY_CONTROL_ENDPOINTS : [])
			],
			docs: 'docs/sandbox.md'
		})
	);
	router.get('/state', state);
	// Every forge API request answered so far, by method and route pattern.
	router.get('/requests', (ctx) => sendJson(ctx.res, 200, { gitlab: requests?.gitlab.snapshot() ?? {}, github: requests?.github.snapshot() ?? {} }));
	router.post('/load', async (ctx) => {
		const b = await body(ctx, LoadBody);
		if (b.jobs_per_minute !== undefined) world.jobsPerMinute = b.jobs_per_minute;
		if (b.github_jobs_per_minute !== undefined) world.githubJobsPerMinute = b.github_jobs_per_minute;
		state(ctx);
	});
	router.post('/faults', async (ctx) => {
		const b = await body(ctx, FaultBody);
		faults.set(b.target, b.mode, b.retry_after_s);
		log(`fault ${b.target} = ${b.mode}`);
		state(ctx);
	});
	router.post('/clock', async (ctx) => {
		const b = await body(ctx, ClockBody);
		if (b.speed !== undefined) world.clock.speed = b.speed;
		if (b.advance_s !== undefined) world.advance(b.advance_s * 1000);
		state(ctx);
	});
	router.post('/fleet', async (ctx) => {
		const b = await body(ctx, FleetBody);
		// Kubernetes-side changes are spec edits; the controllers act on them from the next step.
		if (b.gitlab_runners !== undefined) world.gitlab.resize(b.gitlab_runners, world.now());
		if (b.github_runners !== undefined) world.github.resize(b.github_runners, world.now());
		if (b.scale_sets !== undefined) world.kube.setScaleSets(b.scale_sets, world.now());
		if (b.ephemeral_runners !== undefined) world.kube.setEphemeralFloor(b.ephemeral_runners);
		if (b.pods !== undefined) world.kube.setPodTarget(b.pods);
		state(ctx);
	});
	router.post('/gitlab/runners/:id', async (ctx) => {
		const id = Number(ctx.params.id);
		const r = Number.isSafeInteger(id) ? world.gitlab.runner(id) : undefined;
		if (!r) throw new ControlError(404, `gitlab runner ${ctx.params.id} not found`);
		const b = await body(ctx, RunnerChange);
		const sim = world.gitlab;
		if (b.online !== undefined) sim.setOnline(r, b.online, world.stepTime(), world.now());
		if (b.paused !== undefined) sim.setPaused(r, b.paused);
		if (b.tag_list !== undefined) sim.setTags(r, b.tag_list);
		sendJson(ctx.res, 200, { id: r.id, online: r.connected, paused: r.paused, tag_list: r.tags });
	});
	router.post('/github/runners/:id', async (ctx) => {
		const id = Number(ctx.params.id);
		const sim = world.github;
		if (Number.isSafeInteger(id) && sim.ephemeralRunner(id)) {
			throw new ControlError(409, `github runner ${id} is an ARC ephemeral runner; change its AutoscalingRunnerSet instead`);
		}
		const r = Number.isSafeInteger(id) ? sim.runner(id) : undefined;
		if (!r) throw new ControlError(404, `github runner ${ctx.params.id} not found`);
		const b = await body(ctx, GitHubRunnerChange);
		if (b.status !== undefined) sim.setOnline(r, b.status === 'online', world.stepTime());
		if (b.busy !== undefined) sim.setBusy(r, b.busy, world.stepTime());
		sendJson(ctx.res, 200, { id: r.id, name: r.name, status: plainStatus(r), busy: plainBusy(r) });
	});

	gitopsControlRoutes(router, world, body);
	clusterControlRoutes(router, world, body);
	if (identity) identityControlRoutes(router, identity, body);
	jobControlRoutes(router, world, body);

	return async (req: IncomingMessage, res: ServerResponse, url: URL, path: string): Promise<void> => {
		const match = router.match(req.method ?? 'GET', path || '/');
		if (match.kind === 'not_found') return sendJson(res, 404, { error: `no control endpoint ${url.pathname}` });
		if (match.kind === 'method_not_allowed') return sendJson(res, 405, { error: `${req.method} not allowed on ${url.pathname}` });
		try {
			await match.handler({ req, res, url, path, params: match.params });
		} catch (err) {
			if (err instanceof ControlError || err instanceof BodyError || err instanceof GitOpsError) return sendJson(res, err.status, { error: err.message });
			log(`control: ${req.method} ${url.pathname} failed: ${err instanceof Error ? err.stack : String(err)}`);
			sendJson(res, 500, { error: 'internal error' });
		}
	};
}
