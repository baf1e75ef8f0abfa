// The diff text of a drift item: applied is the reference side; one line for each
// side that differs from it (multi-line strings such as config.toml diff line by line).
import { displayQuantity, sameValue } from '../quantity';
import type { DriftClass } from './types';

/** Formats a value for a diff line. */
export function show(v: unknown): string {
	return JSON.stringify(v ?? null);
}

/** A drift value as operators read it (page, CLI): quantities as written (`1Gi`, `500m`), strings bare, `empty` for none. */
export function displayValue(field: string, v: unknown, empty = '—'): string {
	if (v === undefined || v === null) return empty;
	const d = displayQuantity(field, v);
	return typeof d === 'string' ? d : JSON.stringify(d);
}

/** The diff of one item's three values, quantities written as operators write them (`1Gi`, `500m`). */
export function driftDiff(cls: DriftClass, field: string, declared: unknown, applied: unknown, live: unknown): string {
	[declared, applied, live] = [declared, applied, live].map((v) => displayQuantity(field, v));
	if (cls === 'unmanaged') return `- declared: absent\n+ live:     exists`;
	if (cls === 'missing') return `- applied:  exists\n+ live:     absent`;
	const lines: string[] = [];
	const against = (label: string, v: unknown) => {
		if (typeof applied === 'string' && typeof v === 'string' && (applied.includes('\n') || v.includes('\n'))) lines.push(...lineDiff(applied, v, label));
		else lines.push(`- applied:  ${show(applied)}`, `+ ${`${label}:`.padEnd(9)} ${show(v)}`);
	};
	if (cls === 'unapplied') {
		against('declared', declared);
		if (live !== undefined && !sameValue(live, applied)) against('live', live);
	} else against('live', live);
	return [...new Set(lines)].join('\n');
}

// Only the changed lines, in order: a small LCS is enough for config files.
function lineDiff(a: string, b: string, label: string): string[] {
	const x = a.split('\n');
	const y = b.split('\n');
	const n = x.length;
	const m = y.length;
	if (n * m > 250_000) return [`- applied:  ${show(a)}`, `+ ${label}: ${show(b)}`];
	const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
	for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
	const out: string[] = [];
	let i = 0;
	let j = 0;
	while (i < n || j < m) {
		if (i < n && j < m && x[i] === y[j]) {
			i++;
			j++;
		} else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) out.push(`+ ${label}: ${y[j++]}`);
		else out.push(`- applied: ${x[i++]}`);
	}
	return out;
}
