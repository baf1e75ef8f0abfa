// GitLab runner endpoints: the four list scopes with their filters, details, update
// (pause/resume, tags, notes), jobs and managers.

import type { Ctx, Router } from '../http/router.js';
import { readFields } from '../http/body.js';
import { RUNNER_TYPES, runnerStatus, type Job, type Runner } from '../sim/gitlab/model.js';
import { jobEntity, managerEntity, runnerDetails, runnerItem } from './entities.js';
import { ApiError, badRequest, intId, moment, notFound, ok, queryParams, sendPage, type GitLabApi } from './context.js';
import { findGroup, findProject } from './namespaces.js';
import { Params } from './params.js';

/** `status` also accepts GitLab's deprecated `active`/`paused` values. */
const STATUS_VALUES = ['online', 'offline', 'stale', 'never_contacted', 'active', 'paused'] as const;
const SCOPE_VALUES = ['active', 'paused', 'online', 'offline', 'stale', 'never_contacted', 'specific', 'shared', ...RUNNER_TYPES] as const;
const JOB_STATUSES = ['created', 'pending', 'running', 'failed', 'success', 'canceled'] as const;

type Filter = (r: Runner) => boolean;

/** Parses the list filters shared by every runner list endpoint. */
function runnerFilters(p: Params, api: GitLabApi): Filter[] {
	const t = moment(api);
	const filters: Filter[] = [];
	const byStatus = (s: string): Filter => {
		if (s === 'active') return (r) => !r.paused;
		if (s === 'paused') return (r) => r.paused;
		if (s === 'specific') return (r) => r.type !== 'instance_type';
		if (s === 'shared') return (r) => r.type === 'instance_type';
		if ((RUNNER_TYPES as readonly string[]).includes(s)) return (r) => r.type === s;
		return (r) => runnerStatus(r, t.step, t.now) === s;
	};
	const scope = p.oneOf('scope', SCOPE_VALUES);
	if (scope) filters.push(byStatus(scope));
	const type = p.oneOf('type', RUNNER_TYPES);
	if (type) filters.push((r) => r.type === type);
	const status = p.oneOf('status', STATUS_VALUES);
	if (status) filters.push(byStatus(status));
	const paused = p.bool('paused');
	if (paused !== undefined) filters.push((r) => r.paused === paused);
	const tags = p.list('tag_list');
	if (tags && tags.length > 0) filters.push((r) => tags.every((tag) => r.tags.includes(tag)));
	const prefix = p.string('version_prefix');
	if (prefix !== undefined) {
		if (!/^\d+(\.\d+)*\.?$/.test(prefix)) p.errors.push('version_prefix is invalid');
		else filters.push((r) => r.managers.some((m) => m.version.startsWith(prefix)));
	}
	return filters;
}

function listRunners(ctx: Ctx, api: GitLabApi, scope: Filter): void {
	const p = queryParams(ctx);
	const filters = runnerFilters(p, api);
	const t = moment(api);
	const matching = api.world.gitlab.runners.filter((r) => scope(r) && filters.every((f) => f(r)));
	sendPage(ctx, p, matching, (r) => runnerItem(r, t));
}

function findRunner(ctx: Ctx, api: GitLabApi): Runner {
	const r = api.world.gitlab.runner(intId(ctx));
	if (!r) throw notFound();
	return r;
}

const UPDATABLE = ['description', 'active', 'paused', 'tag_list', 'run_untagged', 'locked', 'access_level', 'maximum_timeout', 'maintenance_note'];

async function updateRunner(ctx: Ctx, api: GitLabApi): Promise<void> {
	const r = findRunner(ctx, api);
	const fields = await readFields(ctx.req);
	const p = Params.fromFields(fields, ctx.url.searchParams);
	if (![...UPDATABLE, 'maintainer_note'].some((k) => p.has(k))) {
		throw badRequest(`${UPDATABLE.join(', ')} are missing, at least one parameter must be provided`);
	}
	if (p.has('active') && p.has('paused')) throw badRequest('active, paused are mutually exclusive');
	const description = p.string('description');
	const active = p.bool('active');
	const paused = p.bool('paused');
	const tags = p.list('tag_list');
	const runUntagged = p.bool('run_untagged');
	const locked = p.bool('locked');
	const accessLevel = p.oneOf('access_level', ['not_protected', 'ref_protected'] as const);
	const maxTimeout = p.int('maximum_timeout');
	const note = p.string('maintenance_note') ?? p.string('maintainer_note');
	p.check();
	if (maxTimeout !== undefined && maxTimeout < 600) {
		throw new ApiError(400, { message: { maximum_timeout: ['needs to be at least 10 minutes'] } });
	}

	const sim = api.world.gitlab;
	if (description !== undefined) r.description = description;
	if (paused !== undefined) sim.setPaused(r, paused);
	if (active !== undefined) sim.setPaused(r, !active); // deprecated inverse of paused
	if (tags !== undefined) sim.setTags(r, tags);
	if (runUntagged !== undefined) r.runUntagged = runUntagged;
	if (locked !== undefined) r.locked = locked;
	if (accessLevel !== undefined) r.accessLevel = accessLevel;
	if (maxTimeout !== undefined) r.maximumTimeout = maxTimeout;
	if (note !== undefined) r.maintenanceNote = note === '' ? null : note;
	sim.touch(r);
	ok(ctx.res, runnerDetails(r, moment(api), api.webBase));
}

function runnerJobs(ctx: Ctx, api: GitLabApi): void {
	const r = findRunner(ctx, api);
	const p = queryParams(ctx);
	const status = p.oneOf('status', JOB_STATUSES);
	p.oneOf('order_by', ['id'] as const);
	const sort = p.oneOf('sort', ['asc', 'desc'] as const) ?? 'desc';
	const systemId = p.string('system_id');
	const jobs: Job[] = [...r.history, ...r.running].filter(
		(j) => (status === undefined || j.status === status) && (systemId === undefined || j.systemId === systemId)
	);
	jobs.sort((a, b) => (sort === 'asc' ? a.id - b.id : b.id - a.id));
	const t = moment(api);
	sendPage(ctx, p, jobs, (j) => jobEntity(j, t, api.webBase));
}

export function runnerRoutes(router: Router, api: GitLabApi): void {
	const all: Filter = () => true;
	// Literal paths first: `/runners/all` must not be read as runner id "all".
	router.get('/runners/all', (ctx) => listRunners(ctx, api, all));
	// The token owner's runners; the sandbox admin owns every group and project.
	router.get('/runners', (ctx) => listRunners(ctx, api, (r) => r.type !== 'instance_type'));
	router.get('/runners/:id', (ctx) => ok(ctx.res, runnerDetails(findRunner(ctx, api), moment(api), api.webBase)));
	router.put('/runners/:id', (ctx) => updateRunner(ctx, api));
	// Deletes for real: the runner is gone from every list, its id never comes back.
	router.on('DELETE', '/runners/:id', (ctx) => {
		api.world.gitlab.remove(findRunner(ctx, api), api.world.stepTime());
		ctx.res.statusCode = 204;
		ctx.res.end();
	});
	router.get('/runners/:id/jobs', (ctx) => runnerJobs(ctx, api));
	router.get('/runners/:id/managers', (ctx) => {
		const r = findRunner(ctx, api);
		const t = moment(api);
		ok(ctx.res, r.managers.map((m) => managerEntity(r, m, t)));
	});

	// Runners available to a group: instance runners and the group's own.
	router.get('/groups/:id/runners', (ctx) => {
		const g = findGroup(ctx.params.id ?? '');
		listRunners(ctx, api, (r) => r.type === 'instance_type' || r.groupId === g.id);
	});
	// Runners available to a project: instance, its group's, and its own.
	router.get('/projects/:id/runners', (ctx) => {
		const pr = findProject(ctx.params.id ?? '');
		listRunners(ctx, api, (r) => r.type === 'instance_type' || r.groupId === pr.groupId || r.projectId === pr.id);
	});
}

