// Why an autoscaler is (not) scaling: its Events and those of the objects behind it, its
// conditions, and the last decision in words. Read from the cluster watch when asked.
import { z } from 'zod';
import { deploymentOf } from '$lib/core/autoscalers/views';
import { clusterEventSchema, eventsFor, hpaScope, lastDecision, scaleSetScope, type EventObject } from '$lib/core/cluster-events';
import type { AppContext } from '../app';
import { DomainError } from './errors';

/** What the API server keeps by default (--event-ttl); older Events are not shown even if a cluster keeps them longer. */
const MAX_AGE_S = 3600;
const LIMIT = 100;

/** One Event as every read shows it (one schema object, so the API document names it once). */
export const clusterEventItemSchema = clusterEventSchema.meta({ id: 'ClusterEvent' });

export const autoscalerEventsSchema = z.object({
	id: z.string(),
	name: z.string(),
	conditions: z.array(z.object({ type: z.string(), status: z.string(), reason: z.string().nullable(), message: z.string().nullable(), since: z.string().nullable() })),
	last_decision: z.string().nullable().meta({ description: 'The newest SuccessfulRescale Event’s note, else what the HPA’s conditions say.' }),
	items: z.array(clusterEventItemSchema)
});

export function autoscalerEvents(app: Pick<AppContext, 'autoscalers' | 'kubernetes'>, id: string, now = Date.now()): z.infer<typeof autoscalerEventsSchema> {
	const a = app.autoscalers.list().find((x) => x.id === id);
	if (!a) throw new DomainError('not_found', 'not_found', `no autoscaler ${id}`);
	const k = app.kubernetes.get(a.source);
	const scope = a.kind === 'hpa' ? hpaScope(a.namespace, a.name, deploymentOf(a)) : scaleSetScope(a.namespace, a.name);
	const items = eventsFor(k ? k.objects<EventObject>('Event') : [], scope, now, { maxAgeS: MAX_AGE_S, limit: LIMIT });
	return { id: a.id, name: a.name, conditions: a.conditions, last_decision: lastDecision(items, a.conditions), items };
}
