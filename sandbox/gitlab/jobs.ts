// A project's jobs: `GET /projects/:id/jobs` (with `scope[]=pending`, what a dashboard
// uses to find jobs waiting for a runner, with their `tag_list`) and one job. GitLab
// has no REST listing of jobs across projects or groups: the instance-wide list exists
// only as the admin-only GraphQL `jobs(statuses: …)` query, which the sandbox does not
// serve (docs/sandbox.md).

import type { Ctx, Router } from '../http/router.js';
import type { Job, Runner } from '../sim/gitlab/model.js';
import { GITOPS_PROJECT, GITOPS_PATH } from '../gitops/gitops.js';
import { intId, moment, notFound, ok, queryParams, type GitLabApi } from './context.js';
import { jobEntity, managerEntity, runnerItem, type Moment } from './entities.js';
import { findProject } from './namespaces.js';
import { paginateWithoutCount, readPaging } from './pagination.js';

/** `CommitStatus::AVAILABLE_STATUSES`: every value `scope` accepts (the simulation produces five of them). */
export const JOB_SCOPES = [
	'created',
	'waiting_for_resource',
	'preparing',
	'waiting_for_callback',
	'pending',
	'running',
	'success',
	'failed',
	'canceling',
	'canceled',
	'skipped',
	'manual',
	'scheduled'
] as const;

/** The job entity of the project jobs API (`Entities::Ci::Job`): the basic job plus runner, manager, artifacts and sorted tags. */
export function projectJobEntity(job: Job, runner: Runner | undefined, t: Moment, webBase: string) {
	const { project: _project, tag_list, ...basic } = jobEntity(job, t, webBase);
	const manager = runner && job.systemId !== null ? runner.managers.find((m) => m.systemId === job.systemId) : undefined;
	return {
		...basic,
		project: { ci_job_token_scope_enabled: false },
		artifacts: [],
		runner: runner ? runnerItem(runner, t) : null,
		runner_manager: runner && manager ? managerEntity(runner, manager, t) : null,
		artifacts_expire_at: null,
		archived: false,
		tag_list: [...tag_list].sort()
	};
}

/** Every job of the project the simulation still holds: waiting, running, and runners' recent history. */
function jobsOf(api: GitLabApi, projectId: number, statuses: ReadonlySet<string> | undefined): Job[] {
	const want = (s: string) => statuses === undefined || statuses.has(s);
	const out: Job[] = [];
	const sim = api.world.gitlab;
	if (want('pending')) for (const j of sim.board.waiting()) if (j.projectId === projectId) out.push(j);
	if (want('running') || want('success') || want('failed') || want('canceled')) {
		for (const r of sim.runners) {
			for (const j of r.running) if (j.projectId === projectId && want(j.status)) out.push(j);
			for (const j of r.history) if (j.projectId === projectId && want(j.status)) out.push(j);
		}
	}
	return out.sort((a, b) => b.id - a.id);
}

function projectId(ctx: Ctx): number | null {
	const raw = ctx.params.id ?? '';
	// The GitOps project runs no CI in the sandbox: it exists, with no jobs.
	if (raw === String(GITOPS_PROJECT.id) || raw === GITOPS_PATH) return null;
	return findProject(raw).id;
}

export function jobRoutes(router: Router, api: GitLabApi): void {
	router.get('/projects/:id/jobs', (ctx) => {
		const id = projectId(ctx);
		const p = queryParams(ctx);
		const scope = p.list('scope');
		if (scope && scope.some((s) => !(JOB_SCOPES as readonly string[]).includes(s))) p.errors.push('scope does not have a valid value');
		const { page, perPage } = readPaging(p);
		p.check();
		const jobs = id === null ? [] : jobsOf(api, id, scope && scope.length > 0 ? new Set(scope) : undefined);
		const t = moment(api);
		const { items, headers } = paginateWithoutCount(ctx, jobs, page, perPage);
		ok(
			ctx.res,
			items.map((j) => projectJobEntity(j, j.runnerId === null ? undefined : api.world.gitlab.runner(j.runnerId), t, api.webBase)),
			headers
		);
	});

	router.get('/projects/:id/jobs/:job_id', (ctx) => {
		const id = projectId(ctx);
		const jobId = intId(ctx, 'job_id');
		const job = id === null ? undefined : jobsOf(api, id, undefined).find((j) => j.id === jobId);
		if (!job) throw notFound();
		ok(ctx.res, projectJobEntity(job, job.runnerId === null ? undefined : api.world.gitlab.runner(job.runnerId), moment(api), api.webBase));
	});
}
