// Reading the stacks' variables.tf and <env>.tfvars back, as `tofu apply` would before
// planning: web-tree-sitter with the tree-sitter-hcl grammar (both .wasm files shipped in
// their npm packages), evaluating literal values only — strings without interpolation,
// numbers, bools, null, lists and objects — which is all a tfvars file may hold.

import { createRequire } from 'node:module';
import { Language, Parser, type Node } from 'web-tree-sitter';
import type { HclValue } from './hcl.js';

/** A file that does not parse or holds something that is not a literal value. */
export class HclReadError extends Error {
	constructor(
		readonly file: string,
		readonly line: number,
		readonly reason: string
	) {
		super(`${file}:${line}: ${reason}`);
	}
}

export type Value = HclValue | null;

let parser: Promise<Parser> | null = null;
/** The parser once loaded: reading is synchronous from then on (pipelines apply inside a simulation step). */
let ready: Parser | null = null;

/** Loads the grammar (once); every read needs it. */
export function loadHclParser(): Promise<Parser> {
	parser ??= (async () => {
		const require = createRequire(import.meta.url);
		const runtime = require.resolve('web-tree-sitter/tree-sitter.wasm');
		await Parser.init({ locateFile: () => runtime });
		const language = await Language.load(require.resolve('@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-hcl.wasm'));
		const p = new Parser();
		p.setLanguage(language);
		ready = p;
		return p;
	})().catch((e: unknown) => {
		parser = null;
		throw e;
	});
	return parser;
}

export function hclParserReady(): boolean {
	return ready !== null;
}

function withBody<T>(text: string, file: string, fn: (body: Node | null) => T): T {
	if (!ready) throw new Error('the HCL parser is not loaded yet (await loadHclParser() first)');
	const tree = ready.parse(text);
	if (!tree) throw new HclReadError(file, 1, 'the parser returned no tree');
	try {
		const root = tree.rootNode;
		const bad = firstError(root);
		if (bad) throw new HclReadError(file, bad.startPosition.row + 1, bad.isMissing ? `missing ${bad.type}` : `syntax error near ${JSON.stringify(bad.text.slice(0, 40))}`);
		return fn(root.namedChildren.find((c) => c?.type === 'body') ?? null);
	} finally {
		tree.delete();
	}
}

function firstError(n: Node): Node | null {
	if (n.type === 'ERROR' || n.isMissing) return n;
	if (!n.hasError) return null;
	for (const c of n.children) {
		if (!c) continue;
		const e = firstError(c);
		if (e) return e;
	}
	return n;
}

function named(n: Node): Node[] {
	return n.namedChildren.filter((c): c is Node => c !== null);
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

function unescape(raw: string): string {
	return raw
		.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[nrt"\\])/g, (_, e: string) => (e.length > 1 ? String.fromCodePoint(parseInt(e.slice(1), 16)) : (ESCAPES[e] as string)))
		.replace(/\$\$\{/g, '${')
		.replace(/%%\{/g, '%{');
}

function evaluate(n: Node, file: string): Value {
	const fail = (what: string): never => {
		throw new HclReadError(file, n.startPosition.row + 1, `${what} is not a literal value`);
	};
	switch (n.type) {
		case 'expression':
		case 'literal_value':
		case 'collection_value':
		case 'template_expr': {
			const inner = named(n)[0];
			return inner ? evaluate(inner, file) : fail(n.text);
		}
		case 'numeric_lit':
			return Number(n.text);
		case 'bool_lit':
			return n.text === 'true';
		case 'null_lit':
			return null;
		case 'string_lit':
		case 'quoted_template': {
			const parts = named(n).filter((c) => c.type !== 'quoted_template_start' && c.type !== 'quoted_template_end');
			if (parts.some((c) => c.type !== 'template_literal')) fail(`the template ${n.text}`);
			return unescape(parts.map((c) => c.text).join(''));
		}
		case 'heredoc_template': {
			const parts = named(n).filter((c) => c.type !== 'heredoc_start' && c.type !== 'heredoc_identifier');
			if (parts.some((c) => c.type !== 'template_literal')) fail('a heredoc with interpolation');
			const body = parts.map((c) => c.text).join('');
			return body.endsWith('\n') ? body : `${body}\n`;
		}
		case 'operation': {
			const op = named(n)[0];
			if (op?.type === 'unary_operation' && op.text.trim().startsWith('-')) {
				const v = evaluate(named(op)[0] as Node, file);
				if (typeof v === 'number') return -v;
			}
			return fail(n.text);
		}
		case 'tuple':
			return named(n)
				.filter((c) => c.type === 'expression')
				.map((c) => evaluate(c, file) as HclValue);
		case 'object': {
			const out: Record<string, HclValue> = {};
			for (const elem of named(n).filter((c) => c.type === 'object_elem')) {
				const [k, v] = named(elem).filter((c) => c.type === 'expression');
				if (!k || !v) fail(elem.text);
				const keyNode = named(k as Node)[0];
				// A bare identifier key is its name; anything else must evaluate to a string.
				const key = keyNode?.type === 'variable_expr' ? keyNode.text : evaluate(k as Node, file);
				if (typeof key !== 'string') return fail(`the key ${(k as Node).text}`);
				out[key] = evaluate(v as Node, file) as HclValue;
			}
			return out;
		}
		default:
			return fail(n.text);
	}
}

export interface ReadValue {
	value: Value;
	line: number;
	/** Where the value's expression is in the text (string indices), for edits that keep everything else. */
	start: number;
	end: number;
}

/** The top-level `name = value` attributes of a .tfvars file. */
export async function readTfvars(text: string, file: string): Promise<Map<string, ReadValue>> {
	await loadHclParser();
	return readTfvarsNow(text, file);
}

/** readTfvars once the parser is loaded. */
export function readTfvarsNow(text: string, file: string): Map<string, ReadValue> {
	return withBody(text, file, (body) => {
		const out = new Map<string, ReadValue>();
		for (const n of body ? named(body) : []) {
			const line = n.startPosition.row + 1;
			if (n.type === 'block') throw new HclReadError(file, line, 'blocks are not allowed in a variable definitions file');
			if (n.type !== 'attribute') continue;
			const [id, expr] = named(n);
			if (!id || !expr) throw new HclReadError(file, line, 'incomplete attribute');
			if (out.has(id.text)) throw new HclReadError(file, line, `the variable ${id.text} is set twice`);
			out.set(id.text, { value: evaluate(expr, file), line, start: expr.startIndex, end: expr.endIndex });
		}
		return out;
	});
}

export interface VariableDecl {
	name: string;
	/** undefined: no default (the variable is required). */
	default?: Value;
	line: number;
}

/** The `variable "name" { default = ... }` blocks of a .tf file. */
export async function readVariables(text: string, file: string): Promise<Map<string, VariableDecl>> {
	await loadHclParser();
	return readVariablesNow(text, file);
}

/** readVariables once the parser is loaded. */
export function readVariablesNow(text: string, file: string): Map<string, VariableDecl> {
	return withBody(text, file, (body) => {
		const out = new Map<string, VariableDecl>();
		for (const n of body ? named(body) : []) {
			if (n.type !== 'block') continue;
			const parts = named(n);
			if (parts[0]?.text !== 'variable') continue;
			const label = parts[1];
			const line = n.startPosition.row + 1;
			if (!label || label.type !== 'string_lit') throw new HclReadError(file, line, 'a variable block needs a name');
			const name = evaluate(label, file) as string;
			const decl: VariableDecl = { name, line };
			const inner = parts.find((c) => c.type === 'body');
			for (const a of inner ? named(inner) : []) {
				if (a.type !== 'attribute') continue;
				const [id, expr] = named(a);
				if (id?.text === 'default' && expr) decl.default = evaluate(expr, file);
			}
			out.set(name, decl);
		}
		return out;
	});
}
