// Values written as canonical HCL. A string is always one quoted line in which
// nothing can be read as syntax: `\` `"` and control characters are escaped, `${`
// and `%{` are doubled into their literal forms, and every non-ASCII character is
// written as \uNNNN (or \UNNNNNNNN beyond the BMP), so invisible or
// direction-changing characters show up in review. Lists and objects stay on one
// line when short and flat, and otherwise break one element per line, the way
// `tofu fmt` lays them out (two-space indent, `=` aligned, trailing commas in lists).
import { isUnevaluated, type HclValue } from './values';

/** Longest single-line list or object, in characters. */
export const INLINE_WIDTH = 72;

// `${` and `%{` are doubled; a `$` or `%` right before one is written as an escape,
// since `$$${` reads differently in different HCL parsers.
const ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '${': '$${', '%{': '%%{', $: '\\u0024', '%': '\\u0025' };

function hex(n: number, width: number): string {
	return n.toString(16).toUpperCase().padStart(width, '0');
}

/** A quoted HCL string whose value is exactly `s`. */
export function hclString(s: string): string {
	const body = s.replace(/\$(?=\$\{)|%(?=%\{)|[\\"\x00-\x1f\x7f]|\$\{|%\{|[^\x00-\x7f]/gu, (m) => {
		const known = ESCAPES[m];
		if (known) return known;
		const cp = m.codePointAt(0)!;
		if (cp >= 0xd800 && cp <= 0xdfff) throw new Error('a lone surrogate cannot be written');
		return cp > 0xffff ? `\\U${hex(cp, 8)}` : `\\u${hex(cp, 4)}`;
	});
	return `"${body}"`;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Bare words that HCL would read as a literal or the start of a for expression.
const RESERVED = new Set(['true', 'false', 'null', 'for', 'in', 'if', 'else', 'endif', 'endfor']);

/** An object key: bare when it is a plain name, quoted otherwise. */
export function hclKey(k: string): string {
	return IDENT.test(k) && !RESERVED.has(k) ? k : hclString(k);
}

function isFlat(v: HclValue): boolean {
	if (Array.isArray(v)) return v.length === 0;
	if (v !== null && typeof v === 'object') return Object.keys(v).length === 0;
	return true;
}

/** `v` as HCL; a multi-line rendering indents its elements from `indent` and breaks lines with `eol`. */
export function renderValue(v: HclValue, indent = '', eol = '\n'): string {
	if (v === null) return 'null';
	if (typeof v === 'boolean') return String(v);
	if (typeof v === 'number') {
		if (!Number.isFinite(v)) throw new Error(`${v} cannot be written`);
		return decimalText(v);
	}
	if (typeof v === 'string') return hclString(v);
	if (isUnevaluated(v)) throw new Error('an expression cannot be written as a value');
	const inner = `${indent}  `;
	if (Array.isArray(v)) {
		if (v.length === 0) return '[]';
		if (v.every(isFlat)) {
			const line = `[${v.map((x) => renderValue(x)).join(', ')}]`;
			if (line.length <= INLINE_WIDTH) return line;
		}
		return `[${eol}${v.map((x) => `${inner}${renderValue(x, inner, eol)},`).join(eol)}${eol}${indent}]`;
	}
	const entries = Object.entries(v);
	if (entries.length === 0) return '{}';
	if (entries.every(([, x]) => isFlat(x))) {
		const line = `{ ${entries.map(([k, x]) => `${hclKey(k)} = ${renderValue(x)}`).join(', ')} }`;
		if (line.length <= INLINE_WIDTH) return line;
	}
	return `{${eol}${alignedLines(entries, inner, eol).join(eol)}${eol}${indent}}`;
}

/**
 * `name = value` lines with `=` aligned across each run of consecutive lines, a
 * multi-line value closing its run, as `tofu fmt` does. `firstWidth` pads the
 * first run to a given name width (to join an aligned group above it).
 */
export function alignedLines(entries: readonly (readonly [string, HclValue])[], indent: string, eol: string, firstWidth = 0): string[] {
	const rendered = entries.map(([k, x]) => ({ k: hclKey(k), v: renderValue(x, indent, eol) }));
	const lines: string[] = [];
	let run: { k: string; v: string }[] = [];
	let first = true;
	const flush = () => {
		const width = Math.max(first ? firstWidth : 0, ...run.map((r) => r.k.length));
		for (const r of run) lines.push(`${indent}${r.k.padEnd(width)} = ${r.v}`);
		run = [];
		first = false;
	};
	for (const r of rendered) {
		run.push(r);
		if (r.v.includes('\n')) flush();
	}
	if (run.length) flush();
	return lines;
}

/** A number in plain decimal notation (no exponent), as OpenTofu writes a number converted to a string. */
export function decimalText(n: number): string {
	const s = String(n + 0);
	const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
	if (!m) return s;
	const [, sign = '', int = '', frac = '', e = '0'] = m;
	const exp = Number(e);
	const digits = int + frac;
	if (exp >= frac.length) return sign + digits + '0'.repeat(exp - frac.length);
	if (exp >= 0) return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
	return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
}
