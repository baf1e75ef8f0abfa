// What a token's scopes allow on each forge, decided from the request's method and the
// matched route pattern, so routes added later are covered by the same rules.

import type { Forge } from './apps.js';

export const GITLAB_SCOPES = [
	'api',
	'read_api',
	'read_user',
	'read_repository',
	'write_repository',
	'read_registry',
	'write_registry',
	'create_runner',
	'manage_runner',
	'k8s_proxy',
	'sudo',
	'admin_mode',
	'openid',
	'profile',
	'email'
] as const;

/** Classic token / OAuth app scopes; a parent scope grants its children. */
const GITHUB_SCOPE_TREE: Record<string, readonly string[]> = {
	repo: ['repo:status', 'repo_deployment', 'public_repo', 'repo:invite', 'security_events'],
	'admin:org': ['write:org', 'read:org', 'manage_runners:org'],
	'write:org': ['read:org'],
	'admin:repo_hook': ['write:repo_hook', 'read:repo_hook'],
	'write:repo_hook': ['read:repo_hook'],
	'admin:public_key': ['write:public_key', 'read:public_key'],
	'write:public_key': ['read:public_key'],
	'admin:gpg_key': ['write:gpg_key', 'read:gpg_key'],
	'write:gpg_key': ['read:gpg_key'],
	user: ['read:user', 'user:email', 'user:follow'],
	'write:packages': ['read:packages'],
	'admin:enterprise': ['manage_runners:enterprise', 'manage_billing:enterprise', 'read:enterprise'],
	project: ['read:project'],
	audit_log: ['read:audit_log']
};

export const GITHUB_SCOPES: readonly string[] = [
	...new Set([...Object.keys(GITHUB_SCOPE_TREE), ...Object.values(GITHUB_SCOPE_TREE).flat(), 'admin:org_hook', 'gist', 'notifications', 'delete_repo', 'delete:packages', 'workflow', 'codespace'])
];

export const DEFAULT_SCOPES: Record<Forge, readonly string[]> = { gitlab: ['api'], github: ['repo', 'admin:org', 'workflow'] };

export function knownScope(forge: Forge, scope: string): boolean {
	return forge === 'gitlab' ? (GITLAB_SCOPES as readonly string[]).includes(scope) : GITHUB_SCOPES.includes(scope);
}

/** The scopes `granted` amounts to on GitHub, parents expanded to their children. */
export function githubEffective(granted: readonly string[]): Set<string> {
	const out = new Set<string>();
	const add = (s: string) => {
		if (out.has(s)) return;
		out.add(s);
		for (const child of GITHUB_SCOPE_TREE[s] ?? []) add(child);
	};
	granted.forEach(add);
	return out;
}

const isRead = (method: string) => method === 'GET' || method === 'HEAD';

/**
 * The scopes that would let a GitLab token make this request; null when any scope does
 * (a token may always look at itself). `api` allows everything, `read_api` every read,
 * `read_user` the user endpoints, `read_repository` the repository files API.
 */
export function gitlabAccepted(method: string, pattern: string): string[] | null {
	if (pattern === '/personal_access_tokens/self') return null;
	if (!isRead(method)) return ['api'];
	if (pattern === '/user' || pattern === '/users' || pattern.startsWith('/users/')) return ['api', 'read_api', 'read_user'];
	if (pattern.startsWith('/projects/:id/repository/files/')) return ['api', 'read_api', 'read_repository'];
	return ['api', 'read_api'];
}

export interface GitHubNeed {
	/** Any one of these scopes suffices. */
	accepted: string[];
	/** What GitHub answers without them: private repositories are hidden (404), the rest refused (403). */
	deny: 404 | 403;
}

/** What a GitHub classic token or OAuth app token needs for this request; null when any token will do. */
export function githubNeeds(pattern: string): GitHubNeed | null {
	if (pattern.startsWith('/orgs/:org/actions/')) return { accepted: ['admin:org', 'manage_runners:org'], deny: 403 };
	// Every sandbox repository is private.
	if (pattern.startsWith('/repos/')) return { accepted: ['repo'], deny: 404 };
	if (pattern === '/user/orgs') return { accepted: ['user', 'read:org'], deny: 403 };
	if (pattern === '/user/teams') return { accepted: ['user', 'repo', 'read:org'], deny: 403 };
	if (pattern === '/user/emails') return { accepted: ['user', 'user:email'], deny: 403 };
	return null;
}

export function githubAllows(need: GitHubNeed | null, granted: readonly string[]): boolean {
	if (!need) return true;
	const eff = githubEffective(granted);
	return need.accepted.some((s) => eff.has(s));
}

export function gitlabAllows(accepted: string[] | null, granted: readonly string[]): boolean {
	return accepted === null || accepted.some((s) => granted.includes(s));
}
