import type { Runner } from '$lib/core/runner';
import { app } from '../app';

export type Fresh<T> = T & { stale: boolean; data_age_s: number | null };
export type RunnerView = Fresh<Runner>;

/** Marks each item with its source's data age, so stale data is never shown as live. */
export function withFreshness<T extends { source: string }>(items: T[]): Fresh<T>[] {
	const { sources, fleet } = app();
	const bySource = new Map(sources.list((s) => fleet.countBySource(s)).map((s) => [s.name, s]));
	return items.map((item) => {
		const s = bySource.get(item.source);
		return { ...item, stale: s?.stale ?? true, data_age_s: s?.data_age_s ?? null };
	});
}
