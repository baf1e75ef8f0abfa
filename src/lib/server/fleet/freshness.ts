import type { Runner } from '$lib/core/runner';
import { app } from '../app';

export type RunnerView = Runner & { stale: boolean; data_age_s: number | null };

/** Marks each runner with its source's data age, so stale data is never shown as live. */
export function withFreshness(runners: Runner[]): RunnerView[] {
	const { sources, fleet } = app();
	const bySource = new Map(sources.list((s) => fleet.countBySource(s)).map((s) => [s.name, s]));
	return runners.map((r) => {
		const s = bySource.get(r.source);
		return { ...r, stale: s?.stale ?? true, data_age_s: s?.data_age_s ?? null };
	});
}

/** Marks any item that names its source with that source's freshness. */
export function withSourceFreshness<T extends { source: string }>(item: T): T & { stale: boolean; data_age_s: number | null } {
	const { sources, fleet } = app();
	const s = sources.list((n) => fleet.countBySource(n)).find((x) => x.name === item.source);
	return { ...item, stale: s?.stale ?? true, data_age_s: s?.data_age_s ?? null };
}
