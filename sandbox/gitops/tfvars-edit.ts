// Setting variables in a .tfvars text for the control API's commits ("someone changed
// this on main"): the value's expression is replaced where it stands (found with the
// same tree-sitter reader the applies use), a variable not set yet is appended, and
// everything else stays byte for byte.

import { hclValue, type HclValue } from './hcl.js';
import { readTfvarsNow } from './hcl-read.js';

export function setTfvars(text: string, file: string, values: Readonly<Record<string, HclValue>>): string {
	const found = readTfvarsNow(text, file);
	const edits = Object.entries(values)
		.filter(([name]) => found.has(name))
		.map(([name, v]) => ({ ...(found.get(name) as { start: number; end: number }), text: hclValue(v) }))
		.sort((a, b) => b.start - a.start);
	let out = text;
	for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
	const added = Object.entries(values).filter(([name]) => !found.has(name));
	if (added.length > 0) {
		if (out !== '' && !out.endsWith('\n')) out += '\n';
		out += added.map(([name, v]) => `${name} = ${hclValue(v)}\n`).join('');
	}
	return out;
}
