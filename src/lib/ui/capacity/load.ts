// One load for the capacity pages, through the JSON API (the same answers scripts get):
// the snapshot, one series request per panel, and the autoscalers with their history.
// A failing request becomes its error text on the page, never a broken page.
import type { CapacitySeriesResponse, CapacitySnapshot, CapacityWindow, PanelId } from '$lib/core/capacity/types';
import type { Forge } from '$lib/core/runner';
import { api } from '$lib/api/client';
import type { components } from '$lib/api/schema';
import { outcome, type Outcome } from '$lib/ui/load';
import { PANEL_ORDER } from './view';

export type AutoscalerList = components['schemas']['Autoscaler'][];

export interface CapacityData {
	window: CapacityWindow;
	/** Unix seconds the page asked at: the right edge of every chart. */
	loadedAt: number;
	snapshot: Outcome<CapacitySnapshot>;
	series: Partial<Record<PanelId, Outcome<CapacitySeriesResponse>>>;
	autoscalers: Outcome<AutoscalerList>;
}

export interface Scope {
	forge?: Forge;
	group?: string;
}

/** The autoscalers of a scope with their replica history over the window. */
export async function loadAutoscalers(fetch: typeof globalThis.fetch, origin: string, window: CapacityWindow, scope: Scope = {}): Promise<Outcome<AutoscalerList>> {
	const r = await outcome(api(fetch, origin).GET('/api/v1/autoscalers', { params: { query: { window, per_page: 200, ...scope } } }));
	// openapi-fetch widens tuples to arrays; the document says [unix_s, current, desired, max].
	return r.ok ? { ok: true, body: r.body.items as AutoscalerList } : r;
}

export async function loadCapacity(fetch: typeof globalThis.fetch, origin: string, window: CapacityWindow, scope: Scope = {}): Promise<CapacityData> {
	const client = api(fetch, origin);
	const query = { window, ...scope };
	const [snapshot, autoscalers, ...series] = await Promise.all([
		outcome(client.GET('/api/v1/capacity', { params: { query } })),
		loadAutoscalers(fetch, origin, window, scope),
		...PANEL_ORDER.map((panel) => outcome(client.GET('/api/v1/capacity/series', { params: { query: { ...query, panel } } })))
	]);
	return {
		window,
		loadedAt: Math.floor(Date.now() / 1000),
		snapshot: snapshot as Outcome<CapacitySnapshot>,
		autoscalers,
		series: Object.fromEntries(PANEL_ORDER.map((p, i) => [p, series[i]!])) as CapacityData['series']
	};
}
