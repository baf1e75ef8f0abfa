// Prometheus text exposition (0.0.4) to samples. Comments, HELP and TYPE lines are skipped.

export interface Sample {
	name: string;
	labels: Record<string, string>;
	value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;

function unescape(v: string): string {
	// Most values have nothing escaped; a replace with a callback per value is most of a label's cost.
	if (!v.includes('\\')) return v;
	return v.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(v: string): number {
	if (v === '+Inf') return Infinity;
	if (v === '-Inf') return -Infinity;
	return Number(v);
}

export interface Parsed {
	samples: Sample[];
	malformed: number;
}

/** Parses an exposition body; malformed lines are counted, not fatal. */
export function parseExposition(text: string): Parsed {
	return parseLines(text.split('\n'), 0, Infinity, { samples: [], malformed: 0 });
}

/** The metric name a sample line starts with (up to its labels or value). */
function nameOf(line: string): string {
	let end = 0;
	while (end < line.length) {
		const c = line.charCodeAt(end);
		if (c === 123 /* { */ || c === 32 || c === 9) break;
		end++;
	}
	return line.slice(0, end);
}

/**
 * Parses lines[from, to) into `into` (a large body is parsed in slices by the scraper, which
 * yields between them). With `keep`, only samples of the families it accepts are parsed:
 * an exporter's other families can be most of its lines.
 */
export function parseLines(lines: readonly string[], from: number, to: number, into: Parsed, keep?: (name: string) => boolean): Parsed {
	const { samples } = into;
	let malformed = 0;
	const end = Math.min(to, lines.length);
	for (let i = from; i < end; i++) {
		const raw = lines[i]!;
		const line = raw.trim();
		if (!line || line.startsWith('#')) continue;
		if (keep && !keep(nameOf(line))) continue;
		const m = LINE.exec(line);
		if (!m) {
			malformed++;
			continue;
		}
		const labels: Record<string, string> = {};
		if (m[2]) {
			LABEL.lastIndex = 0;
			let consumed = 0;
			for (let l = LABEL.exec(m[2]); l; l = LABEL.exec(m[2])) {
				labels[l[1]!] = unescape(l[2]!);
				consumed = LABEL.lastIndex;
			}
			if (consumed !== m[2].length) {
				malformed++;
				continue;
			}
		}
		const value = parseValue(m[3]!);
		if (Number.isNaN(value) && m[3] !== 'NaN') {
			malformed++;
			continue;
		}
		samples.push({ name: m[1]!, labels, value });
	}
	into.malformed += malformed;
	return into;
}

/** ARC listener gauges per scale set (`namespace/name`): jobs assigned to it and jobs running on it. */
export function arcListenerJobs(samples: Sample[]): Map<string, { assigned: number; running: number }> {
	const out = new Map<string, { assigned: number; running: number }>();
	for (const s of samples) {
		if (s.name !== 'gha_assigned_jobs' && s.name !== 'gha_running_jobs') continue;
		const key = `${s.labels.namespace ?? ''}/${s.labels.name ?? ''}`;
		const e = out.get(key) ?? { assigned: 0, running: 0 };
		if (s.name === 'gha_assigned_jobs') e.assigned = s.value;
		else e.running = s.value;
		out.set(key, e);
	}
	return out;
}
