// The built-in scraper's PromQL functions against Prometheus itself: the same samples
// are written into a TSDB with `promtool tsdb create-blocks-from openmetrics`, a
// Prometheus is started on it, and increase()/rate()/histogram_quantile() it answers
// are compared with extrapolatedIncrease()/histogramQuantile() over those samples —
// counter resets, a series starting inside the range, uneven spacing, empty and +Inf
// buckets, non-monotonic buckets and no observations included.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extrapolatedIncrease, histogramQuantile } from '../src/lib/core/series/functions';
import { startPrometheus, type RunningPrometheus } from './helpers/prometheus';

// Three hours ago, whole minutes: inside the default retention, outside the head block.
const T0 = Math.floor((Date.now() / 1000 - 3 * 3600) / 60) * 60;

/** Counter series: [seconds after T0, value]. */
const COUNTERS: Record<string, [number, number][]> = {
	steady: Array.from({ length: 41 }, (_, i) => [i * 15, i * 4] as [number, number]),
	resets: [0, 15, 30, 45, 60, 75, 90, 105, 120, 135, 150, 165, 180].map((t, i) => [t, [3, 8, 15, 15, 2, 6, 11, 0, 4, 9, 1, 1, 7][i]!] as [number, number]),
	uneven: [
		[0, 100],
		[14, 104],
		[31, 110],
		[45, 111],
		[62, 120],
		[90, 121],
		[95, 130],
		[130, 142]
	],
	born: [
		[100, 5],
		[115, 6],
		[130, 9],
		[145, 12]
	]
};

/** Histograms at T0 + 600 s: [le, cumulative count]. */
const HISTOGRAMS: Record<string, [string, number][]> = {
	normal: [
		['1', 10],
		['2', 20],
		['4', 40],
		['+Inf', 40]
	],
	gaps: [
		['1', 4],
		['3', 4],
		['10', 4],
		['30', 8],
		['+Inf', 10]
	],
	tail: [
		['5', 1],
		['10', 2],
		['+Inf', 10]
	],
	nonmonotonic: [
		['1', 10],
		['2', 8],
		['5', 15],
		['+Inf', 20]
	],
	empty: [
		['1', 0],
		['5', 0],
		['+Inf', 0]
	],
	first: [
		['0.5', 7],
		['1', 8],
		['+Inf', 8]
	]
};

let dir: string;
let prom: RunningPrometheus;

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), 'rd-promql-'));
	const lines: string[] = [];
	for (const [name, samples] of Object.entries(COUNTERS)) {
		lines.push(`# TYPE c_${name} gauge`);
		for (const [t, v] of samples) lines.push(`c_${name} ${v} ${T0 + t}`);
	}
	for (const [name, buckets] of Object.entries(HISTOGRAMS)) {
		lines.push(`# TYPE h_${name} gauge`);
		for (const [le, v] of buckets) lines.push(`h_${name}{le="${le}"} ${v} ${T0 + 600}`);
	}
	lines.push('# EOF', '');
	writeFileSync(join(dir, 'input.om'), lines.join('\n'));
	const made = spawnSync('/usr/bin/promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', join(dir, 'input.om'), join(dir, 'tsdb')], { encoding: 'utf8' });
	if (made.status !== 0) throw new Error(`promtool failed: ${made.stderr}`);
	prom = await startPrometheus({ tsdbPath: join(dir, 'tsdb') });
	// Backfilled blocks are loaded at start; wait until the samples answer.
	const until = Date.now() + 30_000;
	while ((await prom.query('c_steady', T0 + 600)).length === 0) {
		if (Date.now() > until) throw new Error(`backfilled samples not queryable\n${prom.output()}`);
		await new Promise((r) => setTimeout(r, 300));
	}
}, 60_000);

afterAll(async () => {
	await prom?.remove();
	if (dir) rmSync(dir, { recursive: true, force: true });
});

async function promValue(expr: string, at: number): Promise<number | null> {
	const r = await prom.query(expr, at);
	if (r.length === 0) return null;
	const v = r[0]!.value[1];
	return v === 'NaN' ? NaN : v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v);
}

/** The samples Prometheus 2.x selects for [range] at `at`: start ≤ t ≤ end. */
function select(samples: [number, number][], at: number, range: number) {
	const inRange = samples.map(([t, v]) => [T0 + t, v] as const).filter(([t]) => t >= at - range && t <= at);
	return { times: inRange.map(([t]) => t * 1000), values: inRange.map(([, v]) => v) };
}

describe('increase() and rate() as Prometheus computes them', () => {
	const cases: [string, number, number][] = [];
	for (const name of Object.keys(COUNTERS)) for (const at of [60, 97, 135, 150, 180]) for (const range of [30, 60, 90, 300]) cases.push([name, at, range]);

	it.each(cases)('%s at T0+%ss over [%ss]', async (name, atOffset, range) => {
		const at = T0 + atOffset;
		const s = select(COUNTERS[name]!, at, range);
		const mine = extrapolatedIncrease(s.times, s.values, (at - range) * 1000, at * 1000);
		const theirs = await promValue(`increase(c_${name}[${range}s])`, at);
		// The steady and reset counters have samples in every one of these ranges: a real comparison, not null = null.
		if (name === 'steady' || name === 'resets') expect(theirs).not.toBeNull();
		if (theirs === null) expect(mine).toBeNull();
		else expect(mine).toBeCloseTo(theirs, 9);
		const rate = await promValue(`rate(c_${name}[${range}s])`, at);
		const mineRate = extrapolatedIncrease(s.times, s.values, (at - range) * 1000, at * 1000, true);
		if (rate === null) expect(mineRate).toBeNull();
		else expect(mineRate).toBeCloseTo(rate, 12);
	});
});

describe('histogram_quantile() as Prometheus computes it', () => {
	const cases: [string, number][] = [];
	for (const name of Object.keys(HISTOGRAMS)) for (const q of [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1]) cases.push([name, q]);

	it.each(cases)('%s, q=%s', async (name, q) => {
		const buckets = HISTOGRAMS[name]!.map(([le, count]) => ({ le: le === '+Inf' ? Infinity : Number(le), count }));
		const mine = histogramQuantile(q, buckets);
		const theirs = await promValue(`histogram_quantile(${q}, h_${name})`, T0 + 600);
		expect(theirs).not.toBeNull();
		if (Number.isNaN(theirs)) expect(mine).toBeNaN();
		else expect(mine).toBeCloseTo(theirs!, 12);
	});
});
