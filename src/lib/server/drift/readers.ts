// The readers of each configured drift stack, built over the forge clients of the
// sources it names (the server's running sources, or clients the CLI makes).
import type { GithubClient } from '$lib/sources/github/client';
import type { GitlabClient } from '$lib/sources/gitlab/client';
import { GithubDeclared, GitlabDeclared, LocalDeclared, type DeclaredReader } from '$lib/sources/gitops/declared';
import type { ReadLimits } from '$lib/sources/gitops/limits';
import { FileState, GitlabState, HttpState, type StateReader } from '$lib/sources/gitops/state';
import type { RequestObserver } from '$lib/sources/errors';
import type { DriftStack } from '../config';

export interface ForgeClients {
	gitlab(source: string): GitlabClient;
	github(source: string): GithubClient;
	/** Request outcomes of backends that are no configured source (http state), for /metrics. */
	observe?: (source: string) => RequestObserver;
}

export interface StackReaders {
	stack: DriftStack;
	declared: DeclaredReader;
	state(env: string): StateReader;
}

const forEnv = (template: string, env: string) => template.replaceAll('{env}', env);

/** The readers of one stack; files and states over `limits` are refused (the defaults when not given). */
export function stackReaders(stack: DriftStack, clients: ForgeClients, limits?: ReadLimits): StackReaders {
	const d = stack.declared;
	const fileCap = limits?.declaredFileBytes;
	const stateCap = limits?.stateBytes;
	const declared: DeclaredReader =
		'gitlab' in d
			? new GitlabDeclared(clients.gitlab(d.gitlab.source), d.gitlab.project, d.gitlab.ref, d.gitlab.path, fileCap)
			: 'github' in d
				? new GithubDeclared(clients.github(d.github.source), d.github.source, d.github.repo, d.github.ref, d.github.path, fileCap)
				: new LocalDeclared(d.local.path, fileCap);
	const s = stack.state;
	const states = new Map<string, StateReader>();
	const make = (env: string): StateReader => {
		if ('gitlab' in s) {
			return new GitlabState(clients.gitlab(s.gitlab.source), s.gitlab.project, forEnv(s.gitlab.name ?? `${stack.name}-{env}`, env), stateCap);
		}
		if ('http' in s) return new HttpState(forEnv(s.http.url, env), { username: s.http.username, password: stack.statePassword }, `drift:${stack.name}`, clients.observe?.(`drift:${stack.name}`), stateCap);
		return new FileState(forEnv(s.file.path, env), stateCap);
	};
	return {
		stack,
		declared,
		state(env) {
			let r = states.get(env);
			if (!r) states.set(env, (r = make(env)));
			return r;
		}
	};
}
