// GitHub REST for `sandbox-org/gitops`'s CI: check runs per commit (one per job:
// `plan`, and `apply` on the default branch), workflow runs of the `tofu` workflow
// (filters branch/event/status/head_sha), their jobs and logs, and workflow dispatch
// (a run on a branch's head: plan, plus apply on the default branch — a "re-apply").

import { readJson } from '../http/body.js';
import { sendText } from '../http/respond.js';
import type { Ctx, Router } from '../http/router.js';
import { GitHubError, notFound, ok, type GitHubApi } from '../github/context.js';
import { linkHeader, pageOf, readPaging } from '../github/pagination.js';
import { FlowError } from './flow.js';
import { GITOPS_FULL_NAME, WORKFLOW, checkRunEntity, checkStatus, repoApi, runStatus, workflowEntity, workflowJobEntity, workflowRunEntity } from './github-entities.js';
import type { Pipeline } from './pipelines.js';
import { checkRepo, githubFault } from './pulls.js';

/** `{ total_count, <key>: [...] }` pages, as the checks and Actions lists answer. */
function sendWrapped<T>(ctx: Ctx, key: string, all: readonly T[], render: (x: T) => unknown): void {
	const paging = readPaging(ctx.url.searchParams);
	const link = linkHeader(ctx, paging, all.length);
	ok(ctx, { total_count: all.length, [key]: pageOf(all, paging).map(render) }, link ? { Link: link } : {});
}

export function checkRoutes(router: Router, api: GitHubApi): void {
	const flow = () => api.world.changes;
	const runs = () => [...flow().pipelines.list('github')].sort((a, b) => b.id - a.id);
	const runOf = (ctx: Ctx): Pipeline => {
		checkRepo(ctx);
		const p = flow().pipelines.get('github', Number(ctx.params.run_id));
		if (!p) throw notFound();
		return p;
	};
	const jobOf = (ctx: Ctx) => {
		checkRepo(ctx);
		const found = flow().pipelines.job('github', Number(ctx.params.job_id));
		if (!found) throw notFound();
		return found;
	};

	router.get('/repos/:owner/:repo/commits/:ref/check-runs', (ctx) => {
		checkRepo(ctx);
		const ref = ctx.params.ref ?? '';
		const commit = flow().repo.resolve(ref);
		if (!commit) throw new GitHubError(422, `No commit found for SHA: ${ref}`);
		const q = ctx.url.searchParams;
		const name = q.get('check_name');
		const status = q.get('status');
		const filter = q.get('filter') ?? 'latest';
		let checks = runs()
			.filter((p) => p.sha === commit.id)
			.flatMap((p) => p.jobs.map((j) => ({ p, j })))
			.filter(({ j }) => (!name || j.name === name) && (!status || checkStatus(j).status === status));
		if (filter === 'latest') {
			// The newest run of each check name.
			const seen = new Set<string>();
			checks = checks.filter(({ j }) => !seen.has(j.name) && (seen.add(j.name), true));
		}
		const b = api.bases(ctx);
		sendWrapped(ctx, 'check_runs', checks, ({ p, j }) => checkRunEntity(flow(), p, j, b));
	});
	router.get('/repos/:owner/:repo/check-runs/:check_run_id', (ctx) => {
		checkRepo(ctx);
		const found = flow().pipelines.job('github', Number(ctx.params.check_run_id));
		if (!found) throw notFound();
		ok(ctx, checkRunEntity(flow(), found.pipeline, found.job, api.bases(ctx)));
	});

	router.get(`/repos/${GITOPS_FULL_NAME}/actions/workflows`, (ctx) => {
		checkRepo(ctx);
		ok(ctx, { total_count: 1, workflows: [workflowEntity(api.bases(ctx))] });
	});
	const workflowMatches = (id: string) => id === String(WORKFLOW.id) || id === WORKFLOW.path.split('/').pop();
	router.get(`/repos/${GITOPS_FULL_NAME}/actions/workflows/:workflow_id`, (ctx) => {
		checkRepo(ctx);
		if (!workflowMatches(ctx.params.workflow_id ?? '')) throw notFound();
		ok(ctx, workflowEntity(api.bases(ctx)));
	});
	router.post('/repos/:owner/:repo/actions/workflows/:workflow_id/dispatches', async (ctx) => {
		checkRepo(ctx);
		if (!workflowMatches(ctx.params.workflow_id ?? '')) throw notFound();
		const b = (await readJson(ctx.req)) as { ref?: unknown } | undefined;
		const ref = typeof b?.ref === 'string' ? b.ref.replace(/^refs\/heads\//, '') : undefined;
		if (!ref) throw new GitHubError(422, 'Invalid request.\n\n"ref" wasn\'t supplied.');
		githubFault(api, 'dispatch');
		try {
			flow().run('github', ref, 'workflow_dispatch');
		} catch (err) {
			if (err instanceof FlowError) throw new GitHubError(422, `No ref found for: ${ref}`);
			throw err;
		}
		ctx.res.statusCode = 204;
		ctx.res.end();
	});

	const listRuns = (ctx: Ctx) => {
		checkRepo(ctx);
		const q = ctx.url.searchParams;
		const branch = q.get('branch');
		const event = q.get('event');
		const status = q.get('status');
		const headSha = q.get('head_sha');
		const list = runs().filter((p) => {
			const s = runStatus(p);
			return (!branch || p.branch === branch) && (!event || p.source === event) && (!headSha || p.sha === headSha) && (!status || s.status === status || s.conclusion === status);
		});
		const b = api.bases(ctx);
		sendWrapped(ctx, 'workflow_runs', list, (p) => workflowRunEntity(flow(), p, b));
	};
	router.get(`/repos/${GITOPS_FULL_NAME}/actions/runs`, listRuns);
	router.get(`/repos/${GITOPS_FULL_NAME}/actions/workflows/:workflow_id/runs`, (ctx) => {
		if (!workflowMatches(ctx.params.workflow_id ?? '')) throw notFound();
		listRuns(ctx);
	});
	router.get(`/repos/${GITOPS_FULL_NAME}/actions/runs/:run_id`, (ctx) => ok(ctx, workflowRunEntity(flow(), runOf(ctx), api.bases(ctx))));
	router.get(`/repos/${GITOPS_FULL_NAME}/actions/runs/:run_id/jobs`, (ctx) => {
		const p = runOf(ctx);
		const b = api.bases(ctx);
		sendWrapped(ctx, 'jobs', p.jobs, (j) => workflowJobEntity(p, j, b));
	});
	router.get(`/repos/${GITOPS_FULL_NAME}/actions/jobs/:job_id`, (ctx) => {
		const { pipeline, job } = jobOf(ctx);
		ok(ctx, workflowJobEntity(pipeline, job, api.bases(ctx)));
	});
	// GitHub redirects to a short-lived download URL; here it is the `raw` route below.
	router.get(`/repos/${GITOPS_FULL_NAME}/actions/jobs/:job_id/logs`, (ctx) => {
		const { job } = jobOf(ctx);
		ctx.res.statusCode = 302;
		ctx.res.setHeader('Location', `${repoApi(api.bases(ctx))}/actions/jobs/${job.id}/logs/raw`);
		ctx.res.setHeader('Content-Length', '0');
		ctx.res.end();
	});
	router.get(`/repos/${GITOPS_FULL_NAME}/actions/jobs/:job_id/logs/raw`, (ctx) => {
		const { job } = jobOf(ctx);
		sendText(ctx.res, 200, job.log);
	});
}
