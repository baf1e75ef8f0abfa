import { z } from 'zod';
import type { SourceRegistry } from '../sync/source-status';

/** What every item served from a source's last good copy carries: whether it is stale and how old. */
export const freshnessFields = {
	stale: z.boolean().meta({ description: "True when the item's source is not answering and this is its last good copy." }),
	data_age_s: z.number().int().nullable().meta({ description: "Seconds since the item's source last answered; null before it ever did." })
};
export type Fresh<T> = T & { stale: boolean; data_age_s: number | null };

// A marked copy is kept while its item (never changed in place: a change is a new object)
// and its source's staleness and age stay the same: under load the same items are marked
// thousands of times a second, and copying each was a good part of a list request.
const marked = new WeakMap<object, Fresh<{ source: string }>>();

/** Marks each item with its source's data age, so stale data is never shown as live. */
export function withFreshness<T extends { source: string }>(sources: SourceRegistry, items: T[]): Fresh<T>[] {
	const bySource = sources.freshness();
	return items.map((item) => {
		const s = bySource.get(item.source);
		const stale = s?.stale ?? true;
		const age = s?.data_age_s ?? null;
		const kept = marked.get(item) as Fresh<T> | undefined;
		if (kept && kept.stale === stale && kept.data_age_s === age) return kept;
		const fresh = { ...item, stale, data_age_s: age };
		marked.set(item, fresh);
		return fresh;
	});
}
