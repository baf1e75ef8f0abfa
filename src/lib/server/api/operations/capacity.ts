// Capacity: per forge and runner type / scale set from Prometheus or the built-in
// scraper, as a snapshot and as time series; the autoscalers with their replica history.
import { z } from 'zod';
import { HISTORY_STEP_S } from '$lib/core/autoscalers/history';
import { capacitySeriesResponseSchema, capacitySnapshotSchema, capacitySourceSchema, panelIdSchema, windowSchema } from '$lib/core/capacity/types';
import { pageOf, pageSchema, pagingFields } from '$lib/core/paging';
import { forgeSchema } from '$lib/core/runner';
import { filterGroups } from '../../services/capacity';
import { autoscalerKindSchema, autoscalerSchema } from '../../services/autoscalers';
import { DomainError } from '../../services/errors';
import { autoscalerEvents, autoscalerEventsSchema } from '../../services/cluster-events';
import type { AppContext } from '../../app';
import { errorSchema } from '../errors';
import { op } from '../operation';

const capacityQuery = z.strictObject({
	window: windowSchema.default('1h'),
	forge: forgeSchema.optional(),
	group: z.string().min(1).max(200).optional(),
	source: capacitySourceSchema.optional().meta({ description: 'Ask one source; by default Prometheus when configured, else the built-in scraper.' })
});

function sourceOf(app: AppContext, asked: z.infer<typeof capacitySourceSchema> | undefined) {
	if (asked && !app.capacity.available(asked)) throw new DomainError('invalid', 'invalid_query', `source: ${asked} is not configured`);
	return asked ?? app.capacity.defaultSource;
}

export const getCapacity = op({
	id: 'getCapacity',
	reuse: true,
	method: 'GET',
	path: '/api/v1/capacity',
	access: 'viewer',
	tag: 'Capacity',
	summary:
		'Capacity per forge and per runner type / scale set: pending and running jobs and saturation now; wait and duration p50/p95, jobs per minute and failures by reason over the window.',
	description: 'From Prometheus when configured, else the built-in scraper (`source`); stale with `age_s` when the source fails.',
	query: capacityQuery,
	responses: { 200: capacitySnapshotSchema.meta({ id: 'CapacitySnapshot' }), 400: errorSchema },
	handler: async ({ app, query: q }) => {
		const snap = await app.capacity.snapshot(q.window, sourceOf(app, q.source));
		return { ...snap, items: filterGroups(snap.items, q.forge, q.group) };
	}
});

export const getCapacitySeries = op({
	id: 'getCapacitySeries',
	reuse: true,
	method: 'GET',
	path: '/api/v1/capacity/series',
	access: 'viewer',
	tag: 'Capacity',
	summary: 'One capacity panel as time series per forge and group over the window (`step_s` apart; rates over `range_s`).',
	query: capacityQuery.extend({ panel: panelIdSchema }),
	responses: { 200: capacitySeriesResponseSchema.meta({ id: 'CapacitySeries' }), 400: errorSchema },
	handler: async ({ app, query: q }) => {
		const res = await app.capacity.series(q.panel, q.window, sourceOf(app, q.source));
		return { ...res, series: filterGroups(res.series, q.forge, q.group) };
	}
});

export const listAutoscalers = op({
	id: 'listAutoscalers',
	reuse: true,
	method: 'GET',
	path: '/api/v1/autoscalers',
	access: 'viewer',
	tag: 'Capacity',
	summary:
		'GitLab runner HPAs and ARC scale sets: min/max/current/desired replicas, HPA metrics against targets, conditions and last scale time, ephemeral runners by phase, and their replica history over the window.',
	description: '`history` is [[unix_s, current, desired, max]…], the peak per `step_s`, recorded from when the dashboard started.',
	query: z.strictObject({
		...pagingFields,
		q: z.string().max(200).optional(),
		kind: autoscalerKindSchema.optional(),
		forge: forgeSchema.optional(),
		group: z.string().min(1).max(200).optional(),
		window: windowSchema.default('1h')
	}),
	responses: { 200: pageSchema(autoscalerSchema).extend({ window: windowSchema, step_s: z.number().int() }), 400: errorSchema },
	handler: ({ app, query: q }) => {
		const items = app.autoscalers.query({ kind: q.kind, forge: q.forge, group: q.group, q: q.q }, q.window);
		const page = pageOf(items, q.page, q.per_page);
		const withVariables = page.items.map((a) => ({
			...a,
			max_variable: app.drift.variableOf({ kind: a.kind === 'hpa' ? 'HorizontalPodAutoscaler' : 'AutoscalingRunnerSet', namespace: a.namespace, name: a.name }, a.kind === 'hpa' ? 'spec.maxReplicas' : 'spec.maxRunners')
		}));
		return { ...page, items: withVariables, window: q.window, step_s: HISTORY_STEP_S[q.window] };
	}
});

export const getAutoscalerEvents = op({
	id: 'getAutoscalerEvents',
	method: 'GET',
	path: '/api/v1/autoscalers/{id}/events',
	access: 'viewer',
	tag: 'Capacity',
	summary: 'Why an autoscaler is or is not scaling: the Kubernetes Events (events.k8s.io/v1) of the HPA, its Deployment, ReplicaSets and pods — or of the scale set, its EphemeralRunnerSets, EphemeralRunners and pods — newest first (last hour, at most 100), its conditions and the last scaling decision in words.',
	params: z.strictObject({ id: z.string().max(400) }),
	responses: { 200: autoscalerEventsSchema.meta({ id: 'AutoscalerEvents' }), 404: errorSchema },
	handler: ({ app, params }) => autoscalerEvents(app, params.id)
});

export const CAPACITY_OPERATIONS = [getCapacity, getCapacitySeries, listAutoscalers, getAutoscalerEvents];
