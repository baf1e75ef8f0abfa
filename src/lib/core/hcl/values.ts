// HCL expressions as plain JSON values. Only literals are evaluated (strings,
// numbers, bools, null, tuples, objects, heredocs); anything that needs
// evaluation (references, function calls, interpolation, operators other than a
// leading minus) is kept as its source text, marked, never guessed.
import type { Node } from 'web-tree-sitter';

/** An expression the reader does not evaluate, kept as written. */
export interface Unevaluated {
	expression: string;
	unevaluated: true;
}

export type HclValue = null | boolean | number | string | HclValue[] | { [key: string]: HclValue } | Unevaluated;

/** A parse failure: the file, the 1-based line (null when unknown) and what went wrong. */
export interface ParseError {
	file: string;
	line: number | null;
	message: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: ParseError };

/** Offsets into the source text (UTF-16 code units, as `text.slice(start, end)` takes them). */
export interface TextRange {
	start: number;
	end: number;
}

/** True for a value the reader kept as source text instead of evaluating. */
export function isUnevaluated(v: unknown): v is Unevaluated {
	return typeof v === 'object' && v !== null && (v as Unevaluated).unevaluated === true && typeof (v as Unevaluated).expression === 'string';
}

/**
 * How deep literal lists, objects and parentheses may nest. Hand-written values nest a
 * few levels; a deeper one is refused with this limit in its message instead of
 * exhausting the call stack.
 */
export const MAX_NESTING = 64;

/** A value nested deeper than MAX_NESTING; the parser reports it as a ParseError at `line`. */
export class NestingError extends Error {
	override name = 'NestingError';
	constructor(readonly line: number) {
		super(`value nested deeper than ${MAX_NESTING} levels`);
	}
}

/** Evaluates a literal expression node; anything else becomes `{ expression, unevaluated: true }`. Throws NestingError past MAX_NESTING. */
export function valueOf(node: Node, text: string, depth = 0): HclValue {
	const v = literal(node, text, depth);
	return v === NOT_LITERAL ? unevaluated(node, text) : v;
}

const NOT_LITERAL = Symbol('not a literal');
type Lit = HclValue | typeof NOT_LITERAL;

function unevaluated(node: Node, text: string): Unevaluated {
	return { expression: text.slice(node.startIndex, node.endIndex), unevaluated: true };
}

function named(node: Node): Node[] {
	const out: Node[] = [];
	for (const c of node.namedChildren) if (c && c.type !== 'comment') out.push(c);
	return out;
}

function literal(node: Node, text: string, depth: number): Lit {
	if (depth > MAX_NESTING) throw new NestingError(node.startPosition.row + 1);
	switch (node.type) {
		case 'expression': {
			const kids = node.children.filter((c): c is Node => c !== null && c.type !== 'comment');
			// `( expr )`: a parenthesised expression is its inner value.
			if (kids.length === 3 && kids[0]?.type === '(' && kids[2]?.type === ')' && kids[1]) return literal(kids[1], text, depth + 1);
			if (kids.length !== 1 || !kids[0]) return NOT_LITERAL;
			return literal(kids[0], text, depth);
		}
		case 'literal_value':
		case 'collection_value':
		case 'template_expr': {
			const [inner] = named(node);
			return inner ? literal(inner, text, depth) : NOT_LITERAL;
		}
		case 'numeric_lit':
			return Number(node.text);
		case 'bool_lit':
			return node.text === 'true';
		case 'null_lit':
			return null;
		case 'string_lit':
		case 'quoted_template':
			return quoted(node, text);
		case 'heredoc_template':
			return heredoc(node, text);
		case 'operation': {
			const [op] = named(node);
			if (op?.type !== 'unary_operation') return NOT_LITERAL;
			const sign = op.child(0)?.type;
			const [operand] = named(op);
			const v = operand ? literal(operand, text, depth + 1) : NOT_LITERAL;
			if (typeof v !== 'number') return NOT_LITERAL;
			return sign === '-' ? -v : NOT_LITERAL;
		}
		case 'tuple':
			return named(node)
				.filter((c) => c.type === 'expression')
				.map((c) => valueOf(c, text, depth + 1));
		case 'object':
			return object(node, text, depth);
		default:
			return NOT_LITERAL;
	}
}

function object(node: Node, text: string, depth: number): Lit {
	const out: { [key: string]: HclValue } = {};
	for (const elem of named(node)) {
		if (elem.type !== 'object_elem') continue;
		const key = elem.childForFieldName('key') ?? named(elem)[0];
		const val = elem.childForFieldName('val') ?? named(elem)[1];
		if (!key || !val) return NOT_LITERAL;
		const k = objectKey(key, text, depth);
		if (k === null) return NOT_LITERAL;
		out[k] = valueOf(val, text, depth + 1);
	}
	return out;
}

// A key is a bare identifier (`a = 1`) or a literal string (`"b-c" = 1`); a
// parenthesised or computed key needs evaluation.
function objectKey(key: Node, text: string, depth: number): string | null {
	const kids = named(key);
	if (kids.length === 1 && kids[0]?.type === 'variable_expr' && named(kids[0]).length === 1) return kids[0].text;
	const v = literal(key, text, depth + 1);
	return typeof v === 'string' && kids[0]?.type === 'literal_value' ? v : null;
}

// The raw text between the quotes, unescaped: tree-sitter's literal children do
// not always cover the whitespace next to an interpolation, so they are not concatenated.
// HCL normalizes every string to Unicode NFC, so OpenTofu reads "e\u0301" as "é"; so does this.
function quoted(node: Node, text: string): Lit {
	if (named(node).some((c) => c.type === 'template_interpolation' || c.type === 'template_directive')) return NOT_LITERAL;
	return unescapeQuoted(text.slice(node.startIndex + 1, node.endIndex - 1)).normalize('NFC');
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/** The value of the text between a quoted string's quotes: backslash escapes, `$${` and `%%{`. */
export function unescapeQuoted(raw: string): string {
	return raw.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)|\$\$\{|%%\{/g, (m, esc: string | undefined) => {
		if (m === '$${') return '${';
		if (m === '%%{') return '%{';
		if (!esc) return m;
		if (esc[0] === 'u' || esc[0] === 'U') return String.fromCodePoint(parseInt(esc.slice(1), 16));
		return ESCAPES[esc] ?? m;
	});
}

const indentOf = (line: string) => /^[ \t]*/.exec(line)?.[0].length ?? 0;

// A heredoc's value is the lines between the opening and closing markers, each
// ending in a newline; `<<-` strips the smallest common indentation. Backslash
// escapes are not processed in heredocs; `$${` and `%%{` are. A CRLF file's lines
// keep their \r, as OpenTofu's HCL reads them.
function heredoc(node: Node, text: string): Lit {
	const kids = named(node);
	if (kids.some((c) => c.type === 'template_interpolation' || c.type === 'template_directive')) return NOT_LITERAL;
	const start = node.child(0);
	const open = kids.find((c) => c.type === 'heredoc_identifier');
	const close = [...kids].reverse().find((c) => c.type === 'heredoc_identifier');
	if (!start || !open || !close || open === close) return NOT_LITERAL;
	const bodyStart = text.indexOf('\n', open.endIndex) + 1;
	const bodyEnd = text.lastIndexOf('\n', close.startIndex) + 1;
	if (bodyStart <= 0 || bodyEnd < bodyStart) return NOT_LITERAL;
	let lines = text.slice(bodyStart, bodyEnd).split('\n').slice(0, -1);
	if (start.text === '<<-') {
		// A loop, not Math.min(...indents): a spread of a long heredoc's lines overflows the call stack.
		let cut = Infinity;
		for (const l of lines) if (l.trim() !== '') cut = Math.min(cut, indentOf(l));
		if (cut === Infinity) cut = 0;
		lines = lines.map((l) => l.slice(Math.min(cut, indentOf(l))));
	}
	return lines
		.map((l) => `${l.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{')}\n`)
		.join('')
		.normalize('NFC');
}
