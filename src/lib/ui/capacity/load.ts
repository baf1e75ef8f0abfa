// One load for the capacity pages, through the JSON API (the same answers scripts get):
// the snapshot, one series request per panel, and the autoscalers with their history.
// A failing request becomes its error text on the page, never a broken page.
import type { CapacitySeriesResponse, CapacitySnapshot, CapacityWindow, PanelId } from '$lib/core/capacity/types';
import type { Forge } from '$lib/core/runner';
import { PANEL_ORDER, type Autoscaler } from './view';

export type Fetched<T> = { ok: true; body: T } | { ok: false; error: string };

type Fetch = typeof fetch;

export async function getJson<T>(fetch: Fetch, url: string): Promise<Fetched<T>> {
	try {
		const res = await fetch(url, { headers: { accept: 'application/json' } });
		const body = await res.json().catch(() => null);
		if (!res.ok) return { ok: false, error: body?.error?.message ?? `HTTP ${res.status}` };
		return { ok: true, body: body as T };
	} catch (e) {
		return { ok: false, error: (e as Error).message };
	}
}

export interface AutoscalerList {
	items: Autoscaler[];
	total: number;
	step_s: number;
}

export interface CapacityData {
	window: CapacityWindow;
	/** Unix seconds the page asked at: the right edge of every chart. */
	loadedAt: number;
	snapshot: Fetched<CapacitySnapshot>;
	series: Partial<Record<PanelId, Fetched<CapacitySeriesResponse>>>;
	autoscalers: Fetched<AutoscalerList>;
}

export function autoscalersUrl(window: CapacityWindow, scope: { forge?: Forge; group?: string } = {}): string {
	const q = new URLSearchParams({ window, per_page: '200' });
	if (scope.forge) q.set('forge', scope.forge);
	if (scope.group) q.set('group', scope.group);
	return `/api/v1/autoscalers?${q}`;
}

export async function loadCapacity(fetch: Fetch, window: CapacityWindow, scope: { forge?: Forge; group?: string } = {}): Promise<CapacityData> {
	const filter = new URLSearchParams({ window });
	if (scope.forge) filter.set('forge', scope.forge);
	if (scope.group) filter.set('group', scope.group);
	const [snapshot, autoscalers, ...series] = await Promise.all([
		getJson<CapacitySnapshot>(fetch, `/api/v1/capacity?${filter}`),
		getJson<AutoscalerList>(fetch, autoscalersUrl(window, scope)),
		...PANEL_ORDER.map((panel) => getJson<CapacitySeriesResponse>(fetch, `/api/v1/capacity/series?panel=${panel}&${filter}`))
	]);
	return {
		window,
		loadedAt: Math.floor(Date.now() / 1000),
		snapshot,
		autoscalers,
		series: Object.fromEntries(PANEL_ORDER.map((p, i) => [p, series[i]!]))
	};
}
