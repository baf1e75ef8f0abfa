// The readers of each configured drift stack, built over the forge clients of the
// sources it names (the server's running sources, or clients the CLI makes).
import { createGithubClient, type GithubClient } from '$lib/sources/github/client';
import { createGitlabClient, type GitlabClient } from '$lib/sources/gitlab/client';
import { GithubDeclared, GitlabDeclared, LocalDeclared, type DeclaredReader } from '$lib/sources/gitops/declared';
import type { ReadLimits } from '$lib/sources/gitops/limits';
import { FileState, GitlabState, HttpState, type StateReader } from '$lib/sources/gitops/state';
import type { RequestObserver } from '$lib/sources/errors';
import type { Config, DriftStack, SourceConfig } from '../config';

export interface ForgeClients {
	gitlab(source: string): GitlabClient;
	github(source: string): GithubClient;
	/** Request outcomes of backends that are no configured source (http state), for /metrics. */
	observe?: (source: string) => RequestObserver;
}

/** Clients made from the configured sources, one per source, for the commands and checks that run without the sources' sync. */
export function configuredClients(sources: Config['sources'], opts: { timeoutMs?: number } = {}): ForgeClients {
	const made = new Map<string, GitlabClient | GithubClient>();
	const source = <K extends 'gitlab' | 'github'>(name: string, kind: K) => {
		const s = sources.find((x) => x.name === name);
		if (s?.kind !== kind) throw new Error(`no ${kind} source "${name}" is configured`);
		return s as Extract<SourceConfig, { kind: K }>;
	};
	return {
		gitlab(name) {
			if (!made.has(name)) {
				const s = source(name, 'gitlab');
				made.set(name, createGitlabClient({ source: name, url: s.gitlab.url, token: s.token, timeoutMs: opts.timeoutMs }));
			}
			return made.get(name) as GitlabClient;
		},
		github(name) {
			if (!made.has(name)) {
				const s = source(name, 'github');
				made.set(name, createGithubClient({ source: name, apiUrl: s.github.api_url, token: s.token, timeoutMs: opts.timeoutMs }));
			}
			return made.get(name) as GithubClient;
		}
	};
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
