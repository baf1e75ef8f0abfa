// The simulated GitHub Enterprise Server organisation: fixed data (not seeded) so ids
// and URLs are stable in docs and tests. Label ids are per organisation, as on GitHub.

import type { Label } from './model.js';

export const GHES_VERSION = '3.17.0';

export interface Org {
	id: number;
	login: string;
	name: string;
	description: string;
	createdAt: string;
}

export interface Repo {
	id: number;
	name: string;
	description: string;
	defaultBranch: string;
	language: string;
	createdAt: string;
	/** Last push, before the simulation starts (whatever its origin). */
	pushedBeforeStartMs: number;
}

export interface RunnerGroup {
	id: number;
	name: string;
	visibility: 'all' | 'selected' | 'private';
	default: boolean;
	allowsPublicRepositories: boolean;
}

export const ORG: Org = {
	id: 90001,
	login: 'sandbox-org',
	name: 'Sandbox Org',
	description: 'Simulated organisation of the runner-dashboard sandbox',
	createdAt: '2023-02-01T10:00:00Z'
};

/** The URL ARC scale sets are configured with (`githubConfigUrl`). */
export const GITHUB_CONFIG_URL = `https://github.example.com/${ORG.login}`;

export const REPOS: readonly Repo[] = [
	{
		id: 700101,
		name: 'runner-images',
		description: 'Container and Nix images used by CI runners',
		defaultBranch: 'main',
		language: 'Nix',
		createdAt: '2023-02-03T09:00:00Z',
		pushedBeforeStartMs: 31.6 * 3_600_000
	},
	{
		id: 700102,
		name: 'storefront',
		description: 'The shop front end',
		defaultBranch: 'main',
		language: 'TypeScript',
		createdAt: '2023-04-11T14:30:00Z',
		pushedBeforeStartMs: 12.9 * 3_600_000
	}
];

export const repoFullName = (r: Repo): string => `${ORG.login}/${r.name}`;

export function findRepo(owner: string, name: string): Repo | undefined {
	if (owner.toLowerCase() !== ORG.login) return undefined;
	return REPOS.find((r) => r.name.toLowerCase() === name.toLowerCase());
}

export const DEFAULT_GROUP_ID = 1;
export const ARC_GROUP_ID = 2;
export const GPU_GROUP_ID = 3;

export const RUNNER_GROUPS: readonly RunnerGroup[] = [
	{ id: DEFAULT_GROUP_ID, name: 'Default', visibility: 'all', default: true, allowsPublicRepositories: false },
	{ id: ARC_GROUP_ID, name: 'arc-runners', visibility: 'all', default: false, allowsPublicRepositories: false },
	{ id: GPU_GROUP_ID, name: 'gpu', visibility: 'selected', default: false, allowsPublicRepositories: false }
];

/** The group a scale set's `spec.runnerGroup` names; unknown or empty names fall back to Default. */
export function groupByName(name: string | undefined): RunnerGroup {
	const n = (name ?? '').toLowerCase();
	return RUNNER_GROUPS.find((g) => g.name.toLowerCase() === n) ?? (RUNNER_GROUPS[0] as RunnerGroup);
}

// Read-only labels come from the runner's registration; custom ones are set by admins.
const LABEL_IDS: Record<string, number> = {
	'self-hosted': 1,
	Linux: 2,
	X64: 3,
	ARM64: 4,
	docker: 11,
	gpu: 12,
	large: 13,
	nix: 14
};
const READ_ONLY = new Set(['self-hosted', 'Linux', 'X64', 'ARM64']);

/** Scale set names get label ids past the fixed ones, stable per name. */
export function label(name: string, scaleSetId?: number): Label {
	if (scaleSetId !== undefined) return { id: 100 + scaleSetId, name, type: 'read-only' };
	return { id: LABEL_IDS[name] ?? 99, name, type: READ_ONLY.has(name) ? 'read-only' : 'custom' };
}

export const RUNNER_VERSIONS: readonly (readonly [string, number])[] = [
	['2.323.0', 70],
	['2.322.0', 20],
	['2.321.0', 10]
];
export const EPHEMERAL_RUNNER_VERSION = '2.323.0';
