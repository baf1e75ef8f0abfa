// JSON shapes exactly as GitLab's API entities render them. Field order follows
// upstream so diffs against real responses stay readable.

import { GROUPS, groupById, projectById, projectFullName, projectFullPath, type Group, type Project } from '../sim/catalog.js';
import { iso } from '../sim/clock.js';
import {
	contactStatus,
	latestManager,
	managerContactedAt,
	runnerContactedAt,
	runnerStatus,
	type Job,
	type Manager,
	type Runner
} from '../sim/gitlab/model.js';
import { pipelineStatus } from '../sim/gitlab/workload.js';

/** Times the entities are rendered at: `step` is when connected runners last polled. */
export interface Moment {
	now: number;
	step: number;
}

/** The list-item shape: deliberately WITHOUT tag_list (upstream omits it). */
export function runnerItem(r: Runner, t: Moment) {
	const status = runnerStatus(r, t.step, t.now);
	const latest = latestManager(r, t.step);
	return {
		id: r.id,
		description: r.description,
		ip_address: latest?.ipAddress ?? null,
		active: !r.paused,
		paused: r.paused,
		is_shared: r.type === 'instance_type',
		runner_type: r.type,
		name: r.managers.length > 0 ? r.configName : null,
		online: status === 'online',
		status
	};
}

export function runnerDetails(r: Runner, t: Moment, webBase: string) {
	const latest = latestManager(r, t.step);
	const contacted = runnerContactedAt(r, t.step);
	const project = r.projectId !== null ? projectById(r.projectId) : undefined;
	const group = r.groupId !== null ? groupById(r.groupId) : undefined;
	return {
		...runnerItem(r, t),
		tag_list: [...r.tags],
		version: latest?.version ?? null,
		revision: latest?.revision ?? null,
		platform: latest?.platform ?? null,
		architecture: latest?.architecture ?? null,
		contacted_at: contacted === null ? null : iso(contacted),
		maintenance_note: r.maintenanceNote,
		run_untagged: r.runUntagged,
		locked: r.locked,
		access_level: r.accessLevel,
		maximum_timeout: r.maximumTimeout,
		projects: project
			? [
					{
						id: project.id,
						name: project.name,
						name_with_namespace: projectFullName(project),
						path: project.path,
						path_with_namespace: projectFullPath(project)
					}
				]
			: [],
		groups: group ? [{ id: group.id, web_url: `${webBase}/groups/${group.path}`, name: group.name }] : []
	};
}

export function managerEntity(r: Runner, m: Manager, t: Moment) {
	const contacted = managerContactedAt(r, m, t.step);
	return {
		id: m.id,
		system_id: m.systemId,
		version: m.version,
		revision: m.revision,
		platform: m.platform,
		architecture: m.architecture,
		created_at: iso(m.createdAt),
		contacted_at: contacted === null ? null : iso(contacted),
		ip_address: m.ipAddress,
		status: contactStatus(contacted, m.createdAt, t.now)
	};
}

const SANDBOX_USER = {
	id: 1,
	username: 'sandbox-admin',
	name: 'Sandbox Admin',
	state: 'active',
	locked: false,
	avatar_url: null
};

export function userEntity(webBase: string) {
	return {
		...SANDBOX_USER,
		web_url: `${webBase}/${SANDBOX_USER.username}`,
		created_at: '2023-03-01T08:00:00.000Z',
		bio: '',
		public_email: null,
		email: 'sandbox-admin@sandbox.invalid',
		is_admin: true,
		can_create_group: true,
		can_create_project: true,
		two_factor_enabled: false,
		external: false,
		bot: false
	};
}

function seconds(ms: number): number {
	return Math.round(ms) / 1000;
}

export function jobEntity(job: Job, t: Moment, webBase: string) {
	const project = projectById(job.projectId);
	const fullPath = project ? projectFullPath(project) : String(job.projectId);
	const p = job.pipeline;
	// Like GitLab, a running job's duration counts up to now and a pending job's queue time too.
	const duration = job.startedAt === null ? null : seconds((job.finishedAt ?? t.now) - job.startedAt);
	const queued = seconds((job.startedAt ?? t.now) - job.createdAt);
	const pStatus = pipelineStatus(p);
	return {
		id: job.id,
		status: job.status,
		stage: job.stage,
		name: job.name,
		ref: job.ref,
		tag: job.tag,
		coverage: null,
		allow_failure: false,
		created_at: iso(job.createdAt),
		started_at: job.startedAt === null ? null : iso(job.startedAt),
		finished_at: job.finishedAt === null ? null : iso(job.finishedAt),
		erased_at: null,
		duration,
		queued_duration: queued,
		user: { ...SANDBOX_USER, web_url: `${webBase}/${SANDBOX_USER.username}` },
		commit: {
			id: p.sha,
			short_id: p.sha.slice(0, 8),
			created_at: iso(p.createdAt),
			title: `Update ${job.ref}`,
			author_name: SANDBOX_USER.name,
			author_email: 'sandbox-admin@sandbox.invalid'
		},
		pipeline: {
			id: p.id,
			iid: p.iid,
			project_id: p.projectId,
			sha: p.sha,
			ref: p.ref,
			status: pStatus,
			source: 'push',
			created_at: iso(p.createdAt),
			updated_at: iso(lastUpdate(p.jobs) ?? p.createdAt),
			web_url: `${webBase}/${fullPath}/-/pipelines/${p.id}`
		},
		failure_reason: job.status === 'failed' ? job.failureReason : undefined,
		web_url: `${webBase}/${fullPath}/-/jobs/${job.id}`,
		project: project ? projectBasic(project) : null,
		tag_list: [...job.tags]
	};
}

function lastUpdate(jobs: Job[]): number | null {
	let at: number | null = null;
	for (const j of jobs) {
		const u = j.finishedAt ?? j.startedAt ?? j.createdAt;
		if (at === null || u > at) at = u;
	}
	return at;
}

function projectBasic(p: Project) {
	return {
		id: p.id,
		name: p.name,
		name_with_namespace: projectFullName(p),
		path: p.path,
		path_with_namespace: projectFullPath(p),
		description: p.description,
		created_at: p.createdAt
	};
}

export function groupEntity(g: Group, webBase: string) {
	return {
		id: g.id,
		web_url: `${webBase}/groups/${g.path}`,
		name: g.name,
		path: g.path,
		description: g.description,
		visibility: 'internal',
		full_name: g.name,
		full_path: g.path,
		parent_id: null,
		created_at: g.createdAt
	};
}

export function projectEntity(p: Project, webBase: string) {
	const g = groupById(p.groupId) ?? GROUPS[0];
	const fullPath = projectFullPath(p);
	return {
		...projectBasic(p),
		default_branch: p.defaultBranch,
		visibility: 'internal',
		web_url: `${webBase}/${fullPath}`,
		http_url_to_repo: `${webBase}/${fullPath}.git`,
		namespace: g
			? { id: g.id, name: g.name, path: g.path, kind: 'group', full_path: g.path, parent_id: null, web_url: `${webBase}/groups/${g.path}` }
			: null,
		archived: false,
		shared_runners_enabled: true,
		last_activity_at: p.createdAt
	};
}
