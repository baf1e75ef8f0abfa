// Discovery documents: the legacy form (`/api` APIVersions, `/apis` APIGroupList,
// `/api/v1` and `/apis/<g>/<v>` APIResourceList) that @kubernetes/client-node and
// older clients read, and aggregated discovery (apidiscovery.k8s.io/v2, one
// document per root) that kubectl ≥1.30 asks for first and that saves it one request
// per group version. Both describe the same RESOURCES.

import { GROUP_VERSIONS, STATUS_VERBS, apiVersionOf, type GroupVersion, type ResourceType } from './resources.js';

export const KUBERNETES_VERSION = { major: '1', minor: '31', gitVersion: 'v1.31.0' };

export function versionInfo() {
	return {
		...KUBERNETES_VERSION,
		gitCommit: '9e31cc48f1cd4e2e1f3e7b4cfd9ab8e3d7d5e9b1',
		gitTreeState: 'clean',
		buildDate: '2024-08-13T07:28:49Z',
		goVersion: 'go1.22.5',
		compiler: 'gc',
		platform: 'linux/amd64'
	};
}

export const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

const groups = () => [...new Set(GROUP_VERSIONS.filter((gv) => gv.group !== '').map((gv) => gv.group))];
const versionsOf = (group: string) => GROUP_VERSIONS.filter((gv) => gv.group === group);

export function apiVersions(serverAddress: string) {
	return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(group: string) {
	const versions = versionsOf(group).map((gv) => ({ groupVersion: apiVersionOf(gv), version: gv.version }));
	return { name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList() {
	return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups().map(apiGroup) };
}

/** `/apis/<group>`, or undefined for a group not served. */
export function apiGroupDoc(group: string) {
	if (!groups().includes(group)) return undefined;
	return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group) };
}

export function findGroupVersion(group: string, version: string): GroupVersion | undefined {
	return GROUP_VERSIONS.find((gv) => gv.group === group && gv.version === version);
}

export function apiResourceList(gv: GroupVersion) {
	const resources: object[] = [];
	for (const rt of gv.resources) {
		resources.push({
			name: rt.plural,
			singularName: rt.singular,
			namespaced: rt.namespaced,
			kind: rt.kind,
			verbs: [...rt.verbs],
			...(rt.shortNames.length > 0 ? { shortNames: rt.shortNames } : {}),
			...(rt.categories.length > 0 ? { categories: rt.categories } : {})
		});
		if (rt.statusSubresource) resources.push({ name: `${rt.plural}/status`, singularName: '', namespaced: rt.namespaced, kind: rt.kind, verbs: [...STATUS_VERBS] });
	}
	return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(gv), resources };
}

function discoveryResource(rt: ResourceType) {
	const responseKind = { group: rt.group, version: rt.version, kind: rt.kind };
	return {
		resource: rt.plural,
		responseKind,
		scope: rt.namespaced ? 'Namespaced' : 'Cluster',
		singularResource: rt.singular,
		verbs: [...rt.verbs],
		...(rt.shortNames.length > 0 ? { shortNames: rt.shortNames } : {}),
		...(rt.categories.length > 0 ? { categories: rt.categories } : {}),
		...(rt.statusSubresource ? { subresources: [{ subresource: 'status', responseKind, verbs: [...STATUS_VERBS] }] } : {})
	};
}

function discoveryGroup(group: string) {
	return {
		metadata: { name: group, creationTimestamp: null },
		versions: versionsOf(group).map((gv) => ({ version: gv.version, resources: gv.resources.map(discoveryResource), freshness: 'Current' }))
	};
}

/** Aggregated discovery for `/api` (core) or `/apis` (every group). */
export function aggregated(root: 'api' | 'apis') {
	const items = root === 'api' ? [discoveryGroup('')] : groups().map(discoveryGroup);
	return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

/** `GET /` on an API server lists the paths it serves. */
export function rootPaths() {
	const paths = ['/api', '/api/v1', '/apis', ...groups().map((g) => `/apis/${g}`), ...GROUP_VERSIONS.filter((gv) => gv.group).map((gv) => `/apis/${apiVersionOf(gv)}`)];
	return { paths: [...paths, '/healthz', '/livez', '/readyz', '/version'] };
}
