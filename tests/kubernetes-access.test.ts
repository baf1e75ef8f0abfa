// The Kubernetes access table (src/lib/sources/kubernetes/access.ts) against what the code
// really sends: the real Kubernetes source (informers, health probe, drain patch) runs
// against a recording API server, and every request it makes is mapped to its RBAC
// attributes (group, resource, verb, namespace). The table must list exactly those, no
// more and no fewer, so it cannot claim a permission the code does not use or miss one it does.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessReviews, KUBERNETES_ACCESS, NAMESPACE_CLASSES, NON_RESOURCE_ACCESS, roleRules, type KubernetesAccess, type NamespaceClass } from '$lib/sources/kubernetes/access';
import { namespacesOf, RESOURCES } from '$lib/sources/kubernetes/resources';
import { EventBus } from '$lib/server/events/bus';
import { FleetCache } from '$lib/server/fleet/cache';
import { startKubernetesSource, type KubernetesSource } from '$lib/server/sync/kubernetes-source';
import { SourceRegistry } from '$lib/server/sync/source-status';
import { createLogger } from '$lib/server/telemetry/logger';
import { createMetrics } from '$lib/server/telemetry/metrics';
import { eventually } from './helpers/app';

const NAMESPACES: Record<NamespaceClass, string[]> = {
	gitlab_runner_namespaces: ['gl-one', 'gl-two'],
	arc_runner_namespaces: ['arc-one'],
	arc_controller_namespaces: ['arc-systems']
};
const classOf = (ns: string): NamespaceClass => {
	const c = (Object.keys(NAMESPACES) as NamespaceClass[]).find((k) => NAMESPACES[k].includes(ns));
	if (!c) throw new Error(`request to unconfigured namespace ${ns}`);
	return c;
};

type Seen = { method: string; path: string; watch: boolean };
type Attributes = { group: string; resource: string; verb: string; namespace: string } | { nonResource: string; verb: string };

/** RBAC attributes of a request, as the API server's authorizer derives them. */
function attributesOf(r: Seen): Attributes {
	const m = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(r.path);
	if (!m) return { nonResource: r.path, verb: r.method.toLowerCase() };
	const [, group = '', namespace = '', resource = '', name] = m;
	const verb = r.method === 'PATCH' ? 'patch' : r.method !== 'GET' ? r.method.toLowerCase() : r.watch ? 'watch' : name ? 'get' : 'list';
	return { group, resource, verb, namespace };
}

const key = (a: { group: string; resource: string; verb: string }, ns: NamespaceClass) => `${ns} ${a.group || 'core'}/${a.resource} ${a.verb}`;

function tableKeys(table: readonly KubernetesAccess[]): string[] {
	return [...new Set(table.map((a) => key(a, a.namespaces)))].sort();
}

let server: Server;
let source: KubernetesSource;
const seen: Seen[] = [];
const openWatches = new Set<IncomingMessage>();

beforeAll(async () => {
	server = createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://x');
		const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
		seen.push({ method: req.method ?? '', path: url.pathname, watch });
		req.resume();
		if (url.pathname === '/version') {
			res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ major: '1', minor: '31', gitVersion: 'v1.31.0' }));
		} else if (watch) {
			// A watch that stays open with no events, as on a quiet cluster.
			res.writeHead(200, { 'content-type': 'application/json' });
			res.flushHeaders();
			openWatches.add(req);
		} else if (req.method === 'PATCH') {
			req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
		} else {
			res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] }));
		}
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	const kubernetes = { name: 'rec', server: url, ...NAMESPACES };
	source = startKubernetesSource(
		{ kind: 'kubernetes', name: 'rec', simulated: false, kubernetes },
		{ fleet: new FleetCache(), bus: new EventBus(100), sources: new SourceRegistry(), metrics: createMetrics(), logger: createLogger('silent') }
	);
});

afterAll(async () => {
	await source?.stop();
	server?.closeAllConnections();
	await new Promise((r) => server?.close(r));
});

describe('the Kubernetes access table', () => {
	it('lists exactly what the informers, the health probe and the drain patch send', async () => {
		const expectedWatches = RESOURCES.reduce((n, r) => n + namespacesOf(r, NAMESPACES).length, 0);
		await eventually(async () => seen.filter((s) => s.watch).length, (n) => n >= expectedWatches, 20_000, 'every informer watching');
		await source.patchScaleSet('arc-one', 'linux-x64', { maxRunners: 0, previousMax: 4 });
		await eventually(async () => seen.some((s) => s.path === '/version'), (v) => v, 20_000, 'the health probe');

		const attrs = seen.map(attributesOf);
		const recorded = [...new Set(attrs.flatMap((a) => ('nonResource' in a ? [] : [key(a, classOf(a.namespace))])))].sort();
		expect(recorded).toEqual(tableKeys(KUBERNETES_ACCESS));
		const nonResource = [...new Set(attrs.flatMap((a) => ('nonResource' in a ? [`${a.verb} ${a.nonResource}`] : [])))].sort();
		expect(nonResource).toEqual(NON_RESOURCE_ACCESS.map((a) => `${a.verb} ${a.path}`).sort());

		// Every configured namespace of a class is reached for every row of that class.
		const perNamespace = [...new Set(attrs.flatMap((a) => ('nonResource' in a || a.verb === 'patch' ? [] : [`${a.namespace} ${a.group}/${a.resource} ${a.verb}`])))].sort();
		const reviews = accessReviews(NAMESPACES).filter((r) => r.verb !== 'patch');
		expect(perNamespace).toEqual([...new Set(reviews.map((r) => `${r.namespace} ${r.group}/${r.resource} ${r.verb}`))].sort());
	});

	it('would catch a table that claims more or less than the code uses', () => {
		const recorded = tableKeys(KUBERNETES_ACCESS);
		const withGet = [...KUBERNETES_ACCESS, { ...KUBERNETES_ACCESS[0]!, verb: 'get' as never }];
		expect(tableKeys(withGet)).not.toEqual(recorded);
		const withoutPatch = KUBERNETES_ACCESS.filter((a) => a.verb !== 'patch');
		expect(tableKeys(withoutPatch)).not.toEqual(recorded);
	});

	it('says why for every row and names the module variable and Role of its namespace class', () => {
		for (const a of KUBERNETES_ACCESS) {
			expect(a.why.length, key(a, a.namespaces)).toBeGreaterThan(10);
			expect(a.grantedBy).toEqual({ moduleVariable: NAMESPACE_CLASSES[a.namespaces].moduleVariable, moduleRole: NAMESPACE_CLASSES[a.namespaces].moduleRole });
		}
		// Pods are watched in the ARC runner namespaces too (runner pods of the scale sets).
		expect(KUBERNETES_ACCESS.filter((a) => a.namespaces === 'arc_runner_namespaces' && a.resource === 'pods').map((a) => a.verb).sort()).toEqual(['list', 'watch']);
	});

	it('turns into one RBAC rule per API group and verb set', () => {
		expect(roleRules('gitlab_runner_namespaces')).toEqual([
			{ apiGroups: [''], resources: ['configmaps', 'pods'], verbs: ['list', 'watch'] },
			{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['list', 'watch'] },
			{ apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['list', 'watch'] },
			{ apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['list', 'watch'] }
		]);
		expect(roleRules('arc_runner_namespaces')).toEqual([
			{ apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
			{ apiGroups: ['actions.github.com'], resources: ['autoscalingrunnersets'], verbs: ['list', 'patch', 'watch'] },
			{ apiGroups: ['actions.github.com'], resources: ['ephemeralrunners', 'ephemeralrunnersets'], verbs: ['list', 'watch'] },
			{ apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['list', 'watch'] }
		]);
		// The controller namespaces: pods only (the controller's and the listeners').
		expect(roleRules('arc_controller_namespaces')).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] }]);
	});
});
