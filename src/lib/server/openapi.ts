// The OpenAPI description of /api/v1. A test walks src/routes/api/v1 and fails
// when a route or method is missing here.
import { z } from 'zod';
import { fleetQuery } from '$lib/core/fleet-query';
import { newToken, newUser, passwordChange, userPatch } from './services/accounts';
import { buildInfo } from './build-info';
import { bulkBody, pauseBody } from './services/runner-actions';
import { undrainBody } from './services/scale-sets';
import { driftHistoryQuery, driftQuery } from './drift/view';
import { autoscalersQuery } from './services/autoscalers';
import { capacityQuery, capacitySeriesQuery, capacitySeriesSchema, capacitySnapshotSchema } from './services/capacity';

interface Op {
	summary: string;
	role: 'viewer' | 'operator' | 'admin';
	query?: z.ZodObject;
	body?: z.ZodType;
	ok?: number;
	response?: string;
}

const errorSchema = {
	type: 'object',
	required: ['error'],
	properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } }
};

const listOf = (item: string) => ({
	type: 'object',
	required: ['items', 'total', 'page', 'per_page'],
	properties: { items: { type: 'array', items: { $ref: `#/components/schemas/${item}` } }, total: { type: 'integer' }, page: { type: 'integer' }, per_page: { type: 'integer' } }
});

const auditQuery = z.strictObject({
	page: z.number().int().optional(),
	per_page: z.number().int().max(200).optional(),
	action: z.string().optional(),
	outcome: z.enum(['success', 'failure', 'denied']).optional(),
	principal: z.string().optional()
});

export const OPERATIONS: Record<string, Partial<Record<'get' | 'post' | 'patch' | 'delete', Op>>> = {
	'/api/v1/openapi.json': { get: { summary: 'This document.', role: 'viewer' } },
	'/api/v1/version': { get: { summary: 'Version, git revision and build date of the running dashboard.', role: 'viewer' } },
	'/api/v1/me': { get: { summary: 'The calling principal: kind, name, role.', role: 'viewer' } },
	'/api/v1/me/password': { post: { summary: "Change the signed-in user's password.", role: 'viewer', body: passwordChange, ok: 204 } },
	'/api/v1/events': { get: { summary: 'Server-sent events: runners.delta, runners.reset, sources, cluster.delta, drift. Resumable with Last-Event-ID.', role: 'viewer' } },
	'/api/v1/sources': { get: { summary: 'Each source with status (ok|degraded|down), last success, last error, data age, simulated.', role: 'viewer', response: 'SourceList' } },
	'/api/v1/runners': { get: { summary: 'Runners across forges: paged, filtered, searched and sorted on the server.', role: 'viewer', query: fleetQuery, response: 'RunnerList' } },
	'/api/v1/runners/{id}': { get: { summary: 'One runner by id (`<forge>:<source>:<upstream id>`).', role: 'viewer', response: 'Runner' } },
	'/api/v1/runners/{id}/pause': { post: { summary: 'Pause a GitLab runner (PUT paused=true upstream), with an optional maintenance note. GitHub runners have no pause API: 409.', role: 'operator', body: pauseBody, response: 'Runner' } },
	'/api/v1/runners/{id}/resume': { post: { summary: 'Resume a paused GitLab runner.', role: 'operator', body: pauseBody, response: 'Runner' } },
	'/api/v1/runners/bulk': { post: { summary: 'Pause or resume up to 500 runners; answers each runner’s outcome (done, not_found, unsupported, upstream_error).', role: 'operator', body: bulkBody } },
	'/api/v1/scale-sets': { get: { summary: 'ARC runner scale sets from the watched clusters: min/max/current/desired runners, pending/running/failed ephemeral runners, drained.', role: 'viewer' } },
	'/api/v1/scale-sets/{id}': { get: { summary: 'One scale set (`<source>:<namespace>:<name>`) with its ephemeral runners (phase, failures, job).', role: 'viewer' } },
	'/api/v1/scale-sets/{id}/drain': { post: { summary: 'Drain: patch spec.maxRunners to 0, remembering the previous value in an annotation. Jobs already assigned but not running wait until undrain.', role: 'operator' } },
	'/api/v1/scale-sets/{id}/undrain': { post: { summary: 'Restore the maxRunners a drain replaced, or the given max_runners.', role: 'operator', body: undrainBody } },
	'/api/v1/autoscalers': {
		get: {
			summary:
				'GitLab runner HPAs and ARC scale sets: min/max/current/desired replicas, HPA metrics against targets, conditions and last scale time, ephemeral runners by phase, and `history` [[unix_s, current, desired, max]…] over the window (peak per `step_s`; recorded in memory from when the dashboard started).',
			role: 'viewer',
			query: autoscalersQuery,
			response: 'AutoscalerList'
		}
	},
	'/api/v1/capacity': {
		get: {
			summary:
				'Capacity per forge and per runner type / scale set: pending and running jobs and saturation now; wait and duration p50/p95, jobs per minute and failures by reason over the window. From Prometheus when configured, else the built-in scraper (`source`); stale with `age_s` when the source fails.',
			role: 'viewer',
			query: capacityQuery,
			response: 'CapacitySnapshot'
		}
	},
	'/api/v1/capacity/series': {
		get: { summary: 'One capacity panel as time series per forge and group over the window (`step_s` apart; rates over `range_s`).', role: 'viewer', query: capacitySeriesQuery, response: 'CapacitySeries' }
	},
	'/api/v1/pods': { get: { summary: 'Pods of the runner stacks (GitLab runner Deployments, ARC ephemeral runners) with phase, readiness and restarts, plus a per-runner-type summary.', role: 'viewer' } },
	'/api/v1/drift': {
		get: {
			summary: 'Drift between git (declared), OpenTofu state (applied) and the cluster (live), field by field: items with class, severity, first_seen and age, per-stack errors, checked_at and stale.',
			role: 'viewer',
			query: driftQuery,
			response: 'Drift'
		}
	},
	'/api/v1/drift/history': { get: { summary: 'Drift items over time, newest first: first_seen, resolved_at (null while open) and the values last seen.', role: 'viewer', query: driftHistoryQuery } },
	'/api/v1/audit': { get: { summary: 'Audit records, newest first.', role: 'admin', query: auditQuery } },
	'/api/v1/users': {
		get: { summary: 'Local users.', role: 'admin' },
		post: { summary: 'Create a local user.', role: 'admin', body: newUser, ok: 201 }
	},
	'/api/v1/users/{id}': {
		patch: { summary: "Change a user's role, disable or reset the password; ends the user's sessions.", role: 'admin', body: userPatch },
		delete: { summary: 'Delete a user (never the last admin).', role: 'admin', ok: 204 }
	},
	'/api/v1/tokens': {
		get: { summary: 'API tokens (never their secrets).', role: 'admin' },
		post: { summary: 'Create an API token; the secret is returned once.', role: 'admin', body: newToken, ok: 201 }
	},
	'/api/v1/tokens/{id}': { delete: { summary: 'Revoke an API token.', role: 'admin' } }
};

const runnerSchema = {
	type: 'object',
	required: ['id', 'forge', 'source', 'name', 'status', 'tags', 'version', 'scale_set', 'simulated'],
	properties: {
		id: { type: 'string', example: 'gitlab:sandbox-gitlab:42' },
		forge: { type: 'string', enum: ['gitlab', 'github'] },
		source: { type: 'string' },
		upstream_id: { type: 'integer' },
		name: { type: 'string' },
		status: { type: 'string', enum: ['online', 'offline', 'stale', 'never_contacted'] },
		paused: { type: 'boolean' },
		tags: { type: 'array', items: { type: 'string' } },
		version: { type: ['string', 'null'] },
		type: { type: 'string' },
		scale_set: { type: ['string', 'null'] },
		simulated: { type: 'boolean' },
		stale: { type: 'boolean', description: "True when the runner's source failed its last sync: the data is the last good copy." },
		data_age_s: { type: ['integer', 'null'] }
	}
};

const count = { type: 'integer' };
const autoscalerSchema = {
	type: 'object',
	required: ['id', 'kind', 'source', 'namespace', 'name', 'forge', 'group', 'min', 'max', 'current', 'desired', 'metrics', 'conditions', 'history'],
	properties: {
		id: { type: 'string', example: 'hpa:sandbox-k8s:gitlab-runners:docker-runner-hpa' },
		kind: { type: 'string', enum: ['hpa', 'scale_set'] },
		source: { type: 'string' },
		namespace: { type: 'string' },
		name: { type: 'string' },
		forge: { type: 'string', enum: ['gitlab', 'github'] },
		group: { type: 'string', description: 'The runner type (GitLab) or scale set (ARC): the capacity group it scales.' },
		target: { type: ['string', 'null'], example: 'Deployment/docker-runner' },
		min: count,
		max: count,
		current: count,
		desired: { type: ['integer', 'null'] },
		metrics: {
			type: 'array',
			items: {
				type: 'object',
				properties: {
					type: { type: 'string' },
					name: { type: 'string' },
					qualifier: { type: ['string', 'null'] },
					target_type: { type: 'string', enum: ['Utilization', 'AverageValue', 'Value'] },
					target: { type: ['number', 'null'] },
					current: { type: ['number', 'null'] },
					unit: { type: 'string', enum: ['percent', 'value'] },
					ratio: { type: ['number', 'null'] }
				}
			}
		},
		conditions: {
			type: 'array',
			items: { type: 'object', properties: { type: { type: 'string' }, status: { type: 'string' }, reason: { type: ['string', 'null'] }, message: { type: ['string', 'null'] }, since: { type: ['string', 'null'] } } }
		},
		limited: { type: 'boolean' },
		last_scale_time: { type: ['string', 'null'], format: 'date-time' },
		ephemeral_runners: { type: ['object', 'null'], properties: { pending: count, running: count, failed: count } },
		drained: { type: ['boolean', 'null'] },
		scale_set_id: { type: ['string', 'null'] },
		simulated: { type: 'boolean' },
		stale: { type: 'boolean' },
		data_age_s: { type: ['integer', 'null'] },
		history: { type: 'array', items: { type: 'array', prefixItems: [{ type: 'integer' }, { type: ['integer', 'null'] }, { type: ['integer', 'null'] }, { type: ['integer', 'null'] }] } }
	}
};

function toJson(schema: z.ZodType) {
	return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

export function openApiDocument() {
	const paths: Record<string, Record<string, unknown>> = {};
	for (const [path, ops] of Object.entries(OPERATIONS)) {
		paths[path] = {};
		for (const [method, op] of Object.entries(ops)) {
			const params: unknown[] = [];
			if (path.includes('{id}')) params.push({ name: 'id', in: 'path', required: true, schema: { type: 'string' } });
			if (op.query) {
				const shape = toJson(op.query) as { properties?: Record<string, unknown> };
				for (const [name, schema] of Object.entries(shape.properties ?? {})) params.push({ name, in: 'query', required: false, schema });
			}
			paths[path]![method] = {
				summary: op.summary,
				'x-required-role': op.role,
				parameters: params,
				...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: toJson(op.body) } } } } : {}),
				responses: {
					[String(op.ok ?? 200)]: {
						description: 'OK',
						...(op.response ? { content: { 'application/json': { schema: { $ref: `#/components/schemas/${op.response}` } } } } : {})
					},
					'4XX': { description: 'Client error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
					'5XX': { description: 'Server or upstream error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }
				}
			};
		}
	}
	return {
		openapi: '3.1.0',
		info: { title: 'runner-dashboard API', version: buildInfo().version, description: 'Send a session cookie or `Authorization: Bearer <token>`. Mutations need the role in x-required-role and a same-origin Origin when sent from a browser.' },
		servers: [{ url: '/' }],
		security: [{ bearer: [] }, { session: [] }],
		paths,
		components: {
			securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'rd_session' } },
			schemas: {
				Error: errorSchema,
				Runner: runnerSchema,
				RunnerList: listOf('Runner'),
				Source: {
					type: 'object',
					required: ['name', 'kind', 'status', 'last_success', 'last_error', 'simulated'],
					properties: {
						name: { type: 'string' },
						kind: { type: 'string' },
						status: { type: 'string', enum: ['ok', 'degraded', 'down'] },
						last_success: { type: ['string', 'null'], format: 'date-time' },
						last_error: { type: ['string', 'null'] },
						data_age_s: { type: ['integer', 'null'] },
						simulated: { type: 'boolean' }
					}
				},
				SourceList: listOf('Source'),
				DriftItem: {
					type: 'object',
					required: ['key', 'stack', 'env', 'object', 'field', 'declared', 'applied', 'live', 'class', 'severity', 'first_seen', 'location'],
					properties: {
						key: { type: 'string' },
						stack: { type: 'string' },
						env: { type: 'string' },
						object: { type: 'string', example: 'HorizontalPodAutoscaler gitlab-runners/docker-runner-hpa' },
						field: { type: 'string', example: 'spec.maxReplicas' },
						variable: { type: ['string', 'null'] },
						declared: {},
						applied: {},
						live: {},
						class: { type: 'string', enum: ['unapplied', 'out-of-band', 'missing', 'unmanaged'] },
						severity: { type: 'string', enum: ['critical', 'warning', 'info'] },
						first_seen: { type: 'string', format: 'date-time' },
						age_s: { type: 'integer' },
						stale: { type: 'boolean' },
						diff: { type: 'string' },
						location: { type: ['object', 'null'], properties: { file: { type: 'string' }, line: { type: 'integer' }, url: { type: ['string', 'null'] } } }
					}
				},
				Drift: {
					type: 'object',
					required: ['items', 'checked_at', 'errors', 'stale', 'summary'],
					properties: {
						items: { type: 'array', items: { $ref: '#/components/schemas/DriftItem' } },
						total: { type: 'integer' },
						checked_at: { type: ['string', 'null'], format: 'date-time' },
						stale: { type: 'boolean' },
						errors: {
							type: 'array',
							items: { type: 'object', properties: { stack: { type: 'string' }, env: { type: 'string' }, file: { type: 'string' }, line: { type: ['integer', 'null'] }, message: { type: 'string' } } }
						},
						summary: { type: 'object', properties: { by_class: { type: 'object', additionalProperties: { type: 'integer' } } } }
					}
				},
				Autoscaler: autoscalerSchema,
				AutoscalerList: listOf('Autoscaler'),
				CapacitySnapshot: capacitySnapshotSchema,
				CapacitySeries: capacitySeriesSchema
			}
		}
	};
}
