// The namespaces of the simulated GitLab instance: a few groups, each with projects
// that run CI jobs. Fixed data (not seeded) so URLs and ids are stable in docs/tests.
// Later work adds the GitOps project here.

export interface Group {
	id: number;
	name: string;
	path: string;
	description: string;
	createdAt: string;
}

export interface Project {
	id: number;
	name: string;
	path: string;
	groupId: number;
	description: string;
	defaultBranch: string;
	createdAt: string;
}

export const GROUPS: readonly Group[] = [
	{ id: 10, name: 'Platform', path: 'platform', description: 'Platform engineering: CI, clusters, runner images', createdAt: '2023-03-14T09:12:00.000Z' },
	{ id: 11, name: 'Web', path: 'web', description: 'Customer-facing web applications', createdAt: '2023-05-02T13:40:00.000Z' },
	{ id: 12, name: 'Data', path: 'data', description: 'Data pipelines and model training', createdAt: '2023-08-21T07:05:00.000Z' }
];

export const PROJECTS: readonly Project[] = [
	{ id: 101, name: 'infra', path: 'infra', groupId: 10, description: 'Cluster and network infrastructure', defaultBranch: 'main', createdAt: '2023-03-15T10:00:00.000Z' },
	{ id: 102, name: 'runner-images', path: 'runner-images', groupId: 10, description: 'Container images used by CI jobs', defaultBranch: 'main', createdAt: '2023-04-01T08:30:00.000Z' },
	{ id: 103, name: 'storefront', path: 'storefront', groupId: 11, description: 'The shop front end', defaultBranch: 'main', createdAt: '2023-05-03T11:00:00.000Z' },
	{ id: 104, name: 'checkout', path: 'checkout', groupId: 11, description: 'Checkout and payments service', defaultBranch: 'main', createdAt: '2023-06-10T15:20:00.000Z' },
	{ id: 105, name: 'pipelines', path: 'pipelines', groupId: 12, description: 'Batch data pipelines', defaultBranch: 'main', createdAt: '2023-08-22T09:00:00.000Z' },
	{ id: 106, name: 'ml-training', path: 'ml-training', groupId: 12, description: 'Model training jobs', defaultBranch: 'main', createdAt: '2023-09-30T16:45:00.000Z' }
];

export function groupById(id: number): Group | undefined {
	return GROUPS.find((g) => g.id === id);
}

export function projectById(id: number): Project | undefined {
	return PROJECTS.find((p) => p.id === id);
}

export function projectFullPath(p: Project): string {
	const g = groupById(p.groupId);
	return g ? `${g.path}/${p.path}` : p.path;
}

export function projectFullName(p: Project): string {
	const g = groupById(p.groupId);
	return g ? `${g.name} / ${p.name}` : p.name;
}
