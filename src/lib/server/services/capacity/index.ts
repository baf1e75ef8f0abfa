// Capacity panels for the API: from Prometheus when one is configured, else from the
// built-in scraper's window. Answers are cached per (source, window, panel) for a few
// seconds so a page's parallel panel requests share one upstream round trip; when the
// source fails or is slow, the last good values are served marked stale with their age.
import { messageOf } from '$lib/core/errors';
import { rowsFromAnswers, seriesFromAnswers } from '$lib/core/capacity/assemble';
import { snapshotFromWindow, seriesFromWindow } from '$lib/core/capacity/in-process';
import { FORGES, PANELS, PANEL_IDS, SERIES_STEP_S, panelQuery, seriesEndS, seriesRangeS, type GroupLabels } from '$lib/core/capacity/panels';
import {
	WINDOW_SECONDS,
	WINDOWS,
	type CapacityGroup,
	type CapacitySeries,
	type CapacitySeriesResponse,
	type CapacitySnapshot,
	type CapacitySourceKind,
	type CapacityWindow,
	type PanelId
} from '$lib/core/capacity/types';
import type { Forge } from '$lib/core/runner';
import { prometheusClient, type PrometheusClient } from '$lib/sources/prometheus/client';
import { AnswerCache } from './answers';
import type { Config } from '../../config';
import { Poller } from '../../sync/poller';
import type { SourceRegistry } from '../../sync/source-status';
import type { MetricsScraper } from '../../sync/metrics-scraper';
import { SCRAPER_SOURCE } from '../../sync/readers';
import type { Logger } from '../../telemetry/logger';
import type { Metrics } from '../../telemetry/metrics';

export const PROMETHEUS_SOURCE = 'prometheus';
const HEALTH_INTERVAL_MS = 15_000;

export interface CapacityService {
	/** Which source answers by default; null when none is configured. */
	readonly defaultSource: CapacitySourceKind | null;
	available(kind: CapacitySourceKind): boolean;
	snapshot(window: CapacityWindow, source?: CapacitySourceKind | null): Promise<CapacitySnapshot>;
	series(panel: PanelId, window: CapacityWindow, source?: CapacitySourceKind | null): Promise<CapacitySeriesResponse>;
	/** PromQL queries sent so far (instant and range). */
	readonly queriesSent: number;
	stop(): Promise<void>;
}

const NO_SOURCE =
	'No metrics source is configured: set metrics.prometheus, or metrics.scrape targets / http_sd for the built-in scraper (docs/configuration.md).';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const ageOf = (ms: number | null, now: number) => (ms === null ? null : Math.max(0, Math.round((now - ms) / 1000)));

/** When a Prometheus answer was measured and whether it is the last good one served while the source fails. */
function answered(r: { good?: { at: number }; error: string | null }, now: number) {
	const at = r.good?.at ?? null;
	return { as_of: iso(at), age_s: ageOf(at, now), stale: r.error !== null && r.good !== undefined, error: r.error };
}

export function startCapacity(
	config: Pick<Config, 'prometheus' | 'groupLabels'>,
	deps: { sources: SourceRegistry; metrics: Metrics; logger: Logger; scraper: MetricsScraper | null }
): CapacityService {
	const { sources, metrics, scraper } = deps;
	const labels: GroupLabels = config.groupLabels;
	let queriesSent = 0;
	let client: PrometheusClient | null = null;
	let health: Poller | null = null;
	if (config.prometheus) {
		const p = config.prometheus;
		client = prometheusClient({
			source: PROMETHEUS_SOURCE,
			url: p.url,
			timeoutMs: p.timeoutMs,
			authorization: p.authorization,
			observe: (outcome) => metrics.upstreamRequests.inc({ source: PROMETHEUS_SOURCE, outcome }),
			onQuery: () => queriesSent++
		});
		sources.register({ name: PROMETHEUS_SOURCE, kind: 'prometheus', url: p.url, simulated: false, intervalMs: HEALTH_INTERVAL_MS });
		const c = client;
		// A cheap probe keeps the source's status current while nobody looks at capacity.
		health = new Poller({
			name: PROMETHEUS_SOURCE,
			intervalMs: HEALTH_INTERVAL_MS,
			cycle: async () => {
				await c.raw('time()');
				sources.succeeded(PROMETHEUS_SOURCE);
			},
			onError: (e) => sources.failed(PROMETHEUS_SOURCE, messageOf(e))
		});
		health.start();
	}

	const track = async <T>(work: Promise<T>): Promise<T> => {
		try {
			const v = await work;
			sources.succeeded(PROMETHEUS_SOURCE);
			return v;
		} catch (e) {
			sources.failed(PROMETHEUS_SOURCE, messageOf(e));
			throw e;
		}
	};

	const snapshots = new AnswerCache<CapacityGroup[]>('Prometheus');
	// The scraper's answers change only with a new scrape: computed once per (window, panel) and slot.
	const fromWindow = new Map<string, { newest: number | null; value: unknown }>();
	const memo = <T>(key: string, compute: () => T): T => {
		const newest = scraper?.window.newest() ?? null;
		const hit = fromWindow.get(key);
		if (hit && hit.newest === newest) return hit.value as T;
		const value = compute();
		fromWindow.set(key, { newest, value });
		return value;
	};
	const seriesCache = new AnswerCache<CapacitySeries[]>('Prometheus');

	const defaultSource: CapacitySourceKind | null = client ? 'prometheus' : scraper ? 'scraper' : null;
	const available = (kind: CapacitySourceKind) => (kind === 'prometheus' ? client !== null : scraper !== null);

	/**
	 * Stale when the last scrape cycle reached no endpoint (it added no slot) or the newest
	 * slot is late; a cycle where only some endpoints failed still gives current values
	 * (the failed endpoints' groups have none), with the error.
	 */
	function scraperHealth(now: number): { stale: boolean; error: string | null } {
		const s = sources.list(now).find((x) => x.name === SCRAPER_SOURCE);
		const newest = scraper?.window.newest() ?? null;
		const failing = s?.status === 'down';
		const lastAttempt = s?.last_attempt ? Date.parse(s.last_attempt) : null;
		const missed = failing && lastAttempt !== null && (newest === null || lastAttempt - newest > 1_000);
		const late = newest !== null && now - newest > 3 * (scraper?.intervalMs ?? 0) + 5_000;
		if (missed || late) return { stale: true, error: s?.last_error ?? `the built-in scraper's last successful scrape is ${ageOf(newest, now)} s old` };
		return { stale: false, error: failing ? (s?.last_error ?? null) : null };
	}

	function coverageNote(window: CapacityWindow, covered: number | null): string | null {
		if (!scraper || covered === null) return null;
		const kept = Math.round((scraper.window.capacity - 1) * scraper.intervalMs / 1000);
		if (covered >= WINDOW_SECONDS[window] - 2 * (scraper.intervalMs / 1000)) return null;
		const h = (s: number) => (s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`);
		return `The built-in scraper keeps ${h(kept)} of history and has ${h(covered)}: rates, quantiles and failures cover only that, not the whole ${window}.`;
	}

	async function snapshot(window: CapacityWindow, source: CapacitySourceKind | null = defaultSource): Promise<CapacitySnapshot> {
		const now = Date.now();
		const base = { window, panels: [...PANELS] };
		if (source === null) return { ...base, source: null, as_of: null, age_s: null, stale: false, error: NO_SOURCE, items: [] };
		if (source === 'scraper') {
			const s = memo(`snapshot:${window}`, () => snapshotFromWindow(scraper!.window, window));
			const h = scraperHealth(now);
			return {
				...base,
				source,
				as_of: iso(s.at),
				age_s: ageOf(s.at, now),
				stale: h.stale,
				error: s.at === null ? (h.error ?? 'the built-in scraper has not completed a scrape yet') : h.error,
				covered_s: s.covered_s,
				note: coverageNote(window, s.covered_s),
				items: s.items
			};
		}
		const c = client!;
		const r = await snapshots.get(`snapshot:${window}`, async () => {
			const time = Math.floor(Date.now() / 1000);
			const jobs = FORGES.flatMap((forge) =>
				PANEL_IDS.map(async (panel) => ({ forge, panel, result: await c.query(panelQuery(panel, forge, WINDOW_SECONDS[window], labels), time) }))
			);
			const answers = await track(Promise.all(jobs));
			return { value: rowsFromAnswers(answers, labels), at: time * 1000 };
		});
		return {
			...base,
			source,
			...answered(r, now),
			covered_s: r.good ? WINDOW_SECONDS[window] : null,
			note: null,
			items: r.good?.value ?? []
		};
	}

	async function series(panel: PanelId, window: CapacityWindow, source: CapacitySourceKind | null = defaultSource): Promise<CapacitySeriesResponse> {
		const now = Date.now();
		const step = SERIES_STEP_S[window];
		const range = seriesRangeS(step);
		const base = { panel, window, step_s: step, range_s: range };
		if (source === null) return { ...base, source: null, as_of: null, age_s: null, stale: false, error: NO_SOURCE, series: [] };
		if (source === 'scraper') {
			const w = scraper!.window;
			const newest = w.newest();
			const s = memo(`series:${panel}:${window}`, () => seriesFromWindow(w, panel, window, newest ?? now, 2 * scraper!.intervalMs));
			const h = scraperHealth(now);
			const covered = newest === null ? null : Math.round((newest - (w.oldest() ?? newest)) / 1000);
			return {
				...base,
				source,
				as_of: iso(newest),
				age_s: ageOf(newest, now),
				stale: h.stale,
				error: newest === null ? (h.error ?? 'the built-in scraper has not completed a scrape yet') : h.error,
				note: coverageNote(window, covered),
				series: s.series
			};
		}
		const c = client!;
		const r = await seriesCache.get(`series:${panel}:${window}`, async () => {
			const end = seriesEndS(Date.now());
			const start = end - WINDOW_SECONDS[window];
			const answers = await track(
				Promise.all(FORGES.map(async (forge) => ({ forge, result: await c.queryRange(panelQuery(panel, forge, range, labels), start, end, step) })))
			);
			return { value: seriesFromAnswers(answers, panel, labels, start, end, step), at: end * 1000 };
		});
		return {
			...base,
			source,
			...answered(r, now),
			note: null,
			series: r.good?.value ?? []
		};
	}

	return {
		defaultSource,
		available,
		snapshot,
		series,
		get queriesSent() {
			return queriesSent;
		},
		async stop() {
			await health?.stop();
		}
	};
}

/** Keeps the rows (or series) of one forge and/or one group; a group filter drops the forge totals. */
export function filterGroups<T extends { forge: Forge; group: string | null }>(items: T[], forge?: Forge, group?: string): T[] {
	return items.filter((i) => (!forge || i.forge === forge) && (group === undefined || i.group === group));
}
