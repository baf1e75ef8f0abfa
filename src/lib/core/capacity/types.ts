// The capacity model behind /api/v1/capacity and /api/v1/capacity/series, computed
// alike from Prometheus or from the built-in scraper's window. The schemas are the
// API's contract: types, OpenAPI and the typed client come from them.
import { z } from 'zod';
import { forgeSchema } from '../runner';

export const WINDOWS = ['1h', '6h', '24h', '7d'] as const;
export const windowSchema = z.enum(WINDOWS);
export type CapacityWindow = z.infer<typeof windowSchema>;

export const PANEL_ID_LIST = [
	'pending',
	'running',
	'wait_p50_s',
	'wait_p95_s',
	'saturation',
	'duration_p50_s',
	'duration_p95_s',
	'jobs_per_minute',
	'failures'
] as const;
export const panelIdSchema = z.enum(PANEL_ID_LIST);
export type PanelId = z.infer<typeof panelIdSchema>;

/** The length of each window. */
export const WINDOW_SECONDS: Record<CapacityWindow, number> = { '1h': 3600, '6h': 6 * 3600, '24h': 24 * 3600, '7d': 7 * 24 * 3600 };

export const panelInfoSchema = z.object({
	id: panelIdSchema,
	title: z.string(),
	unit: z.enum(['jobs', 'seconds', 'ratio', 'jobs/min']),
	/** One or two sentences: what the metric measures. */
	description: z.string(),
	/** Its known caveat (what it excludes, when it resets). */
	caveat: z.string()
});
export type PanelInfo = z.infer<typeof panelInfoSchema>;

export const capacitySourceSchema = z.enum(['prometheus', 'scraper']);
export type CapacitySourceKind = z.infer<typeof capacitySourceSchema>;

const measure = z.number().nullable();

/** One forge as a whole (`group` null) or one runner type (GitLab) / scale set (ARC). */
export const capacityGroupSchema = z.object({
	forge: forgeSchema,
	kind: z.enum(['forge', 'runner_type', 'scale_set']),
	group: z.string().nullable().meta({ description: 'Runner type (GitLab) or scale set (ARC); null for the forge total.' }),
	pending: measure,
	running: measure,
	wait_p50_s: measure,
	wait_p95_s: measure,
	saturation: measure,
	duration_p50_s: measure,
	duration_p95_s: measure,
	jobs_per_minute: measure,
	failures: z.record(z.string(), z.number()).meta({ description: 'Failed jobs over the window by failure_reason (GitLab) or job_result (ARC).' })
});
export type CapacityGroup = z.infer<typeof capacityGroupSchema>;

/** Where the values came from and how fresh they are; shared by snapshots and series. */
const freshness = {
	source: capacitySourceSchema.nullable().meta({ description: 'Which source fed the values; null when none is configured.' }),
	as_of: z.string().nullable().meta({ description: 'When the values were measured (the evaluation time).' }),
	age_s: z.number().int().nullable().meta({ description: 'Seconds since as_of.' }),
	stale: z.boolean().meta({ description: 'True when the source is failing or slow and these are the last good values.' }),
	error: z.string().nullable().meta({ description: 'Why the source did not answer (with stale), or why there are no values.' }),
	note: z
		.string()
		.nullable()
		.optional()
		.meta({ description: 'What limits the values without being a failure, e.g. a window longer than the built-in scraper keeps.' })
};

export const capacitySnapshotSchema = z.object({
	window: windowSchema,
	...freshness,
	covered_s: z
		.number()
		.nullable()
		.optional()
		.meta({ description: 'Seconds of data behind rates, quantiles and failures: the window, or less while the built-in scraper fills it.' }),
	panels: z.array(panelInfoSchema),
	items: z.array(capacityGroupSchema)
});
export type CapacitySnapshot = z.infer<typeof capacitySnapshotSchema>;

export const capacitySeriesSchema = z.object({
	forge: forgeSchema,
	group: z.string().nullable(),
	/** [unix seconds, value]; null where the source has no sample. */
	points: z.array(z.tuple([z.number().int(), z.number().nullable()])).meta({ description: '[unix seconds, value or null]' })
});
export type CapacitySeries = z.infer<typeof capacitySeriesSchema>;

export const capacitySeriesResponseSchema = z.object({
	panel: panelIdSchema,
	window: windowSchema,
	step_s: z.number().int(),
	range_s: z.number().int().meta({ description: 'Seconds each rate, increase or quantile point looks back over (max(step, 60 s)).' }),
	...freshness,
	series: z.array(capacitySeriesSchema)
});
export type CapacitySeriesResponse = z.infer<typeof capacitySeriesResponseSchema>;
