// The dashboard itself: probes, its own telemetry, version, the calling principal,
// this document and the live stream.
import { z } from 'zod';
import { PRINCIPAL_KINDS } from '$lib/core/access';
import { roleSchema } from '../../services/accounts';
import { DomainError } from '../../services/errors';
import { buildInfo } from '../../build-info';
import { op, rawOp, Reply } from '../operation';
import { listReplicas, replicaSchema } from '../../replicas/status';

export const healthz = op({
	id: 'healthz',
	method: 'GET',
	path: '/healthz',
	access: 'public',
	tag: 'Meta',
	summary: 'Liveness: the process answers. Never touches the store or the sources.',
	responses: { 200: z.object({ status: z.literal('ok'), version: z.string() }) },
	handler: () => ({ status: 'ok' as const, version: buildInfo().version })
});

export const readyz = op({
	id: 'readyz',
	method: 'GET',
	path: '/readyz',
	access: 'public',
	tag: 'Meta',
	summary: 'Readiness: the store answers, the process is not shutting down and (with several replicas) it has caught up with the replica feed. Sources never make it unready (a down upstream degrades the data; restarting would not help).',
	description: 'Anonymous callers learn only the status; source details are at /api/v1/sources for viewers.',
	responses: { 200: z.object({ status: z.literal('ready') }), 503: z.object({ status: z.literal('not_ready') }) },
	handler: async ({ app }) => {
		if (app.stopping) return new Reply(503, { status: 'not_ready' });
		// A replica that has not loaded the shared state, or has fallen behind it, would serve old data.
		if (app.feed && !app.feed.ready) return new Reply(503, { status: 'not_ready' });
		try {
			await app.store.ping();
			return { status: 'ready' as const };
		} catch (e) {
			app.logger.warn({ err: e }, 'readiness: the store does not answer');
			return new Reply(503, { status: 'not_ready' });
		}
	}
});

export const metrics = rawOp({
	id: 'metrics',
	method: 'GET',
	path: '/metrics',
	access: 'viewer',
	tag: 'Meta',
	summary: "Prometheus exposition of the dashboard's own telemetry. METRICS_PORT serves the same without a principal, for scrapes inside the cluster.",
	produces: 'text/plain; version=0.0.4',
	handler: async ({ app }, res) => {
		const body = await app.metrics.registry.metrics();
		res.writeHead(200, { 'content-type': app.metrics.registry.contentType, 'content-length': Buffer.byteLength(body) });
		res.end(body);
	}
});

export const version = op({
	id: 'getVersion',
	method: 'GET',
	path: '/api/v1/version',
	access: 'viewer',
	tag: 'Meta',
	summary: 'Version, git revision and build date of the running dashboard.',
	responses: { 200: z.object({ version: z.string(), revision: z.string(), built_at: z.string(), node_abi: z.string() }) },
	handler: () => buildInfo()
});

export const me = op({
	id: 'getMe',
	method: 'GET',
	path: '/api/v1/me',
	access: 'viewer',
	tag: 'Meta',
	summary: 'The calling principal: kind (user or token), name and role; `must_change_password` while a user must choose a new password before anything else.',
	responses: {
		200: z.object({ kind: z.enum(PRINCIPAL_KINDS), name: z.string(), role: roleSchema, must_change_password: z.boolean() })
	},
	handler: ({ actor }) => {
		const { kind, name, role, mustChangePassword } = actor.principal!;
		return { kind, name, role, must_change_password: mustChangePassword === true };
	}
});

export const openapi = op({
	id: 'getOpenApi',
	method: 'GET',
	path: '/api/v1/openapi.json',
	access: 'viewer',
	tag: 'Meta',
	summary: 'This document (OpenAPI 3.1).',
	responses: { 200: z.record(z.string(), z.unknown()) },
	handler: ({ app }) => app.openapi()
});

export const events = rawOp({
	id: 'streamEvents',
	method: 'GET',
	path: '/api/v1/events',
	access: 'viewer',
	tag: 'Meta',
	summary: 'The live stream (server-sent events): runners.delta, runners.reset, sources, cluster.delta, drift; resumable with Last-Event-ID (a `reset` when too far behind).',
	description:
		'Streams are capped per user or token and in all (429 beyond), end after a maximum lifetime (the browser reconnects), end within one heartbeat of sign-out, revocation or a role change, and are reset and closed when the client stops reading.',
	produces: 'text/event-stream',
	errors: [429],
	handler: ({ app, actor, headers }, res) => {
		const refusal = app.live.refusal(actor.principal!);
		if (refusal) throw new DomainError('throttled', 'too_many_streams', refusal, { retryAfterS: 30 });
		const last = headers['last-event-id'];
		app.live.open(res, actor.principal!, Array.isArray(last) ? last[0] : last, {});
	}
});

export const replicas = op({
	id: 'listReplicas',
	method: 'GET',
	path: '/api/v1/replicas',
	access: 'viewer',
	tag: 'Meta',
	summary: 'The dashboard\'s replicas: which one leads (polls the sources, checks drift, records history), its term, and how far behind each one is. On SQLite the one process, always leading.',
	responses: { 200: z.object({ items: z.array(replicaSchema) }) },
	handler: async ({ app }) => ({ items: await listReplicas(app) })
});

export const META_OPERATIONS = [healthz, readyz, metrics, version, me, replicas, openapi, events];
