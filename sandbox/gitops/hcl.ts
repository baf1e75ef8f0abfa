// Writing HCL the way `tofu fmt` lays it out: two-space indents, `=` aligned within a
// run of single-line attributes, strings quoted with HCL's escapes (so a value with a
// quote, a newline or `${` stays one string and never becomes syntax).

export type HclValue = string | number | boolean | readonly HclValue[] | { readonly [k: string]: HclValue };

/** A quoted HCL string literal: `\`, `"`, control characters, and template openers escaped. */
export function hclString(s: string): string {
	const body = s
		.replace(/\\/g, '\\\\')
		.replace(/"/g, '\\"')
		.replace(/\n/g, '\\n')
		.replace(/\r/g, '\\r')
		.replace(/\t/g, '\\t')
		// A function replacement: in a replacement string `$$` would stand for one `$`.
		.replace(/\$\{/g, () => '$${')
		.replace(/%\{/g, '%%{');
	return `"${body}"`;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function key(k: string): string {
	return IDENT.test(k) ? k : hclString(k);
}

function isObject(v: HclValue): v is { readonly [k: string]: HclValue } {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether a value fits on one line (scalars, and lists/objects of scalars). */
function flat(v: HclValue): boolean {
	if (Array.isArray(v)) return v.every((x) => typeof x !== 'object');
	if (isObject(v)) return Object.values(v).every((x) => typeof x !== 'object');
	return true;
}

/** One value as HCL; nested lists and objects break over lines at `indent`. */
export function hclValue(v: HclValue, indent = ''): string {
	if (typeof v === 'string') return hclString(v);
	if (typeof v === 'number' || typeof v === 'boolean') return String(v);
	const inner = `${indent}  `;
	if (Array.isArray(v)) {
		if (v.length === 0) return '[]';
		if (flat(v)) return `[${v.map((x) => hclValue(x)).join(', ')}]`;
		return `[\n${v.map((x) => `${inner}${hclValue(x, inner)},`).join('\n')}\n${indent}]`;
	}
	const entries = Object.entries(v);
	if (entries.length === 0) return '{}';
	if (flat(v) && entries.length <= 6) return `{ ${entries.map(([k, x]) => `${key(k)} = ${hclValue(x)}`).join(', ')} }`;
	return `{\n${attributes(entries, inner)}\n${indent}}`;
}

/** `name = value` lines with `=` aligned across consecutive single-line values, as `tofu fmt` does. */
export function attributes(entries: readonly (readonly [string, HclValue])[], indent = ''): string {
	const rendered = entries.map(([k, v]) => ({ k: key(k), v: hclValue(v, indent) }));
	const lines: string[] = [];
	let run: { k: string; v: string }[] = [];
	const flush = () => {
		const width = Math.max(0, ...run.map((r) => r.k.length));
		for (const r of run) lines.push(`${indent}${r.k.padEnd(width)} = ${r.v}`);
		run = [];
	};
	for (const r of rendered) {
		run.push(r);
		// A multi-line value ends an alignment group.
		if (r.v.includes('\n')) flush();
	}
	flush();
	return lines.join('\n');
}
