// GitLab's JSON for the change flow on the GitOps project: merge requests (list and
// single), notes, pipelines (basic and detailed), jobs, and the user every action is
// made as (the API token's owner). Shared by the REST routes and the webhook payloads.

import { createHash } from 'node:crypto';
import { iso } from '../sim/clock.js';
import type { ChangeFlow } from './flow.js';
import { GITOPS_PATH, GITOPS_PROJECT } from './gitops.js';
import type { Job, Pipeline } from './pipelines.js';
import type { Note, Proposal } from './proposals.js';

/** The token owner (GET /user answers the same account). */
export const GITLAB_ACTOR = { id: 1, username: 'sandbox-admin', name: 'Sandbox Admin', email: 'sandbox-admin@sandbox.invalid' };

export function userBasic(webBase: string) {
	const u = GITLAB_ACTOR;
	return { id: u.id, username: u.username, name: u.name, state: 'active', locked: false, avatar_url: null, web_url: `${webBase}/${u.username}` };
}

const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export const projectUrl = (webBase: string) => `${webBase}/${GITOPS_PATH}`;

/** GitLab's `detailed_merge_status` for the flow's verdict. */
export function detailedMergeStatus(flow: ChangeFlow, p: Proposal): string {
	const m = flow.mergeability(p);
	return {
		mergeable: 'mergeable',
		not_open: 'not_open',
		draft: 'draft_status',
		source_missing: 'broken_status',
		conflict: 'conflict',
		checking: 'checking',
		ci_running: 'ci_still_running',
		ci_failed: 'ci_must_pass'
	}[m.status];
}

/** A merge request as the list endpoint answers it; `detail` adds the single-MR fields. */
export function mergeRequestEntity(flow: ChangeFlow, p: Proposal, webBase: string, detail = false) {
	const m = flow.mergeability(p);
	const user = userBasic(webBase);
	const web = `${projectUrl(webBase)}/-/merge_requests/${p.number}`;
	const base = {
		id: p.id,
		iid: p.number,
		project_id: GITOPS_PROJECT.id,
		title: p.title,
		description: p.description,
		state: p.state,
		created_at: iso(p.createdAt),
		updated_at: iso(p.updatedAt),
		merged_by: p.state === 'merged' ? user : null,
		merge_user: p.state === 'merged' || p.autoMerge ? user : null,
		merged_at: isoOrNull(p.mergedAt),
		merge_after: null,
		prepared_at: iso(p.createdAt),
		closed_by: p.state === 'closed' ? user : null,
		closed_at: isoOrNull(p.closedAt),
		target_branch: p.targetBranch,
		source_branch: p.sourceBranch,
		user_notes_count: p.notes.filter((n) => !n.system).length,
		upvotes: 0,
		downvotes: 0,
		author: user,
		assignees: [],
		assignee: null,
		reviewers: [],
		source_project_id: GITOPS_PROJECT.id,
		target_project_id: GITOPS_PROJECT.id,
		labels: [...p.labels],
		draft: p.draft,
		imported: false,
		imported_from: 'none',
		work_in_progress: p.draft,
		milestone: null,
		merge_when_pipeline_succeeds: p.autoMerge !== null,
		merge_status: m.conflict ? 'cannot_be_merged' : 'can_be_merged',
		detailed_merge_status: detailedMergeStatus(flow, p),
		sha: p.headSha,
		merge_commit_sha: p.squashCommitSha === null ? p.mergeCommitSha : null,
		squash_commit_sha: p.squashCommitSha,
		discussion_locked: null,
		should_remove_source_branch: p.state === 'merged' ? p.removeSourceBranch : null,
		force_remove_source_branch: p.removeSourceBranch,
		reference: `!${p.number}`,
		references: { short: `!${p.number}`, relative: `!${p.number}`, full: `${GITOPS_PATH}!${p.number}` },
		web_url: web,
		time_stats: { time_estimate: 0, total_time_spent: 0, human_time_estimate: null, human_total_time_spent: null },
		squash: p.squashCommitSha !== null,
		squash_on_merge: p.squashCommitSha !== null,
		task_completion_status: { count: 0, completed_count: 0 },
		has_conflicts: m.conflict,
		blocking_discussions_resolved: true
	};
	if (!detail) return base;
	const refs = flow.diffRefs(p);
	const pipeline = m.pipeline;
	const job = (name: 'plan' | 'apply') => pipeline?.jobs.find((j) => j.name === name);
	return {
		...base,
		subscribed: true,
		changes_count: String(new Set([...refs.base.files.keys(), ...refs.head.files.keys()].filter((f) => refs.base.files.get(f) !== refs.head.files.get(f))).size),
		latest_build_started_at: isoOrNull(job('plan')?.startedAt ?? null),
		latest_build_finished_at: isoOrNull(pipeline && pipeline.jobs.every((j) => j.finishedAt !== null) ? (pipeline.jobs.at(-1)?.finishedAt ?? null) : null),
		first_deployed_to_production_at: null,
		pipeline: pipeline ? pipelineBasic(pipeline, webBase) : null,
		head_pipeline: pipeline ? pipelineDetail(pipeline, webBase) : null,
		diff_refs: { base_sha: refs.base.id, head_sha: refs.head.id, start_sha: refs.start.id },
		merge_error: null,
		first_contribution: false,
		user: { can_merge: true },
		rebase_in_progress: false,
		diverged_commits_count: 0
	};
}

export function noteEntity(p: Proposal, n: Note, webBase: string) {
	return {
		id: n.id,
		type: null,
		body: n.body,
		author: userBasic(webBase),
		created_at: iso(n.at),
		updated_at: iso(n.at),
		system: n.system,
		noteable_id: p.id,
		noteable_type: 'MergeRequest',
		project_id: GITOPS_PROJECT.id,
		resolvable: false,
		confidential: false,
		internal: false,
		imported: false,
		imported_from: 'none',
		noteable_iid: p.number,
		commands_changes: {}
	};
}

export function pipelineUrl(p: Pipeline, webBase: string): string {
	return `${projectUrl(webBase)}/-/pipelines/${p.id}`;
}

/** A pipeline in lists (`GET /pipelines`, an MR's pipelines). */
export function pipelineBasic(p: Pipeline, webBase: string) {
	return {
		id: p.id,
		iid: p.iid,
		project_id: GITOPS_PROJECT.id,
		sha: p.sha,
		ref: p.ref,
		status: p.status,
		source: p.source,
		created_at: iso(p.createdAt),
		updated_at: iso(p.updatedAt),
		web_url: pipelineUrl(p, webBase),
		name: null
	};
}

const STATUS_TEXT: Record<string, { icon: string; text: string; label: string; group: string }> = {
	created: { icon: 'status_created', text: 'Created', label: 'created', group: 'created' },
	pending: { icon: 'status_pending', text: 'Pending', label: 'pending', group: 'pending' },
	running: { icon: 'status_running', text: 'Running', label: 'running', group: 'running' },
	success: { icon: 'status_success', text: 'Passed', label: 'passed', group: 'success' },
	failed: { icon: 'status_failed', text: 'Failed', label: 'failed', group: 'failed' },
	canceled: { icon: 'status_canceled', text: 'Canceled', label: 'canceled', group: 'canceled' },
	skipped: { icon: 'status_skipped', text: 'Skipped', label: 'skipped', group: 'skipped' }
};

function detailedStatus(status: string, path: string) {
	const s = STATUS_TEXT[status] ?? (STATUS_TEXT.created as (typeof STATUS_TEXT)[string]);
	return { ...s, tooltip: s.label, has_details: true, details_path: path, illustration: null, favicon: `/assets/ci_favicons/favicon_${s.icon}.png` };
}

const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);

function pipelineTimes(p: Pipeline) {
	const started = p.jobs.reduce<number | null>((m, j) => (j.startedAt !== null && (m === null || j.startedAt < m) ? j.startedAt : m), null);
	const finished = p.status === 'success' || p.status === 'failed' || p.status === 'canceled' ? p.updatedAt : null;
	const duration = p.jobs.reduce((sum, j) => sum + (j.startedAt !== null && j.finishedAt !== null ? j.finishedAt - j.startedAt : 0), 0);
	return { started, finished, duration: finished === null ? null : Math.round(duration / 1000), queued: started === null ? null : seconds(started - p.createdAt) };
}

/** A single pipeline (`GET /pipelines/:id`, an MR's head_pipeline). */
export function pipelineDetail(p: Pipeline, webBase: string) {
	const t = pipelineTimes(p);
	return {
		...pipelineBasic(p, webBase),
		before_sha: p.beforeSha,
		tag: false,
		yaml_errors: null,
		user: userBasic(webBase),
		started_at: isoOrNull(t.started),
		finished_at: isoOrNull(t.finished),
		committed_at: null,
		duration: t.duration,
		queued_duration: t.queued,
		coverage: null,
		detailed_status: detailedStatus(p.status, `/${GITOPS_PATH}/-/pipelines/${p.id}`),
		archived: false
	};
}

export function jobEntity(flow: ChangeFlow, p: Pipeline, j: Job, webBase: string, commitEntity: (id: string) => unknown) {
	const now = flow.now();
	return {
		id: j.id,
		status: j.status,
		stage: j.name,
		name: j.name,
		ref: p.ref,
		tag: false,
		coverage: null,
		allow_failure: false,
		created_at: iso(j.createdAt),
		started_at: isoOrNull(j.startedAt),
		finished_at: isoOrNull(j.finishedAt),
		erased_at: null,
		duration: j.startedAt === null ? null : ((j.finishedAt ?? now) - j.startedAt) / 1000,
		queued_duration: j.queuedAt === null ? null : ((j.startedAt ?? now) - j.queuedAt) / 1000,
		user: userBasic(webBase),
		commit: commitEntity(p.sha),
		pipeline: { id: p.id, iid: p.iid, project_id: GITOPS_PROJECT.id, sha: p.sha, ref: p.ref, status: p.status, source: p.source, created_at: iso(p.createdAt), updated_at: iso(p.updatedAt), web_url: pipelineUrl(p, webBase) },
		web_url: `${projectUrl(webBase)}/-/jobs/${j.id}`,
		project: { ci_job_token_scope_enabled: false },
		artifacts: [],
		runner: null,
		runner_manager: null,
		artifacts_expire_at: null,
		archived: false,
		tag_list: ['docker'],
		...(j.status === 'failed' ? { failure_reason: j.failureReason ?? 'script_failure' } : {})
	};
}

/** A label's id, stable per title (labels are created on first use, as the API does with `labels=`). */
export function labelId(title: string): number {
	return 100_000 + (createHash('sha1').update(title).digest().readUInt32BE(0) % 900_000);
}
