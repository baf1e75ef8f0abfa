// Where a change to a stack goes: the configured drift stack's repository on its forge
// (the same source and token drift reads it with), its directory and default branch,
// and its state per environment, read through drift's own readers when drift runs. A stack declared in a local checkout can be read but
// not changed: there is no forge to propose to.
import type { GithubClient } from '$lib/sources/github/client';
import type { GitlabClient } from '$lib/sources/gitlab/client';
import type { DeclaredReader } from '$lib/sources/gitops/declared';
import type { ChangeForge } from '$lib/sources/gitops/forge';
import { GithubForge } from '$lib/sources/gitops/github-forge';
import { GitlabForge } from '$lib/sources/gitops/gitlab-forge';
import type { StateReader } from '$lib/sources/gitops/state';
import type { Config, DriftStack } from '../config';
import { stackReaders, type ForgeClients, type StackReaders } from '../drift/readers';

export interface ChangeTarget {
	stack: DriftStack;
	/** Null for a local checkout. */
	forge: ChangeForge | null;
	/** The source whose token writes (for messages and the record). */
	source: string | null;
	/** The stack's directory in the repository. */
	dir: string;
	/** The branch changes are proposed to and applied from. */
	branch: string;
	declared: DeclaredReader;
	state(env: string): StateReader;
}

export const VARIABLES_FILE = 'variables.tf';
export const tfvarsFile = (env: string) => `${env}.tfvars`;

/**
 * Each configured stack's change target, by stack name. `readers` are the drift check's
 * own: the form then reads the files drift last read from the same cache, not again.
 */
export function changeTargets(
	config: Config,
	clients: ForgeClients & { gitlab(source: string): GitlabClient; github(source: string): GithubClient },
	readers?: (stack: string) => StackReaders | undefined
): Map<string, ChangeTarget> {
	const out = new Map<string, ChangeTarget>();
	for (const stack of config.drift.stacks) {
		const r = readers?.(stack.name) ?? stackReaders(stack, clients, config.drift.limits);
		const d = stack.declared;
		let forge: ChangeForge | null = null;
		let source: string | null = null;
		let dir: string;
		let branch = 'main';
		if ('gitlab' in d) {
			forge = new GitlabForge(clients.gitlab(d.gitlab.source), d.gitlab.source, d.gitlab.project);
			source = d.gitlab.source;
			dir = d.gitlab.path;
			branch = d.gitlab.ref;
		} else if ('github' in d) {
			forge = new GithubForge(clients.github(d.github.source), d.github.source, d.github.repo, config.changes.githubWorkflow);
			source = d.github.source;
			dir = d.github.path;
			branch = d.github.ref;
		} else {
			dir = d.local.path;
		}
		out.set(stack.name, { stack, forge, source, dir: dir.replace(/\/+$/, ''), branch, declared: r.declared, state: r.state });
	}
	return out;
}
