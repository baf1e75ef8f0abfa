// What a time-series chart needs besides the canvas: series aligned on one time axis
// (uPlot's data shape), each series' latest value, and values written with their unit.

export type ChartUnit = 'jobs' | 'seconds' | 'ratio' | 'jobs/min' | 'replicas';

export interface ChartSeries {
	/** Stable key, also the `data-series` attribute, e.g. `gitlab/docker`. */
	key: string;
	label: string;
	/** [unix seconds, value]; null is a gap. */
	points: [number, number | null][];
	/** Draw as a reference line (dashed, thinner), e.g. an autoscaler's maximum. */
	reference?: boolean;
}

/** uPlot's aligned data: the sorted union of timestamps, then each series' values on it (null where it has none, a gap). */
export function alignSeries(series: ChartSeries[]): [number[], ...(number | null)[][]] {
	const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
	const at = new Map(xs.map((x, i) => [x, i]));
	const ys = series.map((s) => {
		const col: (number | null)[] = new Array(xs.length).fill(null);
		for (const [t, v] of s.points) col[at.get(t)!] = v === null || Number.isFinite(v) ? v : null;
		return col;
	});
	return [xs, ...ys];
}

/** The last point that has a value, or null when the series has none. */
export function latestPoint(points: [number, number | null][]): [number, number] | null {
	for (let i = points.length - 1; i >= 0; i--) {
		const [t, v] = points[i]!;
		if (v !== null && Number.isFinite(v)) return [t, v];
	}
	return null;
}

function trim(n: number, digits: number): string {
	return Number(n.toFixed(digits)).toString();
}

/** A value with its unit: `12 jobs`, `42 s`, `3.5 min`, `73 %`, `4.2 jobs/min`; `—` for no value. */
export function formatValue(v: number | null | undefined, unit: ChartUnit): string {
	if (v === null || v === undefined || !Number.isFinite(v)) return '—';
	switch (unit) {
		case 'seconds':
			if (Math.abs(v) < 90) return `${trim(v, v < 10 ? 1 : 0)} s`;
			if (Math.abs(v) < 90 * 60) return `${trim(v / 60, 1)} min`;
			return `${trim(v / 3600, 1)} h`;
		case 'ratio':
			return `${trim(v * 100, v < 0.1 ? 1 : 0)} %`;
		case 'jobs/min':
			return `${trim(v, v < 10 ? 2 : 1)} jobs/min`;
		case 'jobs':
			return `${trim(v, Number.isInteger(v) ? 0 : 1)} ${v === 1 ? 'job' : 'jobs'}`;
		case 'replicas':
			return trim(v, 0);
	}
}

/** A short axis tick for a unit (no unit word; the axis says it once). */
export function formatTick(v: number, unit: ChartUnit): string {
	if (unit === 'ratio') return `${trim(v * 100, 0)}%`;
	if (unit === 'seconds') return v >= 5400 ? `${trim(v / 3600, 1)} h` : v >= 90 ? `${trim(v / 60, 1)} min` : `${trim(v, 1)} s`;
	return trim(v, 2);
}

/** Tick steps for durations, so the axis reads 30 s, 1 min, 5 min, 1 h rather than 100 s steps. */
export const SECOND_INCREMENTS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400];

/** The y-axis label of a unit. */
export function unitLabel(unit: ChartUnit): string {
	return { jobs: 'jobs', seconds: 'time', ratio: 'busy share', 'jobs/min': 'jobs per minute', replicas: 'replicas' }[unit];
}

/** Dash pattern per series index, so series differ by more than colour. */
export const DASHES: number[][] = [[], [8, 4], [2, 3], [10, 3, 2, 3], [4, 4], [12, 6], [1, 3], [6, 2, 2, 2]];
export const PALETTE_SIZE = 8;

/** The CSS variable holding the colour of series `i` (theme-aware, in palette.css). */
export function colourVar(i: number): string {
	return `--series-${(i % PALETTE_SIZE) + 1}`;
}

export function dashOf(i: number): number[] {
	return DASHES[Math.floor(i / PALETTE_SIZE + i) % DASHES.length]!;
}
