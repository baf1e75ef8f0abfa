// The drift answer for the API, the page and the CLI: the service's snapshot filtered
// by stack, environment, class and a search over object, field and variable.
import { z } from 'zod';
import { pagingFields } from '$lib/core/paging';
import { DRIFT_CLASSES, DRIFT_SEVERITIES, type DriftClass, type DriftSeverity } from '$lib/core/drift';
import type { DriftSnapshot, ServedDriftItem } from './service';

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'a stack or environment name');

export const driftQuery = z.strictObject({
	stack: name.optional(),
	env: name.optional(),
	class: z.enum(DRIFT_CLASSES).optional(),
	q: z.string().max(200).optional()
});
export type DriftQuery = z.infer<typeof driftQuery>;

export const driftHistoryQuery = z.strictObject({
	...pagingFields,
	stack: name.optional(),
	env: name.optional(),
	class: z.enum(DRIFT_CLASSES).optional(),
	state: z.enum(['open', 'resolved']).optional()
});

export interface DriftAnswer extends Omit<DriftSnapshot, 'items'> {
	items: ServedDriftItem[];
	total: number;
	/** Items before the filters. */
	unfiltered_total: number;
	summary: { by_class: Record<DriftClass, number>; by_severity: Record<DriftSeverity, number> };
}

/** Filters a snapshot; the summary counts what the filters kept. */
export function driftAnswer(s: DriftSnapshot, q: DriftQuery): DriftAnswer {
	const needle = q.q?.trim().toLowerCase();
	const items = s.items.filter(
		(i) =>
			(!q.stack || i.stack === q.stack) &&
			(!q.env || i.env === q.env) &&
			(!q.class || i.class === q.class) &&
			(!needle || [i.object, i.field, i.variable ?? '', i.location?.file ?? ''].some((t) => t.toLowerCase().includes(needle)))
	);
	const errors = s.errors.filter((e) => (!q.stack || e.stack === q.stack) && (!q.env || e.env === q.env));
	const by_class = Object.fromEntries(DRIFT_CLASSES.map((c) => [c, 0])) as Record<DriftClass, number>;
	const by_severity = Object.fromEntries(DRIFT_SEVERITIES.map((s) => [s, 0])) as Record<DriftSeverity, number>;
	for (const i of items) {
		by_class[i.class]++;
		by_severity[i.severity]++;
	}
	return { ...s, items, errors, total: items.length, unfiltered_total: s.items.length, summary: { by_class, by_severity } };
}
