// A strict parser of Prometheus text exposition 0.0.4, for the exporters' tests: it
// accepts only what a well-behaved exporter writes (HELP then TYPE per family, samples
// of the current family, escaped label values, no duplicate series) and checks
// histograms (ascending `le`, cumulative counts, `+Inf` last, `_count` equal to it).

export interface ParsedSample {
	name: string;
	labels: Record<string, string>;
	value: number;
}

export interface ParsedFamily {
	name: string;
	type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
	help: string;
	samples: ParsedSample[];
}

export class ExpositionError extends Error {}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function fail(lineNo: number, line: string, why: string): never {
	throw new ExpositionError(`line ${lineNo}: ${why}: ${line}`);
}

function parseValue(s: string): number | undefined {
	if (s === '+Inf' || s === 'Inf') return Infinity;
	if (s === '-Inf') return -Infinity;
	if (s === 'NaN') return NaN;
	if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
	return Number(s);
}

function unescapeHelp(s: string, lineNo: number, line: string): string {
	return s.replace(/\\(.)?/g, (_m, c: string | undefined) => {
		if (c === '\\') return '\\';
		if (c === 'n') return '\n';
		return fail(lineNo, line, `bad escape \\${c ?? ''} in HELP`);
	});
}

/** Parses `{a="x",b="y"}` at the start of `s`; returns labels and the rest. */
function parseLabels(s: string, lineNo: number, line: string): { labels: Record<string, string>; rest: string } {
	const labels: Record<string, string> = {};
	if (!s.startsWith('{')) return { labels, rest: s };
	let i = 1;
	for (;;) {
		if (s[i] === '}') {
			i++;
			break;
		}
		const m = LABEL.exec(s.slice(i));
		if (!m) fail(lineNo, line, 'bad label name');
		const key = m[0];
		i += key.length;
		if (s[i] !== '=' || s[i + 1] !== '"') fail(lineNo, line, `expected ="…" after ${key}`);
		i += 2;
		let v = '';
		for (;;) {
			const c = s[i];
			if (c === undefined) fail(lineNo, line, 'unterminated label value');
			if (c === '\n') fail(lineNo, line, 'raw newline in label value');
			if (c === '"') {
				i++;
				break;
			}
			if (c === '\\') {
				const n = s[i + 1];
				if (n === '\\') v += '\\';
				else if (n === '"') v += '"';
				else if (n === 'n') v += '\n';
				else fail(lineNo, line, `bad escape \\${n ?? ''} in label value`);
				i += 2;
				continue;
			}
			v += c;
			i++;
		}
		if (key in labels) fail(lineNo, line, `label ${key} repeated`);
		labels[key] = v;
		if (s[i] === ',') {
			i++;
			continue;
		}
		if (s[i] !== '}') fail(lineNo, line, 'expected , or } after label value');
		i++;
		break;
	}
	return { labels, rest: s.slice(i) };
}

const seriesKey = (name: string, labels: Record<string, string>) =>
	`${name}{${Object.keys(labels)
		.sort()
		.map((k) => `${k}=${JSON.stringify(labels[k])}`)
		.join(',')}}`;

export function parseExposition(text: string): Map<string, ParsedFamily> {
	const families = new Map<string, ParsedFamily>();
	if (text !== '' && !text.endsWith('\n')) throw new ExpositionError('exposition must end with a newline');
	const lines = text === '' ? [] : text.slice(0, -1).split('\n');
	let current: ParsedFamily | undefined;
	let pendingHelp: { name: string; help: string } | undefined;
	const seen = new Set<string>();
	lines.forEach((line, idx) => {
		const lineNo = idx + 1;
		if (line === '') fail(lineNo, line, 'empty line');
		if (line.startsWith('#')) {
			const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
			if (!m) fail(lineNo, line, 'comment that is neither HELP nor TYPE');
			const [, what, name, rest] = m as unknown as [string, string, string, string];
			if (families.has(name)) fail(lineNo, line, `family ${name} appears twice`);
			if (what === 'HELP') {
				if (pendingHelp) fail(lineNo, line, `HELP for ${pendingHelp.name} without TYPE`);
				pendingHelp = { name, help: unescapeHelp(rest, lineNo, line) };
				return;
			}
			if (!pendingHelp || pendingHelp.name !== name) fail(lineNo, line, 'TYPE without the HELP line before it');
			if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) fail(lineNo, line, `unknown type ${rest}`);
			current = { name, type: rest as ParsedFamily['type'], help: pendingHelp.help, samples: [] };
			families.set(name, current);
			pendingHelp = undefined;
			return;
		}
		if (pendingHelp) fail(lineNo, line, 'sample between HELP and TYPE');
		const nm = NAME.exec(line);
		if (!nm) fail(lineNo, line, 'bad metric name');
		const name = nm[0];
		const { labels, rest } = parseLabels(line.slice(name.length), lineNo, line);
		const vm = /^ (\S+)$/.exec(rest);
		if (!vm) fail(lineNo, line, 'expected one space and a value (no timestamps)');
		const value = parseValue(vm[1] as string);
		if (value === undefined) fail(lineNo, line, `bad value ${vm[1]}`);
		if (!current) fail(lineNo, line, 'sample before any TYPE');
		const allowed = current.type === 'histogram' ? [`${current.name}_bucket`, `${current.name}_sum`, `${current.name}_count`] : [current.name];
		if (!allowed.includes(name)) fail(lineNo, line, `sample ${name} inside family ${current.name}`);
		if (current.type === 'histogram' && (name.endsWith('_bucket') ? !('le' in labels) : 'le' in labels)) fail(lineNo, line, 'le only (and always) on _bucket');
		const key = seriesKey(name, labels);
		if (seen.has(key)) fail(lineNo, line, 'duplicate series');
		seen.add(key);
		current.samples.push({ name, labels, value });
	});
	if (pendingHelp) throw new ExpositionError(`HELP for ${pendingHelp.name} without TYPE`);
	for (const f of families.values()) {
		if (f.type === 'counter') for (const s of f.samples) if (!(s.value >= 0)) throw new ExpositionError(`${f.name}: negative counter`);
		if (f.type === 'histogram') checkHistogram(f);
	}
	return families;
}

function checkHistogram(f: ParsedFamily): void {
	const groups = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
	for (const s of f.samples) {
		const { le, ...rest } = s.labels;
		const key = seriesKey('', rest);
		const g = groups.get(key) ?? { buckets: [] };
		groups.set(key, g);
		if (s.name.endsWith('_bucket')) {
			const bound = parseValue(le as string);
			if (bound === undefined || Number.isNaN(bound)) throw new ExpositionError(`${f.name}: bad le ${le}`);
			g.buckets.push([bound, s.value]);
		} else if (s.name.endsWith('_sum')) g.sum = s.value;
		else g.count = s.value;
	}
	for (const [key, g] of groups) {
		const where = `${f.name}${key}`;
		if (g.buckets.length === 0) throw new ExpositionError(`${where}: no buckets`);
		for (let i = 1; i < g.buckets.length; i++) {
			const [pb, pc] = g.buckets[i - 1] as [number, number];
			const [b, c] = g.buckets[i] as [number, number];
			if (!(b > pb)) throw new ExpositionError(`${where}: le not ascending`);
			if (c < pc) throw new ExpositionError(`${where}: buckets not cumulative`);
		}
		const [lastLe, lastCount] = g.buckets[g.buckets.length - 1] as [number, number];
		if (lastLe !== Infinity) throw new ExpositionError(`${where}: last bucket is not +Inf`);
		if (g.count === undefined || g.sum === undefined) throw new ExpositionError(`${where}: _sum or _count missing`);
		if (g.count !== lastCount) throw new ExpositionError(`${where}: _count ${g.count} != +Inf bucket ${lastCount}`);
	}
}

/** Sum of a family's samples named `sample` (default: the family name) whose labels match `where`. */
export function sum(families: Map<string, ParsedFamily>, family: string, where: Record<string, string> = {}, sample = family): number {
	const f = families.get(family);
	if (!f) throw new Error(`no family ${family}`);
	let n = 0;
	for (const s of f.samples) {
		if (s.name !== sample) continue;
		if (Object.entries(where).every(([k, v]) => s.labels[k] === v)) n += s.value;
	}
	return n;
}

/** Every counter-like value of a scrape keyed by series (counters, histogram buckets, _sum and _count). */
export function monotonicSeries(families: Map<string, ParsedFamily>): Map<string, number> {
	const out = new Map<string, number>();
	for (const f of families.values()) {
		if (f.type !== 'counter' && f.type !== 'histogram') continue;
		for (const s of f.samples) out.set(seriesKey(s.name, s.labels), s.value);
	}
	return out;
}
