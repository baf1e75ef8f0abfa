// Prometheus answers to panel queries (panels.ts) → capacity rows and chart series.
import type { Forge } from '../runner';
import { groupKind, groupOfResult, reasonLabelOf, type GroupLabels } from './panels';
import type { CapacityGroup, CapacitySeries, PanelId } from './types';

export interface InstantAnswer {
	forge: Forge;
	panel: PanelId;
	result: { metric: Record<string, string>; value: number }[];
}

export interface RangeAnswer {
	forge: Forge;
	result: { metric: Record<string, string>; values: [number, number][] }[];
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

function emptyRow(forge: Forge, group: string | null): CapacityGroup {
	return {
		forge,
		kind: group === null ? 'forge' : groupKind(forge),
		group,
		pending: null,
		running: null,
		wait_p50_s: null,
		wait_p95_s: null,
		saturation: null,
		duration_p50_s: null,
		duration_p95_s: null,
		jobs_per_minute: null,
		failures: {}
	};
}

/** Orders rows: GitLab before GitHub, each forge's total first, then its groups by name. */
export function compareRows(a: Pick<CapacityGroup, 'forge' | 'group'>, b: Pick<CapacityGroup, 'forge' | 'group'>): number {
	if (a.forge !== b.forge) return a.forge === 'gitlab' ? -1 : 1;
	if (a.group === null || b.group === null) return a.group === null ? (b.group === null ? 0 : -1) : 1;
	return a.group.localeCompare(b.group);
}

/** One row per forge total and per group found in any answer; a panel without a value for a row stays null. */
export function rowsFromAnswers(answers: readonly InstantAnswer[], labels: GroupLabels): CapacityGroup[] {
	const rows = new Map<string, CapacityGroup>();
	for (const a of answers) {
		for (const r of a.result) {
			const group = groupOfResult(a.forge, a.panel, r.metric, labels);
			const id = `${a.forge}\u0000${group ?? ''}\u0000${group === null ? 'total' : 'group'}`;
			let row = rows.get(id);
			if (!row) {
				row = emptyRow(a.forge, group);
				rows.set(id, row);
			}
			if (a.panel === 'failures') {
				const reason = r.metric[reasonLabelOf(a.forge)] ?? '';
				const v = finite(r.value);
				if (v !== null) row.failures[reason] = (row.failures[reason] ?? 0) + v;
			} else {
				row[a.panel] = finite(r.value);
			}
		}
	}
	return [...rows.values()].sort(compareRows);
}

/** Aligned points for every step from `start` to `end`: a group's answers summed per step (failure reasons add up), null where none. */
export function seriesFromAnswers(answers: readonly RangeAnswer[], panel: PanelId, labels: GroupLabels, start: number, end: number, step: number): CapacitySeries[] {
	const steps = Math.floor((end - start) / step) + 1;
	const out = new Map<string, { forge: Forge; group: string | null; values: (number | null)[] }>();
	for (const a of answers) {
		for (const r of a.result) {
			const group = groupOfResult(a.forge, panel, r.metric, labels);
			const id = `${a.forge}\u0000${group ?? ''}\u0000${group === null ? 'total' : 'group'}`;
			let s = out.get(id);
			if (!s) {
				s = { forge: a.forge, group, values: new Array<number | null>(steps).fill(null) };
				out.set(id, s);
			}
			for (const [t, v] of r.values) {
				const i = Math.round((t - start) / step);
				const value = finite(v);
				if (i < 0 || i >= steps || value === null) continue;
				s.values[i] = (s.values[i] ?? 0) + value;
			}
		}
	}
	return [...out.values()]
		.sort(compareRows)
		.map((s) => ({ forge: s.forge, group: s.group, points: s.values.map((v, i) => [start + i * step, v] as [number, number | null]) }));
}
