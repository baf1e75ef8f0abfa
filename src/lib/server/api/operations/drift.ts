// Drift: where the live fleet differs from git (declared) and from OpenTofu's state
// (applied), field by field; and its history.
import { z } from 'zod';
import { DRIFT_CLASSES, DRIFT_SEVERITIES } from '$lib/core/drift';
import { pageSchema } from '$lib/core/paging';
import { driftAnswer, driftHistoryQuery, driftQuery } from '../../drift/view';
import { errorSchema } from '../errors';
import { op } from '../operation';

const driftClass = z.enum(DRIFT_CLASSES);
const severity = z.enum(DRIFT_SEVERITIES);
const location = z.object({ file: z.string(), line: z.number().int(), url: z.string().nullable() }).nullable();

const driftItemSchema = z
	.object({
		key: z.string().meta({ description: 'Stable identity across checks: stack, env, object and field.' }),
		stack: z.string(),
		env: z.string(),
		object: z.string().meta({ description: '`<Kind> <namespace>/<name>`' }),
		ref: z.object({ kind: z.string(), namespace: z.string().nullable(), name: z.string() }),
		field: z.string().meta({ description: 'Dotted path in the live object, or `(exists)` for presence.' }),
		variable: z.string().nullable(),
		declared: z.unknown(),
		applied: z.unknown(),
		live: z.unknown(),
		class: driftClass,
		severity,
		location,
		diff: z.string(),
		first_seen: z.string(),
		age_s: z.number().int(),
		stale: z.boolean()
	})
	.meta({ id: 'DriftItem' });

const driftErrorSchema = z.object({ stack: z.string(), env: z.string(), file: z.string(), line: z.number().int().nullable(), message: z.string() });

export const getDrift = op({
	id: 'getDrift',
	reuse: true,
	method: 'GET',
	path: '/api/v1/drift',
	access: 'viewer',
	tag: 'Drift',
	summary: 'Drift between git (declared), OpenTofu state (applied) and the cluster (live), field by field: items with class, severity, first_seen and age, per-stack errors, checked_at and stale.',
	query: driftQuery,
	responses: {
		200: z
			.object({
				configured: z.boolean().meta({ description: 'Whether any drift stacks are configured.' }),
				items: z.array(driftItemSchema),
				errors: z.array(driftErrorSchema),
				checked_at: z.string().nullable(),
				read_at: z.string().nullable(),
				stale: z.boolean(),
				stacks: z.array(z.object({ name: z.string(), envs: z.array(z.string()), revision: z.string().nullable(), simulated: z.boolean() })),
				checked: z.object({ stacks: z.number().int(), objects: z.number().int(), fields: z.number().int() }),
				total: z.number().int(),
				unfiltered_total: z.number().int().meta({ description: 'Items before the filters.' }),
				summary: z.object({ by_class: z.record(driftClass, z.number().int()), by_severity: z.record(severity, z.number().int()) })
			})
			.meta({ id: 'Drift' }),
		400: errorSchema
	},
	handler: ({ app, query }) => ({ configured: app.drift.configured, ...driftAnswer(app.drift.snapshot(), query) })
});

export const getDriftHistory = op({
	id: 'getDriftHistory',
	method: 'GET',
	path: '/api/v1/drift/history',
	access: 'viewer',
	tag: 'Drift',
	summary: 'Drift items over time, newest first: first_seen, resolved_at (null while open) and the values last seen.',
	query: driftHistoryQuery,
	responses: {
		200: pageSchema(
			z
				.object({
					id: z.number().int(),
					key: z.string(),
					stack: z.string(),
					env: z.string(),
					object: z.string(),
					field: z.string(),
					class: driftClass,
					severity,
					values: z.object({ declared: z.unknown(), applied: z.unknown(), live: z.unknown() }),
					first_seen: z.string(),
					last_seen: z.string(),
					resolved_at: z.string().nullable()
				})
				.meta({ id: 'DriftHistoryEntry' })
		),
		400: errorSchema
	},
	handler: async ({ app, query: q }) => {
		const open = q.state === undefined ? undefined : q.state === 'open';
		const { items, total } = await app.drift.historyOf().list({ page: q.page, perPage: q.per_page, stack: q.stack, env: q.env, class: q.class, open });
		return { items, total, page: q.page, per_page: q.per_page };
	}
});

export const DRIFT_OPERATIONS = [getDrift, getDriftHistory];
