// GitLab REST for the GitOps project's CI: pipelines (list with ref/sha/status/source
// filters, one, its jobs, a merge request's), jobs and their traces, and running a
// pipeline on a ref (`POST /pipeline`: plan, plus apply on the default branch — what a
// "re-apply" does).

import { readFields } from '../http/body.js';
import { sendJson, sendText } from '../http/respond.js';
import type { Ctx, Router } from '../http/router.js';
import { ApiError, intId, ok, queryParams, sendPage, type GitLabApi } from '../gitlab/context.js';
import { Params } from '../gitlab/params.js';
import { commitEntity, gitops, injectedFault, message, project } from './api.js';
import { FlowError } from './flow.js';
import { jobEntity, pipelineBasic, pipelineDetail } from './gitlab-entities.js';
import { gitlabFlowError } from './merge-requests.js';
import type { Job, Pipeline } from './pipelines.js';
import type { Commit } from './repo.js';

const STATUSES = ['created', 'waiting_for_resource', 'preparing', 'pending', 'running', 'success', 'failed', 'canceled', 'skipped', 'manual', 'scheduled'] as const;
const SOURCES = ['push', 'web', 'trigger', 'schedule', 'api', 'external', 'pipeline', 'chat', 'webide', 'merge_request_event', 'external_pull_request_event', 'parent_pipeline', 'ondemand_dast_scan', 'ondemand_dast_validation'] as const;

function pipelineOf(ctx: Ctx, api: GitLabApi): Pipeline {
	project(ctx);
	const p = api.world.changes.pipelines.get('gitlab', intId(ctx, 'pipeline_id'));
	if (!p) throw message(404, '404 Not found');
	return p;
}

function jobOf(ctx: Ctx, api: GitLabApi): { pipeline: Pipeline; job: Job } {
	project(ctx);
	const found = api.world.changes.pipelines.job('gitlab', intId(ctx, 'job_id'));
	if (!found) throw message(404, '404 Not found');
	return found;
}

/** `scope` / `scope[]`: the job statuses to keep. */
function scopeOf(p: Params): string[] | undefined {
	const scope = p.list('scope');
	for (const s of scope ?? []) if (!(STATUSES as readonly string[]).includes(s)) p.errors.push('scope does not have a valid value');
	return scope;
}

export function pipelineRoutes(router: Router, api: GitLabApi): void {
	const flow = () => api.world.changes;
	const job = (p: Pipeline, j: Job) => jobEntity(flow(), p, j, api.webBase, (id) => commitEntity(api, gitops(api).repo.commit(id) as Commit));
	const newestFirst = (list: Pipeline[]) => [...list].sort((a, b) => b.id - a.id);

	router.get('/projects/:id/pipelines', (ctx) => {
		project(ctx);
		const p = queryParams(ctx);
		const ref = p.string('ref');
		const sha = p.string('sha');
		const status = p.oneOf('status', STATUSES);
		const source = p.oneOf('source', SOURCES);
		const scope = p.oneOf('scope', ['running', 'pending', 'finished', 'branches', 'tags'] as const);
		const orderBy = p.oneOf('order_by', ['id', 'status', 'ref', 'updated_at', 'user_id'] as const) ?? 'id';
		const sort = p.oneOf('sort', ['asc', 'desc'] as const) ?? 'desc';
		const updatedAfter = p.string('updated_after');
		const updatedBefore = p.string('updated_before');
		const after = updatedAfter === undefined ? undefined : Date.parse(updatedAfter);
		const before = updatedBefore === undefined ? undefined : Date.parse(updatedBefore);
		if (after !== undefined && Number.isNaN(after)) p.errors.push('updated_after is invalid');
		if (before !== undefined && Number.isNaN(before)) p.errors.push('updated_before is invalid');
		p.check();
		const finished = (x: Pipeline) => x.status === 'success' || x.status === 'failed' || x.status === 'canceled';
		const list = flow()
			.pipelines.list('gitlab')
			.filter(
				(x) =>
					(!ref || x.ref === ref) &&
					(!sha || x.sha === sha) &&
					(!status || x.status === status) &&
					(!source || x.source === source) &&
					(!scope || (scope === 'finished' ? finished(x) : scope === 'branches' ? !x.ref.startsWith('refs/') : scope === 'tags' ? false : x.status === scope)) &&
					(after === undefined || x.updatedAt > after) &&
					(before === undefined || x.updatedAt < before)
			);
		const key = (x: Pipeline): string | number => (orderBy === 'status' ? x.status : orderBy === 'ref' ? x.ref : orderBy === 'updated_at' ? x.updatedAt : x.id);
		list.sort((a, b) => {
			const x = key(a);
			const y = key(b);
			const c = x < y ? -1 : x > y ? 1 : a.id - b.id;
			return sort === 'asc' ? c : -c;
		});
		sendPage(ctx, p, list, (x) => pipelineBasic(x, api.webBase));
	});
	router.get('/projects/:id/pipelines/:pipeline_id', (ctx) => ok(ctx.res, pipelineDetail(pipelineOf(ctx, api), api.webBase)));
	router.get('/projects/:id/pipelines/:pipeline_id/jobs', (ctx) => {
		const pl = pipelineOf(ctx, api);
		const p = queryParams(ctx);
		const scope = scopeOf(p);
		p.bool('include_retried');
		p.check();
		sendPage(ctx, p, pl.jobs.filter((j) => !scope || scope.includes(j.status)), (j) => job(pl, j));
	});
	router.get('/projects/:id/jobs', (ctx) => {
		project(ctx);
		const p = queryParams(ctx);
		const scope = scopeOf(p);
		p.check();
		const all = newestFirst(flow().pipelines.list('gitlab')).flatMap((pl) => [...pl.jobs].reverse().map((j) => ({ pl, j })));
		sendPage(ctx, p, all.filter(({ j }) => !scope || scope.includes(j.status)), ({ pl, j }) => job(pl, j));
	});
	router.get('/projects/:id/jobs/:job_id', (ctx) => {
		const { pipeline, job: j } = jobOf(ctx, api);
		ok(ctx.res, job(pipeline, j));
	});
	router.get('/projects/:id/jobs/:job_id/trace', (ctx) => {
		const { job: j } = jobOf(ctx, api);
		sendText(ctx.res, 200, j.log);
	});

	router.post('/projects/:id/pipeline', async (ctx) => {
		project(ctx);
		const p = Params.fromFields(await readFields(ctx.req), ctx.url.searchParams);
		const ref = p.string('ref');
		if (!ref) throw new ApiError(400, { error: 'ref is missing' });
		p.check();
		injectedFault(api, 'create_pipeline');
		try {
			sendJson(ctx.res, 201, pipelineDetail(flow().run('gitlab', ref, 'api'), api.webBase));
		} catch (err) {
			if (err instanceof FlowError && err.code === 'invalid') throw new ApiError(400, { message: { base: ['Reference not found'] } });
			throw err;
		}
	});

	router.get('/projects/:id/merge_requests/:iid/pipelines', (ctx) => {
		project(ctx);
		const m = flow().proposals.get('gitlab', intId(ctx, 'iid'));
		if (!m) throw message(404, '404 Not found');
		const p = queryParams(ctx);
		sendPage(ctx, p, newestFirst(flow().pipelines.list('gitlab').filter((x) => x.proposal === m.number)), (x) => pipelineBasic(x, api.webBase));
	});
	router.post('/projects/:id/merge_requests/:iid/pipelines', (ctx) => {
		project(ctx);
		try {
			sendJson(ctx.res, 201, pipelineDetail(flow().rerun('gitlab', intId(ctx, 'iid')), api.webBase));
		} catch (err) {
			if (err instanceof ApiError) throw err;
			gitlabFlowError(err);
		}
	});
}
