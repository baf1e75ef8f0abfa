// Prometheus text exposition format 0.0.4, written by hand (the sandbox mimics other
// programs' exporters, so it keeps its own tiny writer instead of a client library):
// metric families with HELP and TYPE, label values escaped, histograms as cumulative
// `_bucket` series ending in `le="+Inf"`, then `_sum` and `_count`.

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = Record<string, string>;
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'untyped';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export function escapeLabelValue(v: string): string {
	return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function escapeHelp(v: string): string {
	return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
	if (Number.isNaN(v)) return 'NaN';
	if (v === Infinity) return '+Inf';
	if (v === -Infinity) return '-Inf';
	return String(v);
}

export function formatLabels(labels: Labels): string {
	const keys = Object.keys(labels);
	if (keys.length === 0) return '';
	return `{${keys.map((k) => `${k}="${escapeLabelValue(labels[k] as string)}"`).join(',')}}`;
}

/** A stable key for a label set (label order as given). */
export function labelKey(labels: Labels): string {
	return Object.values(labels).join('\u0000');
}

/** Accumulates one scrape's text, family by family. */
export class Exposition {
	private lines: string[] = [];
	private seen = new Set<string>();

	/** Starts a family: its HELP and TYPE lines. Each family appears once per scrape. */
	family(name: string, type: MetricType, help: string): this {
		if (!METRIC_NAME.test(name)) throw new Error(`bad metric name ${name}`);
		if (this.seen.has(name)) throw new Error(`metric family ${name} written twice`);
		this.seen.add(name);
		this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
		return this;
	}

	sample(name: string, labels: Labels, value: number): this {
		for (const k of Object.keys(labels)) if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new Error(`bad label name ${k}`);
		this.lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
		return this;
	}

	/** A whole gauge or counter family. */
	simple(name: string, type: 'counter' | 'gauge', help: string, samples: Iterable<{ labels: Labels; value: number }>): this {
		this.family(name, type, help);
		for (const s of samples) this.sample(name, s.labels, s.value);
		return this;
	}

	/** A whole histogram family. */
	histogram(name: string, help: string, series: Iterable<HistogramSeries>): this {
		this.family(name, 'histogram', help);
		for (const h of series) h.write(this, name);
		return this;
	}

	text(): string {
		return this.lines.length ? `${this.lines.join('\n')}\n` : '';
	}
}

/** A counter or gauge value with its labels. */
export interface Sample {
	labels: Labels;
	value: number;
}

/** Monotonic counters keyed by label set. */
export class CounterVec {
	private series = new Map<string, Sample>();

	inc(labels: Labels, by = 1): void {
		const key = labelKey(labels);
		const s = this.series.get(key);
		if (s) s.value += by;
		else this.series.set(key, { labels, value: by });
	}

	get(labels: Labels): number {
		return this.series.get(labelKey(labels))?.value ?? 0;
	}

	samples(): Sample[] {
		return [...this.series.values()];
	}

	total(): number {
		let n = 0;
		for (const s of this.series.values()) n += s.value;
		return n;
	}
}

/** One histogram series: counts per bucket (not cumulative), sum in the unit observed. */
export class HistogramSeries {
	readonly counts: number[];
	count = 0;
	/** Kept in milliseconds (integers) so sums print without float noise; written in seconds. */
	sumMs = 0;

	constructor(
		readonly labels: Labels,
		readonly bounds: readonly number[]
	) {
		this.counts = new Array<number>(bounds.length).fill(0);
	}

	observeMs(ms: number): void {
		const s = ms / 1000;
		let i = 0;
		while (i < this.bounds.length && s > (this.bounds[i] as number)) i++;
		if (i < this.bounds.length) this.counts[i] = (this.counts[i] as number) + 1;
		this.count++;
		this.sumMs += ms;
	}

	write(out: Exposition, name: string): void {
		let cum = 0;
		for (let i = 0; i < this.bounds.length; i++) {
			cum += this.counts[i] as number;
			out.sample(`${name}_bucket`, { ...this.labels, le: formatValue(this.bounds[i] as number) }, cum);
		}
		out.sample(`${name}_bucket`, { ...this.labels, le: '+Inf' }, this.count);
		out.sample(`${name}_sum`, this.labels, this.sumMs / 1000);
		out.sample(`${name}_count`, this.labels, this.count);
	}
}

export class HistogramVec {
	private series = new Map<string, HistogramSeries>();

	constructor(readonly bounds: readonly number[]) {}

	observeMs(labels: Labels, ms: number): void {
		const key = labelKey(labels);
		let h = this.series.get(key);
		if (!h) {
			h = new HistogramSeries(labels, this.bounds);
			this.series.set(key, h);
		}
		h.observeMs(ms);
	}

	all(): HistogramSeries[] {
		return [...this.series.values()];
	}

	count(): number {
		let n = 0;
		for (const h of this.series.values()) n += h.count;
		return n;
	}
}
