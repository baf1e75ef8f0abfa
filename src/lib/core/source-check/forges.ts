// GitLab and GitHub sources: reachable, who the token is, and whether its scopes cover
// each feature the dashboard uses with it (docs/configuration.md, "What a GitLab token
// needs" and "What a GitHub token needs").
import { listing, rowsFor, type CheckRow, type CheckStatus, type Outcome } from './report';

/** What the configuration uses a forge source for, beyond listing its runners. */
export interface ForgeUse {
	/** How runners are listed, in words (`all runners (GET /runners/all)`, `groups 12, platform/ci`). */
	scope: 'all' | 'groups' | 'projects' | 'org' | 'repos' | 'enterprise';
	/** Drift stacks whose variables.tf and tfvars are read here; the change flow writes to the same repository. */
	declared: string[];
	/** Drift stacks whose OpenTofu state is read here (GitLab-managed state). */
	state: string[];
}

export interface GitlabFacts {
	url: string;
	/** GET /user */
	user: Outcome<{ username: string; admin: boolean | null; auditor: boolean | null; bot: boolean }>;
	/** GET /personal_access_tokens/self: fails for tokens that are not personal, group or project access tokens. */
	token: Outcome<{ name: string; scopes: string[]; expiresAt: string | null }>;
	version: string | null;
	/** One page of the configured runner listing; `route` names the call. */
	runners: Outcome<{ route: string }> & { route: string };
}

export interface GithubFacts {
	url: string;
	/** GET /user; `scopes` from X-OAuth-Scopes, null when GitHub sends none (fine-grained tokens). */
	user: Outcome<{ login: string; type: string; scopes: string[] | null }>;
	/** GET /installation/repositories, tried when GET /user is refused: the token is a GitHub App installation's. */
	installation: Outcome<{ repositories: number }> | null;
	runners: Outcome<{ route: string }> & { route: string };
}

const GITLAB_READ = ['api', 'read_api'];

/** A scope requirement: ok when the token has one of `need`, unknown when its scopes are not readable. */
function byScopes(have: string[] | null, need: string[]): CheckStatus {
	if (have === null) return 'unknown';
	return need.some((s) => have.includes(s)) ? 'ok' : 'missing';
}

const scopesText = (s: string[]) => (s.length ? s.join(', ') : 'no scopes');
const oneOf = (need: string[]) => (need.length === 1 ? need[0]! : `${need.slice(0, -1).join(', ')} or ${need[need.length - 1]}`);

function unreachable(f: { url: string }, e: { error: string; status?: number; unreachable?: boolean }, forge: string): { status: CheckStatus; detail: string; fix: string } {
	if (e.status === 401)
		return { status: 'error', detail: `${forge} refused the token (401): ${e.error}`, fix: 'the token is wrong, expired or revoked: create a new one and point token.env or token.file at it' };
	return {
		status: 'error',
		detail: `cannot reach ${f.url}: ${e.error}`,
		fix: `check the URL in the configuration (${forge === 'GitLab' ? 'sources.gitlab[].url, without /api/v4' : 'sources.github[].api_url; GHES: https://<host>/api/v3'}) and that the dashboard can reach it (DNS, proxy, firewall, TLS)`
	};
}

function gitlabUser(u: { username: string; admin: boolean | null; auditor: boolean | null; bot: boolean }): string {
	const role = u.admin ? 'administrator' : u.auditor ? 'auditor' : u.bot ? 'bot user of a group or project access token' : u.admin === false ? 'not an administrator' : null;
	return `user ${u.username}${role ? ` (${role})` : ''}`;
}

/** Whether a failed call means the instance was not reached (or the token not taken) at all: nothing else can be judged then. */
function notAnswering(e: { status?: number }): boolean {
	return e.status === undefined || e.status === 401 || e.status === 404 || e.status >= 500;
}

export function gitlabRows(source: string, f: GitlabFacts, use: ForgeUse): CheckRow[] {
	const row = rowsFor(source, 'gitlab');
	if (!f.user.ok && notAnswering(f.user)) {
		const u = unreachable(f, f.user, 'GitLab');
		return [row('connection', u.status, u.detail, u.fix)];
	}
	const rows = [row('connection', 'ok', `GitLab${f.version ? ` ${f.version}` : ''} at ${f.url}`)];
	const scopes = f.token.ok ? f.token.scopes : null;
	// A token without read_user, read_api or api may not read its own user; the token endpoint answers any scope.
	const who = f.user.ok ? gitlabUser(f.user) : `user not readable (GET /user: ${f.user.error})`;
	rows.push(
		f.token.ok
			? row('token', 'ok', `${who}; token "${f.token.name}" with ${scopesText(f.token.scopes)}; ${f.token.expiresAt ? `expires ${f.token.expiresAt}` : 'no expiry date'}`)
			: row('token', 'unknown', `${who}; its scopes are not readable (GET /personal_access_tokens/self: ${f.token.error}), so only what was tried is known`)
	);

	// Listing runners: tried for real, since scope `all` also needs an administrator or auditor.
	const needRead = 'a token with read_api (read-only) or api (to pause and resume too)';
	if (f.runners.ok) rows.push(row('read runners', 'ok', `${f.runners.route} answers`));
	else if (f.runners.status === 401 || f.runners.status === 403 || f.runners.status === 404) {
		const fix =
			scopes && byScopes(scopes, GITLAB_READ) === 'missing'
				? needRead
				: use.scope === 'all'
					? "scope all reads GET /runners/all, which needs an administrator's (or auditor's) token on self-managed GitLab; otherwise list some runners with scope { groups: [...] } or { projects: [...] } where the token's user is a Maintainer or Owner"
					: "the token's user must be a Maintainer or Owner of each listed group or project, and the ids or paths must exist";
		rows.push(row('read runners', 'missing', `${f.runners.route}: ${f.runners.error}`, fix));
	} else rows.push(row('read runners', 'error', `${f.runners.route}: ${f.runners.error}`, 'see the connection row; the next sync will retry'));

	const scoped = (check: string, need: string[], what: string, fix: string) => {
		const status = byScopes(scopes, need);
		if (status === 'ok') return row(check, 'ok', `${what}: needs ${oneOf(need)}, which the token has`);
		if (status === 'missing') return row(check, 'missing', `${what} needs ${oneOf(need)}; the token has ${scopesText(scopes!)}`, fix);
		return row(check, 'unknown', `${what} needs ${oneOf(need)}; the token's scopes are not readable`, fix);
	};
	rows.push(scoped('runner jobs', GITLAB_READ, "a runner's page reads its jobs (GET /runners/:id/jobs)", needRead));
	rows.push(scoped('pause and resume', ['api'], 'pausing and resuming runners (PUT /runners/:id)', 'a token with the api scope (read_api cannot write); the token\'s user must be allowed to edit the runners'));
	const stacks = (names: string[]) => `${names.length > 1 ? 'stacks' : 'stack'} ${listing(names)}`;
	if (use.declared.length) {
		// read_repository is not enough: the files are read at the branch head, which the branches API says.
		rows.push(scoped('drift: declared files', GITLAB_READ, `drift reads variables.tf and tfvars of ${stacks(use.declared)} (branches and files APIs)`, 'a token with read_api (or api); its user needs at least Reporter in the GitOps project'));
		rows.push(
			scoped('change flow', ['api'], `changes to ${stacks(use.declared)} go through merge requests (branch, commit, merge request)`, 'a token with the api scope whose user is at least a Developer in the GitOps project (read_api and read_repository cannot write)')
		);
	} else {
		rows.push(row('drift: declared files', 'not_used', 'no drift stack declares its files in this GitLab'));
		rows.push(row('change flow', 'not_used', 'no drift stack declares its files in this GitLab, so no merge request is opened here'));
	}
	if (use.state.length)
		rows.push(scoped('drift: state', GITLAB_READ, `drift reads the OpenTofu state of ${stacks(use.state)} (GET /projects/:id/terraform/state/:name)`, 'a token with read_api (or api) whose user is at least a Developer in the project holding the state'));
	else rows.push(row('drift: state', 'not_used', 'no drift stack keeps its state in this GitLab'));
	return rows;
}

/** Classic scopes that include another: admin:org covers manage_runners:org and the org reads, repo covers public_repo. */
const GITHUB_PARENTS: Record<string, string[]> = {
	'manage_runners:org': ['admin:org'],
	'read:org': ['write:org', 'admin:org'],
	'manage_runners:enterprise': ['admin:enterprise'],
	public_repo: ['repo']
};

function githubHas(have: string[], need: string[]): boolean {
	return need.some((s) => have.includes(s) || (GITHUB_PARENTS[s] ?? []).some((p) => have.includes(p)));
}

const GITHUB_LISTING: Record<'org' | 'repos' | 'enterprise', { classic: string[]; fineGrained: string }> = {
	org: { classic: ['admin:org', 'manage_runners:org'], fineGrained: 'the organization permission "Self-hosted runners: read"' },
	repos: { classic: ['repo'], fineGrained: 'the repository permission "Administration: read" on each repository' },
	enterprise: { classic: ['manage_runners:enterprise'], fineGrained: 'a classic token: enterprise runners are not open to fine-grained tokens' }
};

export function githubRows(source: string, f: GithubFacts, use: ForgeUse): CheckRow[] {
	const row = rowsFor(source, 'github');
	const installation = f.installation?.ok ? f.installation : null;
	if (!f.user.ok && !installation && notAnswering(f.user)) {
		const u = unreachable(f, f.user, 'GitHub');
		return [row('connection', u.status, u.detail, u.fix)];
	}
	const rows = [row('connection', 'ok', `GitHub at ${f.url}`)];
	const scopes = f.user.ok ? f.user.scopes : null;
	if (installation) rows.push(row('token', 'ok', `a GitHub App installation with access to ${installation.repositories} repositories; GitHub does not list an installation token's permissions, so only what was tried is known`));
	else if (f.user.ok && scopes) rows.push(row('token', 'ok', `user ${f.user.login}; classic token with ${scopesText(scopes)}`));
	else if (f.user.ok) rows.push(row('token', 'unknown', `user ${f.user.login}; a fine-grained token (GitHub does not list its permissions), so only what was tried is known`));
	else rows.push(row('token', 'unknown', `GET /user: ${f.user.error}; so only what was tried is known`));

	const kind = use.scope === 'org' || use.scope === 'repos' || use.scope === 'enterprise' ? use.scope : 'org';
	const need = GITHUB_LISTING[kind];
	const listingFix = `a classic token with ${oneOf(need.classic)}, or a fine-grained token with ${need.fineGrained}`;
	if (f.runners.ok) rows.push(row('read runners', 'ok', `${f.runners.route} answers`));
	else if (f.runners.status === 401 || f.runners.status === 403 || f.runners.status === 404) {
		const named = { org: 'organization', repos: 'repository', enterprise: 'enterprise' }[kind];
		// GitHub answers 404 rather than 403 for what a token may not see.
		const fix = f.runners.status === 404 ? `check the ${named} name in scope; if it is right, the token cannot see it: ${listingFix}` : listingFix;
		rows.push(row('read runners', 'missing', `${f.runners.route}: ${f.runners.error}`, fix));
	}
	else rows.push(row('read runners', 'error', `${f.runners.route}: ${f.runners.error}`, 'see the connection row; the next sync will retry'));

	rows.push(row('pause and resume', 'not_used', 'GitHub has no API to pause a runner; ARC scale sets are drained through Kubernetes (see the cluster rows)'));
	const scoped = (check: string, needed: string[], what: string, fineGrained: string) => {
		const fix = `a classic token with ${oneOf(needed)}, or a fine-grained token with ${fineGrained}`;
		if (scopes === null) return row(check, 'unknown', `${what} needs ${fineGrained}; GitHub does not say whether this token has it`, fix);
		if (githubHas(scopes, needed)) return row(check, 'ok', `${what}: needs ${oneOf(needed)}, which the token has`);
		return row(check, 'missing', `${what} needs ${oneOf(needed)}; the token has ${scopesText(scopes)}`, fix);
	};
	if (use.declared.length) {
		const stacks = `${use.declared.length > 1 ? 'stacks' : 'stack'} ${listing(use.declared)}`;
		rows.push(scoped('drift: declared files', ['repo'], `drift reads variables.tf and tfvars of ${stacks}`, '"Contents: read" on the GitOps repository'));
		rows.push(scoped('change flow', ['repo'], `changes to ${stacks} go through pull requests (branch, commit, pull request)`, '"Contents: write" and "Pull requests: write" on the GitOps repository'));
	} else {
		rows.push(row('drift: declared files', 'not_used', 'no drift stack declares its files in this GitHub'));
		rows.push(row('change flow', 'not_used', 'no drift stack declares its files in this GitHub, so no pull request is opened here'));
	}
	return rows;
}
