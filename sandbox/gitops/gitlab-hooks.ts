// GitLab's webhook payloads for the GitOps project: Merge Request Hook
// (`object_kind: merge_request`, actions open/update/close/reopen/merge), Pipeline Hook
// (`object_kind: pipeline`, on every status change, with its builds) and Job Hook
// (`object_kind: build`). Timestamps as GitLab writes them in hooks (`2026-01-01 00:00:00 UTC`).

import type { ChangeFlow, FlowEvent } from './flow.js';
import { GITOPS_PATH, GITOPS_PROJECT } from './gitops.js';
import { GITLAB_ACTOR, detailedMergeStatus, labelId, pipelineUrl, projectUrl } from './gitlab-entities.js';
import type { Job, Pipeline } from './pipelines.js';
import type { Proposal } from './proposals.js';

export interface HookPayload {
	/** The `X-Gitlab-Event` / `X-GitHub-Event` header. */
	event: string;
	/** The hook's kind, as the registration's `events` filter names it. */
	kind: string;
	action: string | null;
	payload: Record<string, unknown>;
}

const hookTime = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC'));

function user(webBase: string) {
	return { id: GITLAB_ACTOR.id, name: GITLAB_ACTOR.name, username: GITLAB_ACTOR.username, avatar_url: `${webBase}/uploads/-/system/user/avatar/1/avatar.png`, email: '[REDACTED]' };
}

function project(webBase: string) {
	const web = projectUrl(webBase);
	const host = new URL(webBase).host;
	return {
		id: GITOPS_PROJECT.id,
		name: GITOPS_PROJECT.name,
		description: GITOPS_PROJECT.description,
		web_url: web,
		avatar_url: null,
		git_ssh_url: `git@${host}:${GITOPS_PATH}.git`,
		git_http_url: `${web}.git`,
		namespace: 'platform',
		visibility_level: 10,
		path_with_namespace: GITOPS_PATH,
		default_branch: GITOPS_PROJECT.defaultBranch,
		ci_config_path: '',
		homepage: web,
		url: `git@${host}:${GITOPS_PATH}.git`,
		ssh_url: `git@${host}:${GITOPS_PATH}.git`,
		http_url: `${web}.git`
	};
}

function commitOf(flow: ChangeFlow, sha: string, webBase: string) {
	const c = flow.repo.commit(sha);
	if (!c) return null;
	return {
		id: c.id,
		message: c.message,
		title: c.message.split('\n')[0] ?? '',
		timestamp: new Date(c.at).toISOString().replace(/\.\d{3}Z$/, '+00:00'),
		url: `${projectUrl(webBase)}/-/commit/${c.id}`,
		author: { name: c.author.name, email: c.author.email }
	};
}

function hookLabel(title: string) {
	return { id: labelId(title), title, color: '#6699cc', project_id: GITOPS_PROJECT.id, created_at: hookTime(Date.parse(GITOPS_PROJECT.createdAt)), updated_at: hookTime(Date.parse(GITOPS_PROJECT.createdAt)), template: false, description: null, type: 'ProjectLabel', group_id: null };
}

const ACTION: Record<string, string> = { open: 'open', close: 'close', reopen: 'reopen', merge: 'merge', push: 'update', labels: 'update', edit: 'update' };

function mergeRequestHook(flow: ChangeFlow, e: Extract<FlowEvent, { kind: 'proposal' }>, webBase: string): HookPayload {
	const p = e.proposal;
	const m = flow.mergeability(p);
	const action = ACTION[e.action] ?? 'update';
	const changes: Record<string, unknown> = {};
	if (e.action === 'labels') changes.labels = { previous: (e.previousLabels ?? []).map(hookLabel), current: p.labels.map(hookLabel) };
	if (e.action === 'edit') changes.title = { previous: e.previousTitle, current: p.title };
	if (e.action === 'merge' || e.action === 'close' || e.action === 'reopen') changes.state_id = { previous: 1, current: stateId(p) };
	changes.updated_at = { previous: null, current: hookTime(p.updatedAt) };
	return {
		event: 'Merge Request Hook',
		kind: 'merge_request',
		action,
		payload: {
			object_kind: 'merge_request',
			event_type: 'merge_request',
			user: user(webBase),
			project: project(webBase),
			object_attributes: {
				assignee_id: null,
				author_id: GITLAB_ACTOR.id,
				created_at: hookTime(p.createdAt),
				description: p.description,
				draft: p.draft,
				head_pipeline_id: m.pipeline?.id ?? null,
				id: p.id,
				iid: p.number,
				last_edited_at: null,
				last_edited_by_id: null,
				merge_commit_sha: p.mergeCommitSha,
				merge_error: null,
				merge_params: { force_remove_source_branch: p.removeSourceBranch ? '1' : '0' },
				merge_status: m.conflict ? 'cannot_be_merged' : 'can_be_merged',
				merge_user_id: p.state === 'merged' ? GITLAB_ACTOR.id : null,
				merge_when_pipeline_succeeds: p.autoMerge !== null,
				milestone_id: null,
				source_branch: p.sourceBranch,
				source_project_id: GITOPS_PROJECT.id,
				state_id: stateId(p),
				target_branch: p.targetBranch,
				target_project_id: GITOPS_PROJECT.id,
				time_estimate: 0,
				title: p.title,
				updated_at: hookTime(p.updatedAt),
				updated_by_id: null,
				prepared_at: hookTime(p.createdAt),
				assignee_ids: [],
				blocking_discussions_resolved: true,
				detailed_merge_status: detailedMergeStatus(flow, p),
				first_contribution: false,
				human_time_change: null,
				human_time_estimate: null,
				human_total_time_spent: null,
				labels: p.labels.map(hookLabel),
				last_commit: commitOf(flow, p.headSha, webBase),
				reviewer_ids: [],
				source: project(webBase),
				state: p.state,
				target: project(webBase),
				time_change: 0,
				total_time_spent: 0,
				url: `${projectUrl(webBase)}/-/merge_requests/${p.number}`,
				work_in_progress: p.draft,
				approval_rules: [],
				action,
				...(e.action === 'push' ? { oldrev: e.before } : {})
			},
			labels: p.labels.map(hookLabel),
			changes,
			repository: { name: GITOPS_PROJECT.name, url: project(webBase).url, description: GITOPS_PROJECT.description, homepage: projectUrl(webBase) },
			assignees: [],
			reviewers: []
		}
	};
}

function stateId(p: Proposal): number {
	return p.state === 'opened' ? 1 : p.state === 'closed' ? 2 : 3;
}

function build(p: Pipeline, j: Job, webBase: string) {
	return {
		id: j.id,
		stage: j.name,
		name: j.name,
		status: j.status,
		created_at: hookTime(j.createdAt),
		started_at: hookTime(j.startedAt),
		finished_at: hookTime(j.finishedAt),
		duration: j.startedAt !== null && j.finishedAt !== null ? (j.finishedAt - j.startedAt) / 1000 : null,
		queued_duration: j.queuedAt !== null && j.startedAt !== null ? (j.startedAt - j.queuedAt) / 1000 : null,
		failure_reason: j.status === 'failed' ? j.failureReason : null,
		when: 'on_success',
		manual: false,
		allow_failure: false,
		user: user(webBase),
		runner: null,
		artifacts_file: { filename: null, size: null },
		environment: null
	};
}

function pipelineHook(flow: ChangeFlow, p: Pipeline, webBase: string): HookPayload {
	const mr = p.proposal === null ? undefined : flow.proposals.get('gitlab', p.proposal);
	const started = p.jobs.reduce<number | null>((m, j) => (j.startedAt !== null && (m === null || j.startedAt < m) ? j.startedAt : m), null);
	const finished = p.status === 'success' || p.status === 'failed' || p.status === 'canceled';
	return {
		event: 'Pipeline Hook',
		kind: 'pipeline',
		action: p.status,
		payload: {
			object_kind: 'pipeline',
			object_attributes: {
				id: p.id,
				iid: p.iid,
				name: null,
				ref: p.ref,
				tag: false,
				sha: p.sha,
				before_sha: p.beforeSha,
				source: p.source,
				status: p.status,
				detailed_status: { success: 'passed' }[p.status as string] ?? p.status,
				stages: p.jobs.map((j) => j.name),
				created_at: hookTime(p.createdAt),
				finished_at: finished ? hookTime(p.updatedAt) : null,
				duration: finished ? Math.round(p.jobs.reduce((s, j) => s + (j.startedAt !== null && j.finishedAt !== null ? j.finishedAt - j.startedAt : 0), 0) / 1000) : null,
				queued_duration: started === null ? null : Math.round((started - p.createdAt) / 1000),
				variables: [],
				url: pipelineUrl(p, webBase)
			},
			merge_request: mr
				? {
						id: mr.id,
						iid: mr.number,
						title: mr.title,
						source_branch: mr.sourceBranch,
						source_project_id: GITOPS_PROJECT.id,
						target_branch: mr.targetBranch,
						target_project_id: GITOPS_PROJECT.id,
						state: mr.state,
						merge_status: flow.conflicts(mr) ? 'cannot_be_merged' : 'can_be_merged',
						detailed_merge_status: detailedMergeStatus(flow, mr),
						url: `${projectUrl(webBase)}/-/merge_requests/${mr.number}`
					}
				: null,
			user: user(webBase),
			project: project(webBase),
			commit: commitOf(flow, p.sha, webBase),
			source_pipeline: null,
			builds: p.jobs.map((j) => build(p, j, webBase))
		}
	};
}

function jobHook(flow: ChangeFlow, p: Pipeline, j: Job, webBase: string): HookPayload {
	const c = flow.repo.commit(p.sha);
	return {
		event: 'Job Hook',
		kind: 'job',
		action: j.status,
		payload: {
			object_kind: 'build',
			ref: p.ref,
			tag: false,
			before_sha: p.beforeSha,
			sha: p.sha,
			build_id: j.id,
			build_name: j.name,
			build_stage: j.name,
			build_status: j.status,
			build_created_at: hookTime(j.createdAt),
			build_started_at: hookTime(j.startedAt),
			build_finished_at: hookTime(j.finishedAt),
			build_duration: j.startedAt !== null && j.finishedAt !== null ? (j.finishedAt - j.startedAt) / 1000 : null,
			build_queued_duration: j.queuedAt !== null && j.startedAt !== null ? (j.startedAt - j.queuedAt) / 1000 : null,
			build_allow_failure: false,
			build_failure_reason: j.status === 'failed' ? (j.failureReason ?? 'script_failure') : 'unknown_failure',
			retries_count: 0,
			pipeline_id: p.id,
			project_id: GITOPS_PROJECT.id,
			project_name: `Platform / ${GITOPS_PROJECT.name}`,
			user: user(webBase),
			commit: { id: p.id, name: null, sha: p.sha, message: c?.message ?? '', author_name: c?.author.name ?? '', author_email: c?.author.email ?? '', author_url: `mailto:${c?.author.email ?? ''}`, status: p.status, duration: null, started_at: null, finished_at: null },
			repository: { name: GITOPS_PROJECT.name, url: project(webBase).url, description: GITOPS_PROJECT.description, homepage: projectUrl(webBase), git_http_url: project(webBase).git_http_url, git_ssh_url: project(webBase).git_ssh_url, visibility_level: 10 },
			project: project(webBase),
			runner: null,
			environment: null
		}
	};
}

/** The hooks GitLab sends for one flow event (none for GitHub's events). */
export function gitlabHookPayloads(flow: ChangeFlow, e: FlowEvent, webBase: string): HookPayload[] {
	if (e.kind === 'proposal') return e.forge === 'gitlab' ? [mergeRequestHook(flow, e, webBase)] : [];
	if (e.pipeline.forge !== 'gitlab') return [];
	if (e.kind === 'pipeline') return [pipelineHook(flow, e.pipeline, webBase)];
	// Jobs report from pending on (created jobs are part of the pipeline hook).
	return e.job.status === 'created' ? [] : [jobHook(flow, e.pipeline, e.job, webBase)];
}
