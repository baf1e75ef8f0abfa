// /_sandbox/k8s/* and /_sandbox/arc/*: what an operator's cluster can do to a dashboard
// — narrower RBAC, a failing metrics API, full nodes — and ARC's failure modes: a
// listener that is gone or crash-looping, an EphemeralRunner whose pod vanished (a
// phantom runner), one stuck Pending.

import { z } from 'zod';
import type { Ctx, Router } from './http/router.js';
import { sendJson } from './http/respond.js';
import { SANDBOX_USER, type DenyRule } from './k8s/access.js';
import { RESOURCES } from './k8s/resources.js';
import { parseQuantity } from './sim/cluster/meta.js';
import { NODE_POOLS } from './sim/cluster/nodes.js';
import { ARC_RUNNER_NAMESPACE } from './sim/cluster/stacks.js';
import type { World } from './sim/world.js';

type ReadBody = <T>(ctx: Ctx, schema: z.ZodType<T>) => Promise<T>;

const RULE_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', '*'];
const GROUPS = [...new Set(RESOURCES.map((r) => r.group))];
const PLURALS = [...new Set(RESOURCES.map((r) => r.plural))];

const DenyRuleBody = z.strictObject({
	verb: z.enum(RULE_VERBS, { error: `verb must be one of ${RULE_VERBS.join(', ')}` }).optional(),
	group: z.string({ error: 'group must be a string ("" for the core group)' }).refine((g) => g === '*' || GROUPS.includes(g), { message: `group must be one the server serves: ${GROUPS.map((g) => JSON.stringify(g)).join(', ')} or "*"` }).optional(),
	resource: z.string({ error: 'resource must be a string' }).refine((r) => r === '*' || PLURALS.includes(r), { message: `resource must be a served plural (${PLURALS.join(', ')}) or "*"` }).optional(),
	subresource: z.enum(['', 'status'], { error: 'subresource must be "" or "status"' }).optional(),
	namespace: z.string({ error: 'namespace must be a string' }).optional(),
	name: z.string({ error: 'name must be a string' }).optional()
});

const PermissionsBody = z
	.strictObject({
		deny: z.array(DenyRuleBody, { error: 'deny must be a list of rules' }).max(1000, 'deny may hold at most 1000 rules').optional(),
		reset: z.literal(true, { error: 'reset must be true' }).optional()
	})
	.refine((b) => b.deny !== undefined || b.reset !== undefined, { message: 'give deny (a list of rules) or reset: true' })
	.refine((b) => !(b.deny && b.deny.length > 0 && b.reset), { message: 'give either deny or reset, not both' });

const K8sFaultsBody = z.strictObject({ metrics: z.boolean({ error: 'metrics must be true or false' }) });

const quantity = (name: string) =>
	z
		.union([z.string(), z.number()], { error: `${name} must be a quantity such as "4", "3500m", "16Gi"` })
		.transform((v) => parseQuantity(v))
		.refine((v) => Number.isFinite(v) && v > 0, { message: `${name} must be a positive quantity such as "4", "3500m", "16Gi"` });

const NodesBody = z
	.strictObject({
		pool: z.enum(NODE_POOLS, { error: `pool must be one of ${NODE_POOLS.join(', ')}` }).optional(),
		nodes: z.number({ error: 'nodes must be a number' }).int('nodes must be a whole number').min(0, 'nodes must be at least 0').max(1000, 'nodes must be at most 1000').optional(),
		cpu: quantity('cpu').optional(),
		memory: quantity('memory').optional(),
		pods: z.number({ error: 'pods must be a number' }).int('pods must be a whole number').min(1, 'pods must be at least 1').max(1000, 'pods must be at most 1000').optional(),
		autoscale: z.boolean({ error: 'autoscale must be true or false' }).optional(),
		reset: z.literal(true, { error: 'reset must be true' }).optional()
	})
	.refine((b) => b.reset || b.pool !== undefined, { message: 'give pool (ci or system) with nodes, cpu, memory, pods or autoscale; or reset: true' })
	.refine((b) => b.reset || [b.nodes, b.cpu, b.memory, b.pods, b.autoscale].some((v) => v !== undefined), { message: 'give at least one of nodes, cpu, memory, pods, autoscale' });

const scaleSet = { scale_set: z.string({ error: 'scale_set is required (an AutoscalingRunnerSet name)' }).min(1, 'scale_set must not be empty'), namespace: z.string({ error: 'namespace must be a string' }).min(1).optional() };

const ListenerBody = z.strictObject({ ...scaleSet, state: z.enum(['running', 'stopped', 'crashloop'], { error: 'state must be running, stopped or crashloop' }) });
const OrphanBody = z.strictObject(scaleSet);
const FreezeBody = z.strictObject({ ...scaleSet, release: z.literal(true, { error: 'release must be true' }).optional() });

export function clusterControlRoutes(router: Router, world: World, body: ReadBody): void {
	const access = world.cluster.access;
	const permissions = (ctx: Ctx) => sendJson(ctx.res, 200, { user: SANDBOX_USER.username, deny: access.rules });
	const nodes = (ctx: Ctx) =>
		sendJson(ctx.res, 200, {
			pools: Object.fromEntries(NODE_POOLS.map((p) => [p, world.kube.nodes.pool(p)])),
			nodes: world.kube.nodes.truth(),
			unschedulable_pods: world.kube.nodes.pendingCount
		});
	const notFound = (ctx: Ctx, message: string) => sendJson(ctx.res, 404, { error: message });

	router.get('/k8s/permissions', permissions);
	router.post('/k8s/permissions', async (ctx) => {
		const b = await body(ctx, PermissionsBody);
		access.setDeny(b.reset ? [] : ((b.deny ?? []) as DenyRule[]));
		permissions(ctx);
	});

	router.post('/k8s/faults', async (ctx) => {
		const b = await body(ctx, K8sFaultsBody);
		world.kube.metricsDown = b.metrics;
		sendJson(ctx.res, 200, { metrics: world.kube.metricsDown });
	});

	router.get('/k8s/nodes', nodes);
	router.post('/k8s/nodes', async (ctx) => {
		const b = await body(ctx, NodesBody);
		if (b.reset) world.kube.nodes.reset(world.now());
		if (b.pool) world.kube.nodes.setPool(b.pool, { nodes: b.nodes, cpu: b.cpu, memory: b.memory, pods: b.pods, autoscale: b.autoscale }, world.now());
		nodes(ctx);
	});

	router.post('/arc/listeners', async (ctx) => {
		const b = await body(ctx, ListenerBody);
		const ns = b.namespace ?? ARC_RUNNER_NAMESPACE;
		if (!world.kube.arc.setListener(ns, b.scale_set, b.state, world.now())) return notFound(ctx, `autoscalingrunnerset ${ns}/${b.scale_set} not found`);
		sendJson(ctx.res, 200, world.kube.scaleSets().find((s) => s.name === b.scale_set && s.namespace === ns) ?? {});
	});

	router.post('/arc/orphan', async (ctx) => {
		const b = await body(ctx, OrphanBody);
		const ns = b.namespace ?? ARC_RUNNER_NAMESPACE;
		const r = world.kube.arc.orphan(ns, b.scale_set, world.now());
		if (typeof r === 'string') return sendJson(ctx.res, r.endsWith('not found') ? 404 : 409, { error: r });
		sendJson(ctx.res, 200, { scale_set: b.scale_set, namespace: ns, ephemeral_runner: r.ephemeralRunner, pod: r.pod, phase: r.phase });
	});

	router.post('/arc/freeze', async (ctx) => {
		const b = await body(ctx, FreezeBody);
		const ns = b.namespace ?? ARC_RUNNER_NAMESPACE;
		if (b.release) {
			const released = world.kube.arc.release(ns, b.scale_set, world.now());
			if (!released) return notFound(ctx, `autoscalingrunnerset ${ns}/${b.scale_set} not found`);
			return sendJson(ctx.res, 200, { scale_set: b.scale_set, namespace: ns, released });
		}
		const r = world.kube.arc.freeze(ns, b.scale_set, world.now());
		if (typeof r === 'string') return sendJson(ctx.res, r.endsWith('not found') ? 404 : 409, { error: r });
		sendJson(ctx.res, 200, { scale_set: b.scale_set, namespace: ns, ephemeral_runner: r.ephemeralRunner, phase: 'Pending' });
	});
}
