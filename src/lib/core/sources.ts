// A configured source as operators see it: is it answering, how old is its data.
import { z } from 'zod';

export const SOURCE_HEALTH = ['ok', 'degraded', 'down'] as const;
export type SourceHealth = (typeof SOURCE_HEALTH)[number];

export const sourceStateSchema = z.object({
	name: z.string(),
	kind: z.string().meta({ description: 'gitlab, github, kubernetes, prometheus, scraper or drift' }),
	/** The source's address without credentials or query string. */
	url: z.string(),
	simulated: z.boolean(),
	status: z.enum(SOURCE_HEALTH),
	last_success: z.string().nullable(),
	last_attempt: z.string().nullable(),
	last_error: z.string().nullable(),
	/** Seconds since the data was last refreshed; null before the first success. */
	data_age_s: z.number().int().nullable(),
	stale: z.boolean(),
	runners: z.number().int()
});
export type SourceState = z.infer<typeof sourceStateSchema>;
