// The people who can sign in to the simulated forges, and the groups they belong to.
// One directory serves both forges: GitLab sees each group path as a group, GitHub sees
// the first segment as an organisation and the last as a team in it (see githubTeams).

import { GROUPS } from '../sim/catalog.js';

export const MAX_USERS = 1000;
export const MAX_GROUPS_PER_USER = 50;
/** GitLab's own limit on subgroup depth. */
export const MAX_GROUP_DEPTH = 20;
export const DEFAULT_PASSWORD = 'sandbox';

export const USERNAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,38}$/;
const SEGMENT_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;

export interface User {
	username: string;
	name: string;
	email: string;
	password: string;
	/** GitLab user id; the OIDC `sub`. */
	gitlabId: number;
	/** GitHub user id. */
	githubId: number;
	/** Groups the user is a direct member of, as full paths. */
	groups: string[];
	/** Simulated time the account was created. */
	createdAt: number;
}

export interface UserInput {
	username: string;
	password?: string;
	name?: string;
	email?: string;
	groups?: string[];
}

export class DirectoryError extends Error {
	constructor(
		readonly status: number,
		message: string
	) {
		super(message);
	}
}

export const DEFAULT_USERS: readonly UserInput[] = [
	{ username: 'alice', name: 'Alice Adams', groups: ['platform/sre'] },
	{ username: 'bob', name: 'Bob Baker', groups: ['platform'] },
	{ username: 'carol', name: 'Carol Chen', groups: [] }
];

/** Why a group path is not one, or undefined when it is fine. */
export function groupPathProblem(path: string): string | undefined {
	const parts = path.split('/');
	if (parts.length > MAX_GROUP_DEPTH) return `group ${JSON.stringify(path)} is nested deeper than ${MAX_GROUP_DEPTH}`;
	if (!parts.every((p) => SEGMENT_RE.test(p))) return `group ${JSON.stringify(path)} must be a path like "platform" or "platform/sre" (letters, digits, "_", "-", ".")`;
	return undefined;
}

function ancestors(path: string): string[] {
	const parts = path.split('/');
	return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

export interface GitHubTeamRef {
	org: string;
	slug: string;
	/** The parent team's slug for groups nested three or more deep. */
	parent: string | null;
	/** The group path the team stands for. */
	path: string;
}

export class Directory {
	private users = new Map<string, User>();
	/** By GitLab id, which no later user reuses: a token outlives a deleted user's name, not the user. */
	private byGitlabId = new Map<number, User>();
	private created = 0;
	/** Ids for GitHub organisations and teams, given when a path is first used so they stay put. */
	private ids = new Map<string, number>();

	constructor(private readonly now: () => number) {
		for (const u of DEFAULT_USERS) this.upsert(u);
	}

	list(): User[] {
		return [...this.users.values()];
	}

	get(username: string): User | undefined {
		return this.users.get(username.toLowerCase());
	}

	/** The user with this GitLab id (the directory's own key for a user). */
	byId(gitlabId: number): User | undefined {
		return this.byGitlabId.get(gitlabId);
	}

	/** The user whose username or email is `login` (the sign-in form accepts either, as GitLab's does). */
	find(login: string): User | undefined {
		const l = login.trim().toLowerCase();
		return this.get(l) ?? this.list().find((u) => u.email.toLowerCase() === l);
	}

	/** Checks a sign-in; undefined when the login or password is wrong. */
	authenticate(login: string, password: string): User | undefined {
		const u = this.find(login);
		return u && u.password === password ? u : undefined;
	}

	/** Creates or updates a user; answers whether it was created. Nothing changes on bad input. */
	upsert(input: UserInput): { user: User; created: boolean } {
		if (!USERNAME_RE.test(input.username)) throw new DirectoryError(400, 'username must be 1-39 letters, digits, "_", "-" or "." starting with a letter or digit');
		const groups = input.groups === undefined ? undefined : this.checkGroups(input.groups);
		const key = input.username.toLowerCase();
		const existing = this.users.get(key);
		if (existing) {
			if (input.password !== undefined) existing.password = input.password;
			if (input.name !== undefined) existing.name = input.name;
			if (input.email !== undefined) existing.email = input.email;
			if (groups) existing.groups = groups;
			return { user: existing, created: false };
		}
		if (this.users.size >= MAX_USERS) throw new DirectoryError(409, `the sandbox holds at most ${MAX_USERS} users; delete one first`);
		this.created++;
		const user: User = {
			username: input.username,
			name: input.name ?? input.username,
			email: input.email ?? `${key}@sandbox.invalid`,
			password: input.password ?? DEFAULT_PASSWORD,
			gitlabId: 200 + this.created,
			githubId: 9200 + this.created,
			groups: groups ?? [],
			createdAt: this.now()
		};
		this.users.set(key, user);
		this.byGitlabId.set(user.gitlabId, user);
		return { user, created: true };
	}

	setGroups(username: string, groups: string[]): User {
		const u = this.get(username);
		if (!u) throw new DirectoryError(404, `no user ${username}`);
		u.groups = this.checkGroups(groups);
		return u;
	}

	delete(username: string): User {
		const u = this.get(username);
		if (!u) throw new DirectoryError(404, `no user ${username}`);
		this.users.delete(u.username.toLowerCase());
		this.byGitlabId.delete(u.gitlabId);
		return u;
	}

	private checkGroups(groups: string[]): string[] {
		if (groups.length > MAX_GROUPS_PER_USER) throw new DirectoryError(400, `a user may be in at most ${MAX_GROUPS_PER_USER} groups`);
		for (const g of groups) {
			const problem = groupPathProblem(g);
			if (problem) throw new DirectoryError(400, problem);
		}
		const unique = [...new Set(groups)];
		for (const g of unique) for (const p of [...ancestors(g), g]) if (!this.ids.has(p)) this.ids.set(p, 5001 + this.ids.size);
		return unique;
	}

	/** Every group that exists: the instance's groups, every group someone is in, and their parents. */
	knownGroups(): Set<string> {
		const all = new Set<string>(GROUPS.map((g) => g.path));
		for (const u of this.users.values()) {
			for (const g of u.groups) {
				all.add(g);
				for (const a of ancestors(g)) all.add(a);
			}
		}
		return all;
	}

	/**
	 * GitLab's `groups` claim: the direct groups and, through inherited membership,
	 * every group below them. A member of `platform` is thereby in `platform/sre` too.
	 */
	gitlabGroups(u: User): string[] {
		const out = new Set<string>(u.groups);
		for (const g of this.knownGroups()) if (u.groups.some((d) => g.startsWith(`${d}/`))) out.add(g);
		return [...out].sort();
	}

	/** GitLab's `groups_direct` claim. */
	gitlabGroupsDirect(u: User): string[] {
		return [...u.groups].sort();
	}

	/** Organisations on GitHub: the first segment of each group path. */
	githubOrgs(u: User): string[] {
		return [...new Set(u.groups.map((g) => g.split('/')[0] as string))].sort();
	}

	/** Teams on GitHub: `a/b` is team `b` in org `a`; `a/b/c` is team `c` (parent `b`) in org `a`. */
	githubTeams(u: User): GitHubTeamRef[] {
		return u.groups
			.filter((g) => g.includes('/'))
			.sort()
			.map((path) => {
				const parts = path.split('/');
				return { org: parts[0] as string, slug: parts[parts.length - 1] as string, parent: parts.length > 2 ? (parts[parts.length - 2] as string) : null, path };
			});
	}

	/** The id of the GitHub organisation or team a group path stands for (from 5001, in order of first use). */
	groupId(path: string): number {
		return this.ids.get(path) ?? 0;
	}
}
