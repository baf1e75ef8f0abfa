// /_sandbox controls of the change flow: webhook registration, the delivery log and
// replays; faults (a job that fails, an API call that fails, a merge request that
// conflicts); merging as a reviewer would; and the ground truth (branches, merge and
// pull requests, pipelines) a test asserts on, e.g. "no orphan branch".

import { z } from 'zod';
import { sendJson } from '../http/respond.js';
import type { Ctx, Router } from '../http/router.js';
import type { World } from '../sim/world.js';
import type { ReadBody } from './control.js';
import { FAULT_OPS, FlowError } from './flow.js';
import { GitOpsError } from './gitops.js';
import { FORGES, JOB_NAMES, type Forge } from './pipelines.js';
import { HOOK_KINDS, deliveryView } from './webhooks.js';

const forge = z.enum(FORGES, { error: 'forge must be gitlab or github' });
const id = (name: string) => z.number({ error: `${name} must be a number` }).int(`${name} must be a whole number`).positive(`${name} must be positive`);

const WebhookBody = z
	.strictObject({
		forge,
		url: z.url({ protocol: /^https?$/, error: 'url must be an http(s) URL' }),
		secret: z.string({ error: 'secret is required' }).min(1, 'secret must not be empty').max(256, 'secret must be at most 256 characters'),
		events: z.array(z.string(), { error: 'events must be a list of hook kinds' }).min(1, 'events must not be empty').optional()
	})
	.superRefine((b, ctx) => {
		for (const e of b.events ?? []) if (!HOOK_KINDS[b.forge].includes(e)) ctx.addIssue({ code: 'custom', message: `events: ${e} is not one of ${HOOK_KINDS[b.forge].join(', ')}` });
	});

const FailJobBody = z.strictObject({
	forge,
	job: z.enum(JOB_NAMES, { error: `job must be one of ${JOB_NAMES.join(', ')}` }),
	pipeline_id: id('pipeline_id').optional()
});

const FailNextBody = z
	.strictObject({
		forge,
		op: z.string({ error: 'op is required' }),
		status: z.union([z.literal(409), z.literal(422), z.literal(500), z.literal(502), z.literal(503)], { error: 'status must be 409, 422, 500, 502 or 503' }).optional(),
		times: z.number({ error: 'times must be a number' }).int('times must be a whole number').min(1, 'times must be at least 1').max(100, 'times must be at most 100').optional()
	})
	.superRefine((b, ctx) => {
		const ops: readonly string[] = FAULT_OPS[b.forge];
		if (!ops.includes(b.op)) ctx.addIssue({ code: 'custom', message: `op must be one of ${ops.join(', ')} for ${b.forge}` });
	});

const ConflictBody = z.strictObject({ forge, id: id('id'), conflict: z.boolean({ error: 'conflict must be true or false' }).optional() });

const MergeBody = z.strictObject({
	forge,
	id: id('id'),
	sha: z.string({ error: 'sha must be a string' }).optional(),
	squash: z.boolean({ error: 'squash must be true or false' }).optional(),
	remove_source_branch: z.boolean({ error: 'remove_source_branch must be true or false' }).optional()
});

const MERGE_STATUS: Partial<Record<FlowError['code'], number>> = { not_found: 404, sha_mismatch: 409, merge_failed: 422 };

export function changesControlRoutes(router: Router, world: World, body: ReadBody): void {
	const flow = () => world.changes;
	const hooks = () => world.changes.webhooks;
	const registrations = () => Object.fromEntries(FORGES.map((f) => [f, hooks().config(f) ? { url: hooks().config(f)?.url, events: hooks().config(f)?.kinds } : null]));

	router.get('/webhooks', (ctx) => sendJson(ctx.res, 200, { hooks: registrations(), deliveries: hooks().summary() }));
	router.post('/webhooks', async (ctx) => {
		const b = await body(ctx, WebhookBody);
		hooks().register(b.forge, b.url, b.secret, b.events);
		sendJson(ctx.res, 200, { hooks: registrations() });
	});
	router.on('DELETE', '/webhooks/:forge', (ctx) => {
		const f = ctx.params.forge as Forge;
		if (!FORGES.includes(f)) throw new GitOpsError(404, `no forge ${ctx.params.forge}`);
		hooks().unregister(f);
		sendJson(ctx.res, 200, { hooks: registrations() });
	});
	router.get('/webhooks/deliveries', (ctx) => {
		const q = ctx.url.searchParams;
		const f = q.get('forge');
		const kind = q.get('kind') ?? q.get('event');
		const status = q.get('status');
		const since = Number(q.get('since_id') ?? 0);
		const list = hooks()
			.deliveries()
			.filter((d) => (!f || d.forge === f) && (!kind || d.kind === kind || d.event === kind) && (!status || d.status === status) && d.id > since);
		sendJson(ctx.res, 200, { deliveries: list.map(deliveryView) });
	});
	router.get('/webhooks/deliveries/:id', (ctx) => {
		const d = hooks().delivery(Number(ctx.params.id));
		if (!d) throw new GitOpsError(404, `no delivery ${ctx.params.id}`);
		sendJson(ctx.res, 200, deliveryView(d));
	});
	router.post('/webhooks/deliveries/:id/redeliver', (ctx) => {
		const d = hooks().redeliver(Number(ctx.params.id));
		if (!d) throw new GitOpsError(404, `no delivery ${ctx.params.id} (the log keeps the last 500)`);
		sendJson(ctx.res, 200, deliveryView(d));
	});

	router.get('/gitops/changes', (ctx) => sendJson(ctx.res, 200, flow().truth()));

	router.post('/gitops/fail-job', async (ctx) => {
		const b = await body(ctx, FailJobBody);
		if (b.pipeline_id === undefined) {
			flow().failNextJob(b.forge, b.job);
			sendJson(ctx.res, 200, { forge: b.forge, job: b.job, pipeline_id: null, fails: `the next ${b.job} job to finish on ${b.forge}` });
			return;
		}
		const job = flow().failJob(b.forge, b.pipeline_id, b.job);
		sendJson(ctx.res, 200, { forge: b.forge, job: b.job, pipeline_id: b.pipeline_id, job_id: job.id, fails: `job ${job.id} when it finishes` });
	});
	router.post('/gitops/fail-next', async (ctx) => {
		const b = await body(ctx, FailNextBody);
		flow().failNext(b.forge, b.op as never, b.status ?? 500, b.times ?? 1);
		sendJson(ctx.res, 200, { forge: b.forge, op: b.op, status: b.status ?? 500, times: b.times ?? 1 });
	});
	router.post('/gitops/conflict', async (ctx) => {
		const b = await body(ctx, ConflictBody);
		const p = guarded(() => flow().setConflict(b.forge, b.id, b.conflict ?? true));
		const m = flow().mergeability(p);
		sendJson(ctx.res, 200, { forge: b.forge, id: p.number, has_conflicts: m.conflict, merge_status: m.status });
	});
	router.post('/gitops/merge', async (ctx: Ctx) => {
		const b = await body(ctx, MergeBody);
		const r = guarded(() => flow().merge(b.forge, b.id, { sha: b.sha, squash: b.squash, removeSourceBranch: b.remove_source_branch }));
		const p = r.proposal;
		sendJson(ctx.res, 200, { forge: b.forge, id: p.number, state: p.state, merge_commit_sha: p.mergeCommitSha });
	});
}

/** Flow refusals as control errors: 404 unknown, 409 stale sha, 405 not mergeable (with the reason). */
function guarded<T>(fn: () => T): T {
	try {
		return fn();
	} catch (err) {
		if (err instanceof FlowError) throw new GitOpsError(MERGE_STATUS[err.code] ?? 405, err.code === 'not_found' ? 'no such merge/pull request' : err.message);
		throw err;
	}
}
