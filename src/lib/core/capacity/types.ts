// The capacity model behind /api/v1/capacity and /api/v1/capacity/series,
// computed alike from Prometheus or from the built-in scraper's window.
import type { Forge } from '../runner';

export const WINDOWS = ['1h', '6h', '24h', '7d'] as const;
export type CapacityWindow = (typeof WINDOWS)[number];

/** The length of each window. */
export const WINDOW_SECONDS: Record<CapacityWindow, number> = { '1h': 3600, '6h': 6 * 3600, '24h': 24 * 3600, '7d': 7 * 24 * 3600 };

export type PanelId =
	| 'pending'
	| 'running'
	| 'wait_p50_s'
	| 'wait_p95_s'
	| 'saturation'
	| 'duration_p50_s'
	| 'duration_p95_s'
	| 'jobs_per_minute'
	| 'failures';

export interface PanelInfo {
	id: PanelId;
	title: string;
	unit: 'jobs' | 'seconds' | 'ratio' | 'jobs/min';
	/** One or two sentences: what the metric measures. */
	description: string;
	/** Its known caveat (what it excludes, when it resets). */
	caveat: string;
}

export type CapacitySourceKind = 'prometheus' | 'scraper';

/** One forge as a whole (`group` null) or one runner type (GitLab) / scale set (ARC). */
export interface CapacityGroup {
	forge: Forge;
	kind: 'forge' | 'runner_type' | 'scale_set';
	group: string | null;
	pending: number | null;
	running: number | null;
	wait_p50_s: number | null;
	wait_p95_s: number | null;
	saturation: number | null;
	duration_p50_s: number | null;
	duration_p95_s: number | null;
	jobs_per_minute: number | null;
	/** Failed jobs over the window by reason (GitLab failure_reason, ARC job_result). */
	failures: Record<string, number>;
}

export interface CapacitySnapshot {
	window: CapacityWindow;
	/** Seconds of data behind the windowed values; less than the window when the source keeps less (the built-in scraper). */
	covered_s?: number | null;
	/** What limits the values without being a failure, e.g. a window longer than the scraper keeps. */
	note?: string | null;
	/** Which source fed the values; null when none is configured. */
	source: CapacitySourceKind | null;
	/** When the values were measured; with `stale` and `age_s` when the source is failing. */
	as_of: string | null;
	age_s: number | null;
	stale: boolean;
	error: string | null;
	panels: PanelInfo[];
	items: CapacityGroup[];
}

export interface CapacitySeries {
	forge: Forge;
	group: string | null;
	/** [unix seconds, value]; null where the source has no sample. */
	points: [number, number | null][];
}

export interface CapacitySeriesResponse {
	panel: PanelId;
	window: CapacityWindow;
	step_s: number;
	source: CapacitySourceKind | null;
	as_of: string | null;
	stale: boolean;
	error: string | null;
	series: CapacitySeries[];
	/** Seconds each rate, increase or quantile point looks back over (max(step, 60 s)). */
	range_s?: number;
	/** Seconds since `as_of`; with `stale` when the source is failing. */
	age_s?: number | null;
	/** What limits the series without being a failure, e.g. a window longer than the scraper keeps. */
	note?: string | null;
}
