// Kubernetes quantities and the value normalisation drift compares on: `500m`
// and `0.5` are the same CPU, `1Gi` and `1024Mi` the same memory, `"4"` and 4 the
// same count, `"true"` and true the same flag.

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?\d+)|(n|u|m|k|M|G|T|P|E))?$/;

/** The value of a Kubernetes quantity in base units (`500m` → 0.5, `1Gi` → 1073741824), or null when it is not one (or absent). */
export function parseQuantity(input: string | number | null | undefined): number | null {
	if (typeof input === 'number') return Number.isFinite(input) ? input : null;
	if (typeof input !== 'string') return null;
	const m = QUANTITY.exec(input.trim());
	if (!m) return null;
	const [, num, binary, exp, decimal] = m;
	const n = Number(num);
	if (binary) return tidy(n * (BINARY[binary] ?? 1));
	const e = exp !== undefined ? Number(exp) : (DECIMAL[decimal ?? ''] ?? 0);
	// Dividing by an exact power of ten rounds once; multiplying by 1e-3 would round twice.
	return tidy(e < 0 ? n / 10 ** -e : n * 10 ** e);
}

// Quantities are exact decimals; drop the binary floating-point tail (0.30000000000000004).
function tidy(n: number): number {
	return Number.isInteger(n) ? n : Number(n.toPrecision(15));
}

/** True when the last segment of a field path names a resource quantity (cpu, memory, storage). */
export function isQuantityPath(path: string): boolean {
	const last = path.split(/[.#[\]]/).filter(Boolean).pop() ?? '';
	return /cpu|memory|storage/i.test(last);
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The comparable form of a value at a field path: quantities as numbers for
 * cpu/memory/storage fields, numeric strings as numbers, "true"/"false" as
 * booleans, undefined as null; arrays and objects element by element.
 */
export function normaliseValue(path: string, v: unknown): unknown {
	if (v === undefined || v === null) return null;
	if (Array.isArray(v)) return v.map((x, i) => normaliseValue(`${path}[${i}]`, x));
	if (typeof v === 'object') {
		const out: Record<string, unknown> = {};
		for (const [k, x] of Object.entries(v)) out[k] = normaliseValue(`${path}.${k}`, x);
		return out;
	}
	if (typeof v === 'string') {
		const s = v.trim();
		if (isQuantityPath(path)) {
			const q = parseQuantity(s);
			if (q !== null) return q;
		}
		if (NUMBER.test(s)) return tidy(Number(s));
		if (s === 'true' || s === 'false') return s === 'true';
		return v;
	}
	return v;
}

/** Deep equality of two normalised values (JSON data; object key order does not matter). */
export function sameValue(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
	if (Array.isArray(a) !== Array.isArray(b)) return false;
	if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
	const ka = Object.keys(a);
	const kb = Object.keys(b);
	if (ka.length !== kb.length) return false;
	return ka.every((k) => Object.hasOwn(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** How an operator writes a normalised quantity at a field path (1073741824 memory → `1Gi`, 0.5 cpu → `500m`); other values unchanged. */
export function displayQuantity(path: string, v: unknown): unknown {
	if (typeof v !== 'number' || !Number.isFinite(v) || !isQuantityPath(path)) return v;
	if (/cpu/i.test(path.split(/[.#[\]]/).filter(Boolean).pop() ?? '')) return Number.isInteger(v) ? String(v) : `${tidy(v * 1000)}m`;
	for (const unit of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const) {
		const size = BINARY[unit]!;
		if (v >= size && v % size === 0) return `${v / size}${unit}`;
	}
	for (const [unit, exp] of [['E', 18], ['P', 15], ['T', 12], ['G', 9], ['M', 6], ['k', 3]] as const) {
		if (v >= 10 ** exp && v % 10 ** exp === 0) return `${v / 10 ** exp}${unit}`;
	}
	return String(v);
}
