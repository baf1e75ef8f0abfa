// GitHub's JSON for the change flow on `sandbox-org/gitops`: the repository, pull
// requests (full and list), labels, comments, git refs, check runs, workflow runs and
// their jobs, shaped as GHES 3.17's OpenAPI description has them (the tests check them
// strictly). Shared by the REST routes and the webhook payloads.

import { createHash } from 'node:crypto';
import type { Bases } from '../github/entities.js';
import { repoEntity, simpleUserEntity } from '../github/entities.js';
import { iso } from '../sim/clock.js';
import { ORG, type Repo as CatalogRepo } from '../sim/github/catalog.js';
import type { ChangeFlow } from './flow.js';
import type { Job, JobStatus, Pipeline } from './pipelines.js';
import type { Note, Proposal } from './proposals.js';
import type { Commit } from './repo.js';

export const GITOPS_REPO: CatalogRepo = {
	id: 700103,
	name: 'gitops',
	description: 'OpenTofu stacks of the CI runner platform',
	defaultBranch: 'main',
	language: 'HCL',
	createdAt: '2025-10-20T09:30:00Z',
	// An hour before GITOPS_ORIGIN, as repoEntity places a push relative to a start.
	pushedBeforeStartMs: 3_600_000
};
/** The repository's fixed history does not move with the simulation's start. */
const GITOPS_ORIGIN = Date.parse('2026-01-01T00:00:00Z');
export const GITOPS_FULL_NAME = `${ORG.login}/${GITOPS_REPO.name}`;

/** The one workflow of the repository (`.github/workflows/tofu.yml`: plan on pull requests, plan + apply on main). */
export const WORKFLOW = { id: 161335, name: 'tofu', path: '.github/workflows/tofu.yml', createdAt: '2025-10-20T09:30:00Z' };

/** The token owner: every pull request, comment and merge through the API is theirs. */
export const GITHUB_ACTOR = { id: 90100, login: 'sandbox-admin' };

const nodeId = (prefix: string, id: number | string) => Buffer.from(`${prefix}${id}`).toString('base64').replace(/=+$/, '');
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms).replace(/\.\d{3}Z$/, 'Z'));
const ghIso = (ms: number) => iso(ms).replace(/\.\d{3}Z$/, 'Z');

export const actorEntity = (b: Bases) => simpleUserEntity(b, GITHUB_ACTOR.login, GITHUB_ACTOR.id, 'User', true);
export const orgUser = (b: Bases) => simpleUserEntity(b, ORG.login, ORG.id, 'Organization', false);

/** The repository as GET /repos/{owner}/{repo} answers it (full-repository). */
export function gitopsFullRepository(b: Bases) {
	// Merges and squashes only; head branches stay after a merge (GitHub's defaults).
	return { ...repoEntity(GITOPS_REPO, b, GITOPS_ORIGIN), allow_rebase_merge: false, delete_branch_on_merge: false };
}

/** The repository as embedded in pull requests (`repository`). */
export function gitopsRepository(b: Bases) {
	const { organization: _o, network_count: _n, subscribers_count: _s, ...rest } = gitopsFullRepository(b);
	return rest;
}

/** The repository as embedded in workflow runs (`minimal-repository`). */
export function gitopsMinimalRepository(b: Bases) {
	const r = gitopsRepository(b);
	return {
		id: r.id,
		node_id: r.node_id,
		name: r.name,
		full_name: r.full_name,
		owner: r.owner,
		private: r.private,
		html_url: r.html_url,
		description: r.description,
		fork: r.fork,
		url: r.url,
		archive_url: r.archive_url,
		assignees_url: r.assignees_url,
		blobs_url: r.blobs_url,
		branches_url: r.branches_url,
		collaborators_url: r.collaborators_url,
		comments_url: r.comments_url,
		commits_url: r.commits_url,
		compare_url: r.compare_url,
		contents_url: r.contents_url,
		contributors_url: r.contributors_url,
		deployments_url: r.deployments_url,
		downloads_url: r.downloads_url,
		events_url: r.events_url,
		forks_url: r.forks_url,
		git_commits_url: r.git_commits_url,
		git_refs_url: r.git_refs_url,
		git_tags_url: r.git_tags_url,
		issue_comment_url: r.issue_comment_url,
		issue_events_url: r.issue_events_url,
		issues_url: r.issues_url,
		keys_url: r.keys_url,
		labels_url: r.labels_url,
		languages_url: r.languages_url,
		merges_url: r.merges_url,
		milestones_url: r.milestones_url,
		notifications_url: r.notifications_url,
		pulls_url: r.pulls_url,
		releases_url: r.releases_url,
		stargazers_url: r.stargazers_url,
		statuses_url: r.statuses_url,
		subscribers_url: r.subscribers_url,
		subscription_url: r.subscription_url,
		tags_url: r.tags_url,
		teams_url: r.teams_url,
		trees_url: r.trees_url,
		hooks_url: r.hooks_url
	};
}

export const repoApi = (b: Bases) => `${b.api}/repos/${GITOPS_FULL_NAME}`;
export const repoWeb = (b: Bases) => `${b.web}/${GITOPS_FULL_NAME}`;

/** Label colours and ids are stable per name (labels are created on first use). */
export function labelEntity(name: string, b: Bases) {
	const h = createHash('sha1').update(name).digest();
	const id = 5_000_000_000 + (h.readUInt32BE(0) % 1_000_000_000);
	return { id, node_id: nodeId('05:Label', id), url: `${repoApi(b)}/labels/${encodeURIComponent(name)}`, name, description: null, color: h.toString('hex').slice(0, 6), default: false };
}

export function gitRefEntity(ref: string, sha: string, b: Bases) {
	return { ref, node_id: nodeId('03:Ref', ref), url: `${repoApi(b)}/git/${ref}`, object: { type: 'commit', sha, url: `${repoApi(b)}/git/commits/${sha}` } };
}

/** What GitHub calls `mergeable` and `mergeable_state` (the default branch requires the `plan` check). */
export function mergeState(flow: ChangeFlow, p: Proposal): { mergeable: boolean | null; state: string } {
	if (p.state !== 'opened') return { mergeable: null, state: 'unknown' };
	const m = flow.mergeability(p);
	if (m.conflict) return { mergeable: false, state: 'dirty' };
	if (m.status === 'draft') return { mergeable: true, state: 'draft' };
	if (m.status === 'source_missing') return { mergeable: false, state: 'unknown' };
	// GitHub works mergeability out in the background: unknown until the checks start.
	if (m.status === 'checking') return { mergeable: null, state: 'unknown' };
	return { mergeable: true, state: m.status === 'mergeable' ? 'clean' : 'blocked' };
}

function branchEnd(flow: ChangeFlow, p: Proposal, which: 'head' | 'base', b: Bases) {
	const refs = flow.diffRefs(p);
	const ref = which === 'head' ? p.sourceBranch : p.targetBranch;
	const sha = which === 'head' ? refs.head.id : refs.start.id;
	return { label: `${ORG.login}:${ref}`, ref, sha, user: orgUser(b), repo: gitopsRepository(b) };
}

/** A pull request in lists (`pull-request-simple`); `full` adds the single-PR fields (`pull-request`). */
export function pullEntity(flow: ChangeFlow, p: Proposal, b: Bases, full = false) {
	const api = `${repoApi(b)}/pulls/${p.number}`;
	const web = `${repoWeb(b)}/pull/${p.number}`;
	const issue = `${repoApi(b)}/issues/${p.number}`;
	const head = branchEnd(flow, p, 'head', b);
	const base = {
		url: api,
		id: p.id,
		node_id: nodeId('011:PullRequest', p.id),
		html_url: web,
		diff_url: `${web}.diff`,
		patch_url: `${web}.patch`,
		issue_url: issue,
		commits_url: `${api}/commits`,
		review_comments_url: `${api}/comments`,
		review_comment_url: `${repoApi(b)}/pulls/comments{/number}`,
		comments_url: `${issue}/comments`,
		statuses_url: `${repoApi(b)}/statuses/${head.sha}`,
		number: p.number,
		state: p.state === 'opened' ? 'open' : 'closed',
		locked: false,
		title: p.title,
		user: actorEntity(b),
		body: p.description === '' ? null : p.description,
		labels: p.labels.map((l) => labelEntity(l, b)),
		milestone: null,
		active_lock_reason: null,
		created_at: ghIso(p.createdAt),
		updated_at: ghIso(p.updatedAt),
		closed_at: isoOrNull(p.closedAt ?? p.mergedAt),
		merged_at: isoOrNull(p.mergedAt),
		merge_commit_sha: p.mergeCommitSha,
		assignee: null,
		assignees: [],
		requested_reviewers: [],
		requested_teams: [],
		head,
		base: branchEnd(flow, p, 'base', b),
		_links: {
			self: { href: api },
			html: { href: web },
			issue: { href: issue },
			comments: { href: `${issue}/comments` },
			review_comments: { href: `${api}/comments` },
			review_comment: { href: `${repoApi(b)}/pulls/comments{/number}` },
			commits: { href: `${api}/commits` },
			statuses: { href: `${repoApi(b)}/statuses/${head.sha}` }
		},
		author_association: 'MEMBER',
		auto_merge: null,
		draft: p.draft
	};
	if (!full) return base;
	const refs = flow.diffRefs(p);
	let additions = 0;
	let deletions = 0;
	let changed = 0;
	for (const f of new Set([...refs.base.files.keys(), ...refs.head.files.keys()])) {
		const before = refs.base.files.get(f);
		const after = refs.head.files.get(f);
		if (before === after) continue;
		changed++;
		const a = (after ?? '').split('\n');
		const d = (before ?? '').split('\n');
		// Line counts of the diff; close enough to git's for these small files.
		const common = d.filter((l) => a.includes(l)).length;
		additions += a.length - common;
		deletions += d.length - common;
	}
	const ms = mergeState(flow, p);
	const repo = flow.world.gitops.repo;
	return {
		...base,
		merged: p.state === 'merged',
		mergeable: ms.mergeable,
		rebaseable: false,
		mergeable_state: ms.state,
		merged_by: p.state === 'merged' ? actorEntity(b) : null,
		comments: p.notes.length,
		review_comments: 0,
		maintainer_can_modify: false,
		commits: [...repo.ancestors(refs.head.id)].filter((id) => !repo.ancestors(refs.base.id).has(id)).length,
		additions,
		deletions,
		changed_files: changed
	};
}

export function commentEntity(p: Proposal, n: Note, b: Bases) {
	return {
		id: n.id,
		node_id: nodeId('012:IssueComment', n.id),
		url: `${repoApi(b)}/issues/comments/${n.id}`,
		html_url: `${repoWeb(b)}/pull/${p.number}#issuecomment-${n.id}`,
		body: n.body,
		user: actorEntity(b),
		created_at: ghIso(n.at),
		updated_at: ghIso(n.at),
		issue_url: `${repoApi(b)}/issues/${p.number}`,
		author_association: 'MEMBER'
	};
}

/** The GitHub Actions app that owns the check runs. */
export function actionsApp(b: Bases) {
	return {
		id: 15368,
		slug: 'github-actions',
		node_id: nodeId('03:Integration', 15368),
		owner: simpleUserEntity(b, 'github', 9919, 'Organization', false),
		name: 'GitHub Actions',
		description: 'Automate your workflow from idea to production',
		external_url: `${b.web}/features/actions`,
		html_url: `${b.web}/apps/github-actions`,
		created_at: '2018-07-30T09:30:17Z',
		updated_at: '2024-04-10T20:33:16Z',
		permissions: { actions: 'write', checks: 'write', contents: 'write', metadata: 'read', pull_requests: 'write', statuses: 'write' },
		events: ['check_run', 'check_suite', 'pull_request', 'push', 'workflow_dispatch']
	};
}

/** GitHub's status and conclusion for a job (a check run) or a pipeline (a workflow run). */
const GH_STATUS: Record<JobStatus, { status: string; conclusion: string | null }> = {
	created: { status: 'queued', conclusion: null },
	pending: { status: 'queued', conclusion: null },
	running: { status: 'in_progress', conclusion: null },
	success: { status: 'completed', conclusion: 'success' },
	failed: { status: 'completed', conclusion: 'failure' },
	canceled: { status: 'completed', conclusion: 'cancelled' },
	skipped: { status: 'completed', conclusion: 'skipped' }
};

export const checkStatus = (j: Job) => GH_STATUS[j.status];
export const runStatus = (p: Pipeline) => GH_STATUS[p.status];

/** The pull requests a run or check belongs to (`pull-request-minimal`). */
function pullsOf(flow: ChangeFlow, p: Pipeline, b: Bases) {
	if (p.proposal === null) return [];
	const pr = flow.proposals.get('github', p.proposal);
	if (!pr) return [];
	const repo = { id: GITOPS_REPO.id, url: repoApi(b), name: GITOPS_REPO.name };
	return [{ id: pr.id, number: pr.number, url: `${repoApi(b)}/pulls/${pr.number}`, head: { ref: pr.sourceBranch, sha: p.sha, repo }, base: { ref: pr.targetBranch, sha: p.beforeSha, repo } }];
}

/** What the check run shows: the plan's summary line(s) as title, the job's output as text. */
function checkOutput(j: Job, b: Bases) {
	const finished = j.finishedAt !== null;
	const lines = j.log.match(/^(Plan: .*|No changes\..*|Apply complete!.*|│ Error: .*)$/gm) ?? [];
	return {
		title: finished ? (lines[0]?.replace(/^│ /, '') ?? (j.status === 'skipped' ? 'Skipped' : j.status)) : null,
		summary: finished ? (lines.map((l) => l.replace(/^│ /, '')).join('\n') || null) : null,
		text: finished ? j.log : null,
		annotations_count: 0,
		annotations_url: `${repoApi(b)}/check-runs/${j.id}/annotations`
	};
}

export function checkRunEntity(flow: ChangeFlow, p: Pipeline, j: Job, b: Bases) {
	const s = checkStatus(j);
	const web = `${repoWeb(b)}/actions/runs/${p.id}/job/${j.id}`;
	return {
		id: j.id,
		head_sha: p.sha,
		node_id: nodeId('08:CheckRun', j.id),
		external_id: String(j.id),
		url: `${repoApi(b)}/check-runs/${j.id}`,
		html_url: web,
		details_url: web,
		status: s.status,
		conclusion: s.conclusion,
		started_at: isoOrNull(j.startedAt ?? j.createdAt),
		completed_at: isoOrNull(j.finishedAt),
		output: checkOutput(j, b),
		name: j.name,
		check_suite: { id: p.id },
		app: actionsApp(b),
		pull_requests: pullsOf(flow, p, b)
	};
}

function headCommit(c: Commit | undefined) {
	if (!c) return null;
	const person = { name: c.author.name, email: c.author.email };
	return { id: c.id, tree_id: c.treeId, message: c.message, timestamp: ghIso(c.at), author: person, committer: person };
}

export function workflowRunEntity(flow: ChangeFlow, p: Pipeline, b: Bases) {
	const s = runStatus(p);
	const api = `${repoApi(b)}/actions/runs/${p.id}`;
	const started = p.jobs.reduce<number | null>((m, j) => (j.startedAt !== null && (m === null || j.startedAt < m) ? j.startedAt : m), null);
	const commit = flow.world.gitops.repo.commit(p.sha);
	const pr = p.proposal === null ? undefined : flow.proposals.get('github', p.proposal);
	return {
		id: p.id,
		name: WORKFLOW.name,
		node_id: nodeId('011:WorkflowRun', p.id),
		check_suite_id: p.id,
		check_suite_node_id: nodeId('010:CheckSuite', p.id),
		head_branch: p.branch,
		head_sha: p.sha,
		path: WORKFLOW.path,
		run_number: p.iid,
		run_attempt: 1,
		referenced_workflows: [],
		event: p.source,
		status: s.status,
		conclusion: s.conclusion,
		workflow_id: WORKFLOW.id,
		url: api,
		html_url: `${repoWeb(b)}/actions/runs/${p.id}`,
		pull_requests: pullsOf(flow, p, b),
		created_at: ghIso(p.createdAt),
		updated_at: ghIso(p.updatedAt),
		actor: actorEntity(b),
		triggering_actor: actorEntity(b),
		run_started_at: ghIso(started ?? p.createdAt),
		jobs_url: `${api}/jobs`,
		logs_url: `${api}/logs`,
		check_suite_url: `${repoApi(b)}/check-suites/${p.id}`,
		artifacts_url: `${api}/artifacts`,
		cancel_url: `${api}/cancel`,
		rerun_url: `${api}/rerun`,
		previous_attempt_url: null,
		workflow_url: `${repoApi(b)}/actions/workflows/${WORKFLOW.id}`,
		head_commit: headCommit(commit),
		repository: gitopsMinimalRepository(b),
		head_repository: gitopsMinimalRepository(b),
		display_title: pr ? pr.title : (commit?.message.split('\n')[0] ?? WORKFLOW.name)
	};
}

export function workflowJobEntity(p: Pipeline, j: Job, b: Bases) {
	const s = checkStatus(j);
	const running = j.startedAt !== null;
	return {
		id: j.id,
		run_id: p.id,
		run_url: `${repoApi(b)}/actions/runs/${p.id}`,
		run_attempt: 1,
		node_id: nodeId('08:CheckRun', j.id),
		head_sha: p.sha,
		url: `${repoApi(b)}/actions/jobs/${j.id}`,
		html_url: `${repoWeb(b)}/actions/runs/${p.id}/job/${j.id}`,
		status: s.status,
		conclusion: s.conclusion,
		created_at: ghIso(j.createdAt),
		started_at: ghIso(j.startedAt ?? j.createdAt),
		completed_at: isoOrNull(j.finishedAt),
		name: j.name,
		steps: [
			{ name: 'Set up job', status: running ? 'completed' : 'queued', conclusion: running ? 'success' : null, number: 1, started_at: isoOrNull(j.startedAt), completed_at: isoOrNull(j.startedAt) },
			{ name: `tofu ${j.name}`, status: s.status, conclusion: s.conclusion, number: 2, started_at: isoOrNull(j.startedAt), completed_at: isoOrNull(j.finishedAt) }
		],
		check_run_url: `${repoApi(b)}/check-runs/${j.id}`,
		labels: ['gh-docker'],
		runner_id: running ? 20001 : null,
		runner_name: running ? 'gh-docker-runner' : null,
		runner_group_id: running ? 2 : null,
		runner_group_name: running ? 'arc-runners' : null,
		workflow_name: WORKFLOW.name,
		head_branch: p.branch
	};
}

export function workflowEntity(b: Bases) {
	return {
		id: WORKFLOW.id,
		node_id: nodeId('010:Workflow', WORKFLOW.id),
		name: WORKFLOW.name,
		path: WORKFLOW.path,
		state: 'active',
		created_at: WORKFLOW.createdAt,
		updated_at: WORKFLOW.createdAt,
		url: `${repoApi(b)}/actions/workflows/${WORKFLOW.id}`,
		html_url: `${repoWeb(b)}/blob/main/${WORKFLOW.path}`,
		badge_url: `${repoWeb(b)}/workflows/${WORKFLOW.name}/badge.svg`
	};
}
