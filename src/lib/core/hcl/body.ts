// Walking an HCL body: its attributes and blocks, skipping comments.
import type { Node } from 'web-tree-sitter';
import { valueOf } from './values';

/** The body node of a config file (null for an empty file). */
export function fileBody(root: Node): Node | null {
	for (const c of root.namedChildren) if (c?.type === 'body') return c;
	return null;
}

/** The attribute and block children of a body. */
export function bodyItems(body: Node | null): Node[] {
	if (!body) return [];
	const out: Node[] = [];
	for (const c of body.namedChildren) if (c && (c.type === 'attribute' || c.type === 'block')) out.push(c);
	return out;
}

/** An attribute's name and value expression. */
export function attributeParts(attr: Node): { name: string; value: Node } | null {
	let name: string | null = null;
	let value: Node | null = null;
	for (const c of attr.namedChildren) {
		if (!c) continue;
		if (c.type === 'identifier' && name === null) name = c.text;
		else if (c.type === 'expression') value = c;
	}
	return name !== null && value ? { name, value } : null;
}

/** A block's type, labels (unquoted) and body. */
export function blockParts(block: Node): { type: string; labels: string[]; body: Node | null } {
	let type = '';
	const labels: string[] = [];
	let body: Node | null = null;
	for (const c of block.namedChildren) {
		if (!c) continue;
		if (c.type === 'identifier') {
			if (!type) type = c.text;
			else labels.push(c.text);
		} else if (c.type === 'string_lit') labels.push(c.text.slice(1, -1));
		else if (c.type === 'body') body = c;
	}
	return { type, labels, body };
}

/** A node's named children other than comments. */
export function significant(node: Node): Node[] {
	const out: Node[] = [];
	for (const c of node.namedChildren) if (c && c.type !== 'comment') out.push(c);
	return out;
}

/** An object key written as a bare name (`a = 1`) or a literal string (`"b-c" = 1`); null for a computed key. */
export function objectKeyName(key: Node, text: string): string | null {
	const kids = significant(key);
	const only = kids.length === 1 ? kids[0] : undefined;
	if (only?.type === 'variable_expr' && significant(only).length === 1) return only.text;
	if (only?.type === 'literal_value') {
		const v = valueOf(key, text);
		if (typeof v === 'string') return v;
	}
	return null;
}
