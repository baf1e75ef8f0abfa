// JSON shapes as GitHub Enterprise Server's REST API renders them (checked against
// GitHub's OpenAPI description in the tests). URLs are built from the API base the
// client used, as GHES does.

import { EPHEMERAL_RUNNER_VERSION, GHES_VERSION, ORG, label, repoFullName, type Org, type Repo, type RunnerGroup } from '../sim/github/catalog.js';
import { plainBusy, plainStatus, type EphemeralRegistration, type PlainRunner } from '../sim/github/model.js';
import type { GitHubSim, ListedRunner } from '../sim/github/sim.js';

export interface Bases {
	/** e.g. http://127.0.0.1:3001/github/api/v3 */
	api: string;
	/** e.g. http://127.0.0.1:3001/github */
	web: string;
}

export function plainRunnerEntity(r: PlainRunner) {
	return {
		id: r.id,
		name: r.name,
		os: 'Linux',
		status: plainStatus(r),
		busy: plainBusy(r),
		ephemeral: false,
		labels: r.labels.map((l) => ({ ...l })),
		...(r.groupId === null ? {} : { runner_group_id: r.groupId }),
		version: r.version
	};
}

/** An ARC runner: registered for one job, labelled with its scale set's name only. */
export function ephemeralRunnerEntity(e: EphemeralRegistration, github: GitHubSim) {
	const ss = github.scaleSet(e.scaleSet);
	return {
		id: e.id,
		name: e.name,
		os: 'Linux',
		status: 'online',
		busy: e.job !== null && !e.done,
		ephemeral: true,
		labels: [label(e.scaleSet, ss?.id ?? 0)],
		runner_group_id: e.groupId,
		version: EPHEMERAL_RUNNER_VERSION
	};
}

export function runnerEntity(r: ListedRunner, github: GitHubSim) {
	return r.kind === 'plain' ? plainRunnerEntity(r.runner) : ephemeralRunnerEntity(r.runner, github);
}

export function runnerGroupEntity(g: RunnerGroup, b: Bases) {
	const base = `${b.api}/orgs/${ORG.login}/actions/runner-groups/${g.id}`;
	return {
		id: g.id,
		name: g.name,
		visibility: g.visibility,
		default: g.default,
		...(g.visibility === 'selected' ? { selected_repositories_url: `${base}/repositories` } : {}),
		runners_url: `${base}/runners`,
		inherited: false,
		allows_public_repositories: g.allowsPublicRepositories,
		restricted_to_workflows: false,
		selected_workflows: [],
		workflow_restrictions_read_only: false
	};
}

export const nodeId = (prefix: string, id: number) => Buffer.from(`${prefix}${id}`).toString('base64').replace(/=+$/, '');

export function orgUrls(b: Bases, login: string, id: number) {
	const u = `${b.api}/orgs/${login}`;
	return {
		url: u,
		repos_url: `${u}/repos`,
		events_url: `${u}/events`,
		hooks_url: `${u}/hooks`,
		issues_url: `${u}/issues`,
		members_url: `${u}/members{/member}`,
		public_members_url: `${u}/public_members{/member}`,
		avatar_url: `${b.web}/avatars/u/${id}?`
	};
}

/** organization-simple, for the sandbox org or another. */
export function orgSimpleEntity(b: Bases, org: Org = ORG) {
	return { login: org.login, id: org.id, node_id: nodeId('04:Organization', org.id), ...orgUrls(b, org.login, org.id), description: org.description };
}

/** organization-full, for the sandbox org or another. */
export function orgEntity(b: Bases, org: Org = ORG) {
	// Only the sandbox org has repositories.
	const privateRepos = org.id === ORG.id ? 2 : 0;
	return {
		...orgSimpleEntity(b, org),
		name: org.name,
		twitter_username: null,
		is_verified: false,
		has_organization_projects: true,
		has_repository_projects: true,
		public_repos: 0,
		public_gists: 0,
		followers: 0,
		following: 0,
		html_url: `${b.web}/${org.login}`,
		type: 'Organization',
		total_private_repos: privateRepos,
		owned_private_repos: privateRepos,
		created_at: org.createdAt,
		updated_at: org.createdAt,
		archived_at: null,
		members_can_create_repositories: false,
		two_factor_requirement_enabled: true,
		members_allowed_repository_creation_type: 'none',
		members_can_create_public_repositories: false,
		members_can_create_private_repositories: false,
		members_can_create_internal_repositories: false,
		members_can_create_pages: false,
		members_can_fork_private_repositories: false,
		web_commit_signoff_required: false,
		default_repository_permission: 'read'
	};
}

/** A user or organisation as GitHub's simple-user (e.g. a repository owner). */
export function simpleUserEntity(b: Bases, login: string, id: number, type: 'User' | 'Organization', siteAdmin = false) {
	const u = `${b.api}/users/${login}`;
	return {
		login,
		id,
		node_id: nodeId(type === 'User' ? '04:User' : '04:Organization', id),
		avatar_url: `${b.web}/avatars/u/${id}?`,
		gravatar_id: '',
		url: u,
		html_url: `${b.web}/${login}`,
		followers_url: `${u}/followers`,
		following_url: `${u}/following{/other_user}`,
		gists_url: `${u}/gists{/gist_id}`,
		starred_url: `${u}/starred{/owner}{/repo}`,
		subscriptions_url: `${u}/subscriptions`,
		organizations_url: `${u}/orgs`,
		repos_url: `${u}/repos`,
		events_url: `${u}/events{/privacy}`,
		received_events_url: `${u}/received_events`,
		type,
		site_admin: siteAdmin
	};
}

const ownerEntity = (b: Bases) => simpleUserEntity(b, ORG.login, ORG.id, 'Organization');

/** `origin`: the simulation's start, which the last push is placed before. */
export function repoEntity(r: Repo, b: Bases, origin: number) {
	const pushedAt = new Date(origin - r.pushedBeforeStartMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
	const full = repoFullName(r);
	const u = `${b.api}/repos/${full}`;
	const html = `${b.web}/${full}`;
	const host = new URL(b.web).host;
	return {
		id: r.id,
		node_id: nodeId('010:Repository', r.id),
		name: r.name,
		full_name: full,
		private: true,
		owner: ownerEntity(b),
		html_url: html,
		description: r.description,
		fork: false,
		url: u,
		forks_url: `${u}/forks`,
		keys_url: `${u}/keys{/key_id}`,
		collaborators_url: `${u}/collaborators{/collaborator}`,
		teams_url: `${u}/teams`,
		hooks_url: `${u}/hooks`,
		issue_events_url: `${u}/issues/events{/number}`,
		events_url: `${u}/events`,
		assignees_url: `${u}/assignees{/user}`,
		branches_url: `${u}/branches{/branch}`,
		tags_url: `${u}/tags`,
		blobs_url: `${u}/git/blobs{/sha}`,
		git_tags_url: `${u}/git/tags{/sha}`,
		git_refs_url: `${u}/git/refs{/sha}`,
		trees_url: `${u}/git/trees{/sha}`,
		statuses_url: `${u}/statuses/{sha}`,
		languages_url: `${u}/languages`,
		stargazers_url: `${u}/stargazers`,
		contributors_url: `${u}/contributors`,
		subscribers_url: `${u}/subscribers`,
		subscription_url: `${u}/subscription`,
		commits_url: `${u}/commits{/sha}`,
		git_commits_url: `${u}/git/commits{/sha}`,
		comments_url: `${u}/comments{/number}`,
		issue_comment_url: `${u}/issues/comments{/number}`,
		contents_url: `${u}/contents/{+path}`,
		compare_url: `${u}/compare/{base}...{head}`,
		merges_url: `${u}/merges`,
		archive_url: `${u}/{archive_format}{/ref}`,
		downloads_url: `${u}/downloads`,
		issues_url: `${u}/issues{/number}`,
		pulls_url: `${u}/pulls{/number}`,
		milestones_url: `${u}/milestones{/number}`,
		notifications_url: `${u}/notifications{?since,all,participating}`,
		labels_url: `${u}/labels{/name}`,
		releases_url: `${u}/releases{/id}`,
		deployments_url: `${u}/deployments`,
		created_at: r.createdAt,
		updated_at: pushedAt,
		pushed_at: pushedAt,
		git_url: `git://${host}/${full}.git`,
		ssh_url: `git@${host}:${full}.git`,
		clone_url: `${html}.git`,
		svn_url: html,
		homepage: null,
		size: 4210,
		stargazers_count: 0,
		watchers_count: 0,
		language: r.language,
		has_issues: true,
		has_projects: true,
		has_downloads: true,
		has_wiki: false,
		has_pages: false,
		has_discussions: false,
		forks_count: 0,
		mirror_url: null,
		archived: false,
		disabled: false,
		open_issues_count: 0,
		license: null,
		allow_forking: false,
		is_template: false,
		web_commit_signoff_required: false,
		topics: [],
		visibility: 'private',
		forks: 0,
		open_issues: 0,
		watchers: 0,
		default_branch: r.defaultBranch,
		permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
		allow_squash_merge: true,
		allow_merge_commit: true,
		allow_rebase_merge: true,
		allow_auto_merge: false,
		delete_branch_on_merge: true,
		allow_update_branch: false,
		use_squash_pr_title_as_default: false,
		squash_merge_commit_message: 'COMMIT_MESSAGES',
		squash_merge_commit_title: 'COMMIT_OR_PR_TITLE',
		merge_commit_message: 'PR_TITLE',
		merge_commit_title: 'MERGE_MESSAGE',
		organization: ownerEntity(b),
		network_count: 0,
		subscribers_count: 1
	};
}

export function metaEntity() {
	return { verifiable_password_authentication: true, installed_version: GHES_VERSION };
}
