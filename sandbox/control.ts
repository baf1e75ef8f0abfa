// The /_sandbox control API: read the ground truth and steer the world (load, clock,
// fleet size, faults, out-of-band runner changes). No auth: the server binds loopback.
// Bodies are JSON whatever the Content-Type (so plain `curl -d '{...}'` works).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { BodyError, readJson } from './http/body.js';
import { sendJson } from './http/respond.js';
import { Router, type Ctx } from './http/router.js';
import { FAULT_MODES, FAULT_TARGETS, type Faults } from './faults.js';
import { DAY, iso } from './sim/clock.js';
import type { World } from './sim/world.js';

export const MAX_JOBS_PER_MINUTE = 100_000;
export const MAX_SPEED = 1000;
export const MAX_ADVANCE_S = 30 * (DAY / 1000);
export const MAX_GITLAB_RUNNERS = 10_000;

/** Type error messages that say whether the field was missing or of the wrong type. */
const typeError = (name: string, kind: string) => (iss: { input?: unknown }) =>
	iss.input === undefined ? `${name} is required` : `${name} must be ${kind}`;
const finite = (name: string) => z.number({ error: typeError(name, 'a number') }).finite();

const LoadBody = z.strictObject({
	jobs_per_minute: finite('jobs_per_minute')
		.min(0, 'jobs_per_minute must be at least 0')
		.max(MAX_JOBS_PER_MINUTE, `jobs_per_minute must be at most ${MAX_JOBS_PER_MINUTE}`)
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

const FleetBody = z.strictObject({
	gitlab_runners: z
		.number({ error: typeError('gitlab_runners', 'a number') })
		.int('gitlab_runners must be a whole number')
		.min(0, 'gitlab_runners must be at least 0')
		.max(MAX_GITLAB_RUNNERS, `gitlab_runners must be at most ${MAX_GITLAB_RUNNERS}`)
});

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

export function groundTruth(world: World, faults: Faults) {
	const counts = world.gitlab.counts(world.stepTime(), world.now());
	return {
		now: iso(world.now()),
		seed: world.seed,
		speed: world.clock.speed,
		jobs_per_minute: world.jobsPerMinute,
		gitlab: counts,
		faults: faults.modes(),
		held_requests: faults.heldCount()
	};
}

export function createControl(world: World, faults: Faults, log: (msg: string) => void) {
	const router = new Router();
	const state = (ctx: Ctx) => sendJson(ctx.res, 200, groundTruth(world, faults));

	router.get('/', (ctx) =>
		sendJson(ctx.res, 200, {
			endpoints: ['GET /_sandbox/state', 'POST /_sandbox/load', 'POST /_sandbox/faults', 'POST /_sandbox/clock', 'POST /_sandbox/fleet', 'POST /_sandbox/gitlab/runners/:id'],
			docs: 'docs/sandbox.md'
		})
	);
	router.get('/state', state);
	router.post('/load', async (ctx) => {
		const b = await body(ctx, LoadBody);
		world.jobsPerMinute = b.jobs_per_minute;
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
		world.gitlab.resize(b.gitlab_runners, world.now());
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

	return async (req: IncomingMessage, res: ServerResponse, url: URL, path: string): Promise<void> => {
		const match = router.match(req.method ?? 'GET', path || '/');
		if (match.kind === 'not_found') return sendJson(res, 404, { error: `no control endpoint ${url.pathname}` });
		if (match.kind === 'method_not_allowed') return sendJson(res, 405, { error: `${req.method} not allowed on ${url.pathname}` });
		try {
			await match.handler({ req, res, url, path, params: match.params });
		} catch (err) {
			if (err instanceof ControlError || err instanceof BodyError) return sendJson(res, err.status, { error: err.message });
			log(`control: ${req.method} ${url.pathname} failed: ${err instanceof Error ? err.stack : String(err)}`);
			sendJson(res, 500, { error: 'internal error' });
		}
	};
}
