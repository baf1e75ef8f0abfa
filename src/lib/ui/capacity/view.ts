// How the capacity pages read the API: windows from the URL, per-forge rows, chart
// series per panel, autoscaler summaries, and links between capacity and the fleet.
import type { MetricView } from '$lib/core/autoscalers/views';
import { FORGES, type Forge } from '$lib/core/runner';
import type { components } from '$lib/api/schema';
import { WINDOWS, type CapacityGroup, type CapacitySeries, type CapacitySnapshot, type CapacitySourceKind, type CapacityWindow, type PanelId, type PanelInfo } from '$lib/core/capacity/types';
import type { ChartSeries, ChartUnit } from '$lib/ui/charts/series';

export type { Forge };
export const FORGE_NAMES: Record<Forge, string> = { gitlab: 'GitLab', github: 'GitHub' };
export const FORGE_LIST: readonly Forge[] = FORGES;

/** The panels in the order the pages show them (the API's `panels` carries their text). */
export const PANEL_ORDER: PanelId[] = ['pending', 'running', 'wait_p50_s', 'wait_p95_s', 'saturation', 'duration_p50_s', 'duration_p95_s', 'jobs_per_minute', 'failures'];

/** Column headings for the dense tables (the full title is the heading's tooltip). */
export const SHORT_TITLES: Record<PanelId, string> = {
	pending: 'Pending',
	running: 'Running',
	wait_p50_s: 'Wait p50',
	wait_p95_s: 'Wait p95',
	saturation: 'Saturation',
	duration_p50_s: 'Duration p50',
	duration_p95_s: 'Duration p95',
	jobs_per_minute: 'Jobs/min',
	failures: 'Failed'
};

/** Seconds between refreshes: one scrape interval. */
export const REFRESH_MS = 15_000;

export type Autoscaler = components['schemas']['Autoscaler'];

/** The window named in the URL, or 1h. */
export function windowOf(param: string | null): CapacityWindow {
	return (WINDOWS as readonly string[]).includes(param ?? '') ? (param as CapacityWindow) : '1h';
}

/** How the UI names a source kind. */
export function sourceName(kind: CapacitySourceKind | null): string {
	return kind === 'prometheus' ? 'Prometheus' : kind === 'scraper' ? 'built-in scraper' : 'no source';
}

/** Key of a row or series: `gitlab` for the forge as a whole, `gitlab/docker` for a group. */
export function seriesKey(forge: string, group: string | null): string {
	return group === null ? forge : `${forge}/${group}`;
}

export function groupLabel(forge: Forge, group: string | null): string {
	return group ?? `all ${FORGE_NAMES[forge]}`;
}

/** A forge's rows: its total first, then its runner types / scale sets by name. */
export function rowsOf(items: CapacityGroup[], forge: Forge): CapacityGroup[] {
	const mine = items.filter((i) => i.forge === forge);
	return [...mine.filter((i) => i.group === null), ...mine.filter((i) => i.group !== null).sort((a, b) => a.group!.localeCompare(b.group!))];
}

/** A panel's value on a row (failures summed over reasons); null when the source has none. */
export function valueOf(row: CapacityGroup, panel: PanelId): number | null {
	if (panel === 'failures') {
		const all = Object.values(row.failures);
		return all.length ? all.reduce((a, b) => a + b, 0) : 0;
	}
	return row[panel];
}

/** Failures by reason as text, biggest first: `script_failure 4, runner_system_failure 1`. */
export function failureReasons(f: Record<string, number>): string {
	return Object.entries(f)
		.filter(([, n]) => n > 0)
		.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
		.map(([r, n]) => `${r} ${Number(n.toFixed(1))}`)
		.join(', ');
}

export function chartUnit(unit: PanelInfo['unit']): ChartUnit {
	return unit;
}

/** The chart series of one forge (and optionally one group) from a panel's series. */
export function chartSeries(series: CapacitySeries[], forge: Forge, group?: string): ChartSeries[] {
	return series
		.filter((s) => s.forge === forge && (group === undefined || s.group === group))
		.sort((a, b) => (a.group === null ? -1 : b.group === null ? 1 : a.group.localeCompare(b.group)))
		.map((s) => ({ key: seriesKey(s.forge, s.group), label: groupLabel(forge, s.group), points: s.points }));
}

/** Panel text by id, in page order, from the snapshot (nothing shown for a panel the API does not describe). */
export function panelsOf(snapshot: Pick<CapacitySnapshot, 'panels'> | null): PanelInfo[] {
	const byId = new Map((snapshot?.panels ?? []).map((p) => [p.id, p]));
	return [...PANEL_ORDER.filter((id) => byId.has(id)).map((id) => byId.get(id)!), ...(snapshot?.panels ?? []).filter((p) => !PANEL_ORDER.includes(p.id))];
}

/** The per-runner-type page of a group. */
export function capacityHref(forge: string, group: string, window?: CapacityWindow): string {
	return `/capacity/${encodeURIComponent(forge)}/${encodeURIComponent(group)}${window && window !== '1h' ? `?window=${window}` : ''}`;
}

/** The fleet filtered to a group: GitLab runners tagged with the runner type, or a scale set's runners. */
export function fleetHref(forge: string, group: string): string {
	return forge === 'github' ? `/fleet?forge=github&scale_set=${encodeURIComponent(group)}` : `/fleet?forge=gitlab&tag=${encodeURIComponent(group)}`;
}

/** A metric against its target as text: `18.5 / 12 per pod`, `92 % / 80 %`, `— / 20`. */
export function metricText(m: MetricView): string {
	const n = (v: number | null) => (v === null ? '—' : String(Number(v.toFixed(2))));
	if (m.unit === 'percent') return `${n(m.current)} % / ${n(m.target)} %`;
	return `${n(m.current)} / ${n(m.target)}${m.target_type === 'AverageValue' ? ' per pod' : ''}`;
}

/** A metric's name with what it selects: `gitlab_ci_jobs{runner_type=docker}`. */
export function metricName(m: MetricView): string {
	return m.qualifier ? `${m.name}{${m.qualifier}}` : m.name;
}

/** Replica-history chart series: one line per autoscaler (current), or for one autoscaler current, desired and max. */
export function replicaSeries(items: Autoscaler[], detail = false): ChartSeries[] {
	if (detail && items.length === 1) {
		const a = items[0]!;
		return [
			{ key: `${a.id}/current`, label: 'current', points: a.history.map((p) => [p[0], p[1]]) },
			{ key: `${a.id}/desired`, label: 'desired', points: a.history.map((p) => [p[0], p[2]]) },
			{ key: `${a.id}/max`, label: 'max', points: a.history.map((p) => [p[0], p[3]]), reference: true }
		];
	}
	return items.map((a) => ({ key: a.id, label: `${a.name} (current)`, points: a.history.map((p) => [p[0], p[1]]) }));
}

/** Conditions worth a glance: every False condition and ScalingLimited when True. */
export function notableConditions(a: Pick<Autoscaler, 'conditions'>): Autoscaler['conditions'] {
	return a.conditions.filter((c) => (c.type === 'ScalingLimited' ? c.status === 'True' : c.status !== 'True'));
}

/** The change form for the autoscaler's stack, its maximum's variable prefilled half as high again (at least one more). */
export function raiseMaxHref(a: Pick<Autoscaler, 'max' | 'max_variable'>): string | null {
	const v = a.max_variable;
	if (!v) return null;
	const raised = Math.max(a.max + 1, Math.ceil(a.max * 1.5));
	return `/stacks/${encodeURIComponent(v.stack)}/${encodeURIComponent(v.env)}?${new URLSearchParams({ set: v.variable, value: String(raised) })}`;
}
