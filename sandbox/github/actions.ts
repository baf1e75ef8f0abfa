// GitHub Actions runs and jobs, and the runner application downloads. GitHub has no
// endpoint listing queued jobs: a client lists a repository's runs by status
// (`?status=queued`, and `in_progress` for runs whose later jobs still wait), then each
// run's jobs, which carry the `labels` they asked for and `runner_name: null` until a
// runner takes them. The downloads list is the runner release the server distributes —
// on GHES the only place the API names a current runner version.

import { createHash } from 'node:crypto';
import type { Ctx, Router } from '../http/router.js';
import { EPHEMERAL_RUNNER_VERSION, RUNNER_GROUPS, findRepo, repoFullName, type Repo } from '../sim/github/catalog.js';
import type { GitHubJob } from '../sim/github/model.js';
import { runConclusion, runStatus, type WorkflowRun } from '../sim/github/runs.js';
import { iso } from '../sim/clock.js';
import { notFound, ok, type GitHubApi } from './context.js';
import { nodeId, repoEntity, type Bases } from './entities.js';
import { linkHeader, pageOf, readPaging } from './pagination.js';
import { checkOrg } from './runners.js';

/** GitHub renders times to the second. */
const time = (ms: number) => iso(ms).replace(/\.\d{3}Z$/, 'Z');

const WORKFLOW_NAMES: Record<string, string> = { 'build-images.yml': 'Build images', 'nightly.yml': 'Nightly', 'ci.yml': 'CI', 'deploy.yml': 'Deploy' };

function workflowName(path: string): string {
	return WORKFLOW_NAMES[path.slice(path.lastIndexOf('/') + 1)] ?? path;
}

/** A stable number from text (workflow and check suite ids are not simulated, only shown). */
function idOf(text: string): number {
	return Number.parseInt(createHash('sha1').update(text).digest('hex').slice(0, 7), 16);
}

const branchOf = (ref: string) => ref.replace(/^refs\/heads\//, '');

/** `minimal-repository`: the repository fields a run embeds. */
const MINIMAL_REPO_KEYS = [
	'id', 'node_id', 'name', 'full_name', 'owner', 'private', 'html_url', 'description', 'fork', 'url', 'archive_url', 'assignees_url', 'blobs_url',
	'branches_url', 'collaborators_url', 'comments_url', 'commits_url', 'compare_url', 'contents_url', 'contributors_url', 'deployments_url',
	'downloads_url', 'events_url', 'forks_url', 'git_commits_url', 'git_refs_url', 'git_tags_url', 'issue_comment_url', 'issue_events_url',
	'issues_url', 'keys_url', 'labels_url', 'languages_url', 'merges_url', 'milestones_url', 'notifications_url', 'pulls_url', 'releases_url',
	'stargazers_url', 'statuses_url', 'subscribers_url', 'subscription_url', 'tags_url', 'teams_url', 'trees_url', 'hooks_url'
] as const;

function minimalRepo(repo: Repo, b: Bases, origin: number) {
	const full = repoEntity(repo, b, origin) as Record<string, unknown>;
	return Object.fromEntries(MINIMAL_REPO_KEYS.map((k) => [k, full[k]]));
}

function apiJobStatus(j: GitHubJob): 'queued' | 'in_progress' | 'completed' {
	// A job assigned to a scale set is still queued as far as GitHub's API is concerned.
	return j.status === 'in_progress' || j.status === 'completed' ? j.status : 'queued';
}

export function workflowRunEntity(run: WorkflowRun, repo: Repo, b: Bases, origin: number) {
	const u = `${b.api}/repos/${run.repo}/actions/runs/${run.id}`;
	const status = runStatus(run);
	let updated = run.createdAt;
	for (const j of run.jobs) updated = Math.max(updated, j.finishedAt ?? j.startedAt ?? j.createdAt);
	const name = workflowName(run.path);
	const suite = idOf(`suite:${run.repo}:${run.id}`);
	const minimal = minimalRepo(repo, b, origin);
	return {
		id: run.id,
		name,
		node_id: nodeId('WFR_', run.id),
		check_suite_id: suite,
		check_suite_node_id: nodeId('CS_', suite),
		head_branch: branchOf(run.ref),
		head_sha: run.headSha,
		path: run.path,
		display_title: `${name} on ${branchOf(run.ref)}`,
		run_number: run.runNumber,
		event: run.event,
		status,
		conclusion: runConclusion(run),
		workflow_id: idOf(`workflow:${run.repo}:${run.path}`),
		url: u,
		html_url: `${b.web}/${run.repo}/actions/runs/${run.id}`,
		pull_requests: [],
		created_at: time(run.createdAt),
		updated_at: time(updated),
		run_attempt: 1,
		referenced_workflows: [],
		run_started_at: time(run.createdAt),
		jobs_url: `${u}/jobs`,
		logs_url: `${u}/logs`,
		check_suite_url: `${b.api}/repos/${run.repo}/check-suites/${suite}`,
		artifacts_url: `${u}/artifacts`,
		cancel_url: `${u}/cancel`,
		rerun_url: `${u}/rerun`,
		previous_attempt_url: null,
		workflow_url: `${b.api}/repos/${run.repo}/actions/workflows/${idOf(`workflow:${run.repo}:${run.path}`)}`,
		head_commit: {
			id: run.headSha,
			tree_id: createHash('sha1').update(`tree:${run.headSha}`).digest('hex'),
			message: `Update ${branchOf(run.ref)}`,
			timestamp: time(run.createdAt),
			author: { name: 'Sandbox Admin', email: 'sandbox-admin@sandbox.invalid' },
			committer: { name: 'Sandbox Admin', email: 'sandbox-admin@sandbox.invalid' }
		},
		repository: minimal,
		head_repository: minimal,
		head_repository_id: repo.id
	};
}

export function workflowJobEntity(j: GitHubJob, run: WorkflowRun, b: Bases) {
	const group = j.runnerGroupId === null ? undefined : RUNNER_GROUPS.find((g) => g.id === j.runnerGroupId);
	return {
		id: j.id,
		run_id: j.runId,
		workflow_name: workflowName(run.path),
		head_branch: branchOf(run.ref),
		run_url: `${b.api}/repos/${run.repo}/actions/runs/${run.id}`,
		run_attempt: 1,
		node_id: nodeId('CR_', j.id),
		head_sha: run.headSha,
		url: `${b.api}/repos/${j.repo}/actions/jobs/${j.id}`,
		html_url: `${b.web}/${j.repo}/actions/runs/${j.runId}/job/${j.id}`,
		status: apiJobStatus(j),
		conclusion: j.conclusion,
		created_at: time(j.createdAt),
		// GitHub reports a queued job as started when it was created.
		started_at: time(j.startedAt ?? j.createdAt),
		completed_at: j.finishedAt === null ? null : time(j.finishedAt),
		name: j.name,
		check_run_url: `${b.api}/repos/${j.repo}/check-runs/${j.id}`,
		labels: j.target.kind === 'labels' ? [...j.target.labels] : [j.target.name],
		runner_id: j.runnerId,
		runner_name: j.runnerName,
		runner_group_id: group ? group.id : null,
		runner_group_name: group ? group.name : null
	};
}

/** The runner application builds GHES offers, all of the version it distributes. */
export function runnerDownloads() {
	const builds: [os: string, arch: string, ext: string][] = [
		['osx', 'x64', 'tar.gz'],
		['osx', 'arm64', 'tar.gz'],
		['linux', 'x64', 'tar.gz'],
		['linux', 'arm', 'tar.gz'],
		['linux', 'arm64', 'tar.gz'],
		['win', 'x64', 'zip'],
		['win', 'arm64', 'zip']
	];
	const v = EPHEMERAL_RUNNER_VERSION;
	return builds.map(([os, architecture, ext]) => {
		const filename = `actions-runner-${os}-${architecture}-${v}.${ext}`;
		return { os, architecture, download_url: `https://github.com/actions/runner/releases/download/v${v}/${filename}`, filename };
	});
}

function repoOf(ctx: Ctx): Repo {
	const repo = findRepo(ctx.params.owner ?? '', ctx.params.repo ?? '');
	if (!repo) throw notFound();
	return repo;
}

function numericParam(ctx: Ctx, name: string): number {
	const raw = ctx.params[name] ?? '';
	if (!/^\d+$/.test(raw)) throw notFound();
	return Number(raw);
}

function runOf(ctx: Ctx, api: GitHubApi, repo: Repo): WorkflowRun {
	const run = api.world.github.runs.run(numericParam(ctx, 'run_id'));
	if (!run || run.repo.toLowerCase() !== repoFullName(repo).toLowerCase()) throw notFound();
	return run;
}

const CONCLUSIONS = new Set(['success', 'failure', 'cancelled']);

/** `status` takes a status or a conclusion, as GitHub's does; values the sandbox never produces match nothing. */
function matchesStatus(run: WorkflowRun, status: string): boolean {
	if (status === 'queued' || status === 'in_progress' || status === 'completed') return runStatus(run) === status;
	return CONCLUSIONS.has(status) && runConclusion(run) === status;
}

/** Routes before the runner routes: `/actions/runners/downloads` is not a runner id. */
export function actionRoutes(router: Router, api: GitHubApi): void {
	router.get('/orgs/:org/actions/runners/downloads', (ctx) => {
		checkOrg(ctx);
		ok(ctx, runnerDownloads());
	});
	router.get('/repos/:owner/:repo/actions/runners/downloads', (ctx) => {
		repoOf(ctx);
		ok(ctx, runnerDownloads());
	});

	router.get('/repos/:owner/:repo/actions/runs', (ctx) => {
		const repo = repoOf(ctx);
		const q = ctx.url.searchParams;
		const status = q.get('status');
		const branch = q.get('branch');
		const event = q.get('event');
		const sha = q.get('head_sha');
		const runs = api.world.github.runs
			.ofRepo(repoFullName(repo))
			.filter((r) => (status === null || matchesStatus(r, status)) && (branch === null || branchOf(r.ref) === branch) && (event === null || r.event === event) && (sha === null || r.headSha === sha));
		const p = readPaging(q);
		const link = linkHeader(ctx, p, runs.length);
		const b = api.bases(ctx);
		const origin = api.world.clock.originMs;
		ok(ctx, { total_count: runs.length, workflow_runs: pageOf(runs, p).map((r) => workflowRunEntity(r, repo, b, origin)) }, link ? { Link: link } : {});
	});
	router.get('/repos/:owner/:repo/actions/runs/:run_id', (ctx) => {
		const repo = repoOf(ctx);
		ok(ctx, workflowRunEntity(runOf(ctx, api, repo), repo, api.bases(ctx), api.world.clock.originMs));
	});
	router.get('/repos/:owner/:repo/actions/runs/:run_id/jobs', (ctx) => {
		const run = runOf(ctx, api, repoOf(ctx));
		// One attempt per run: `filter=latest` and `filter=all` list the same jobs.
		const p = readPaging(ctx.url.searchParams);
		const link = linkHeader(ctx, p, run.jobs.length);
		const b = api.bases(ctx);
		ok(ctx, { total_count: run.jobs.length, jobs: pageOf(run.jobs, p).map((j) => workflowJobEntity(j, run, b)) }, link ? { Link: link } : {});
	});
	router.get('/repos/:owner/:repo/actions/jobs/:job_id', (ctx) => {
		const repo = repoOf(ctx);
		const job = api.world.github.runs.job(numericParam(ctx, 'job_id'));
		const run = job ? api.world.github.runs.run(job.runId) : undefined;
		if (!job || !run || job.repo.toLowerCase() !== repoFullName(repo).toLowerCase()) throw notFound();
		ok(ctx, workflowJobEntity(job, run, api.bases(ctx)));
	});
}
