// Prometheus text exposition (0.0.4) to samples. Comments, HELP and TYPE lines are skipped.

export interface Sample {
	name: string;
	labels: Record<string, string>;
	value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;

function unescape(v: string): string {
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

/** Parses lines[from, to) into `into` (a large body is parsed in slices by the scraper, which yields between them). */
export function parseLines(lines: readonly string[], from: number, to: number, into: Parsed): Parsed {
	const { samples } = into;
	let malformed = 0;
	const end = Math.min(to, lines.length);
	for (let i = from; i < end; i++) {
		const raw = lines[i]!;
		const line = raw.trim();
		if (!line || line.startsWith('#')) continue;
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
