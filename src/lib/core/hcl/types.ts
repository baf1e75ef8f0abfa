// Variable type constraints (`list(object({ a = optional(string, "x") }))`) read
// from the tree as data, so a form can be generated from them and values checked
// against them before anything is written.
import type { Node } from 'web-tree-sitter';
import { objectKeyName, significant } from './body';
import { renderValue } from './render';
import { valueOf, isUnevaluated, type HclValue } from './values';

export type TypeConstraint =
	| { kind: 'string' | 'number' | 'bool' | 'any' }
	| { kind: 'list' | 'set' | 'map'; element: TypeConstraint }
	| { kind: 'tuple'; elements: TypeConstraint[] }
	| { kind: 'object'; attributes: Record<string, ObjectAttribute> };

export interface ObjectAttribute {
	type: TypeConstraint;
	/** `optional(T)` or `optional(T, default)`: the attribute may be left out. */
	optional: boolean;
	/** The `optional(T, default)` default; absent means null. */
	default?: HclValue;
}

export const ANY: TypeConstraint = { kind: 'any' };

/** Nesting a type constraint may have; real ones stay far below it. */
export const MAX_TYPE_DEPTH = 32;

export type TypeResult = { ok: true; type: TypeConstraint } | { ok: false; message: string };

const PRIMITIVE = new Set(['string', 'number', 'bool', 'any']);
const COLLECTION = new Set(['list', 'set', 'map']);

/** Reads a `type = ...` expression. Anything OpenTofu would not accept as a type is refused with a reason. */
export function typeFromNode(node: Node, text: string): TypeResult {
	try {
		return { ok: true, type: read(node, text, 0) };
	} catch (e) {
		if (e instanceof TypeSyntaxError) return { ok: false, message: e.message };
		throw e;
	}
}

class TypeSyntaxError extends Error {}

function fail(node: Node, message: string): never {
	throw new TypeSyntaxError(`${message} at ${JSON.stringify(node.text.slice(0, 60))}`);
}

function read(node: Node, text: string, depth: number): TypeConstraint {
	if (depth > MAX_TYPE_DEPTH) fail(node, `type nested deeper than ${MAX_TYPE_DEPTH} levels`);
	const kids = significant(node);
	switch (node.type) {
		case 'expression':
		case 'collection_value':
			if (kids.length !== 1 || !kids[0]) fail(node, 'not a type');
			return read(kids[0], text, depth + 1);
		case 'variable_expr': {
			const name = node.text;
			if (PRIMITIVE.has(name)) return { kind: name as 'string' | 'number' | 'bool' | 'any' };
			// The bare collection keywords are the pre-0.12 spelling of `list(any)` etc.; OpenTofu still accepts them.
			if (COLLECTION.has(name)) return { kind: name as 'list' | 'set' | 'map', element: ANY };
			return fail(node, `unknown type keyword ${name}`);
		}
		case 'literal_value':
			return fail(node, 'quoted type constraints are not supported; write the type without quotes');
		case 'function_call':
			return constructor(node, kids, text, depth);
		default:
			return fail(node, 'not a type');
	}
}

function callParts(node: Node, kids: Node[]): { name: string; args: Node[] } {
	const ident = kids[0];
	if (!ident || ident.type !== 'identifier') fail(node, 'not a type');
	const argList = kids.find((k) => k.type === 'function_arguments');
	const args = argList ? significant(argList).filter((a) => a.type === 'expression') : [];
	// `f(x...)` expands a list into arguments; a type never does.
	if (argList && argList.children.some((c) => c?.type === 'ellipsis')) fail(node, 'not a type');
	return { name: ident.text, args };
}

function constructor(node: Node, kids: Node[], text: string, depth: number): TypeConstraint {
	const { name, args } = callParts(node, kids);
	const one = (): Node => {
		if (args.length !== 1 || !args[0]) fail(node, `${name}(...) takes exactly one argument`);
		return args[0];
	};
	if (COLLECTION.has(name)) return { kind: name as 'list' | 'set' | 'map', element: read(one(), text, depth + 1) };
	if (name === 'tuple') {
		const items = collection(one(), 'tuple');
		if (!items) fail(node, 'tuple(...) takes a list of types: tuple([string, number])');
		return { kind: 'tuple', elements: significant(items).filter((e) => e.type === 'expression').map((e) => read(e, text, depth + 1)) };
	}
	if (name === 'object') {
		const obj = collection(one(), 'object');
		if (!obj) fail(node, 'object(...) takes an object of attribute types: object({ name = string })');
		return { kind: 'object', attributes: attributes(obj, text, depth) };
	}
	if (name === 'optional') return fail(node, 'optional(...) is only allowed on an object attribute');
	return fail(node, `unknown type constructor ${name}`);
}

function collection(arg: Node, type: 'tuple' | 'object'): Node | null {
	let n: Node | undefined = arg;
	while (n && (n.type === 'expression' || n.type === 'collection_value')) {
		const kids = significant(n);
		n = kids.length === 1 ? kids[0] : undefined;
	}
	return n?.type === type ? n : null;
}

function attributes(obj: Node, text: string, depth: number): Record<string, ObjectAttribute> {
	const out: Record<string, ObjectAttribute> = Object.create(null) as Record<string, ObjectAttribute>;
	for (const elem of significant(obj)) {
		if (elem.type !== 'object_elem') continue;
		const key = elem.childForFieldName('key');
		const val = elem.childForFieldName('val');
		if (!key || !val) fail(elem, 'not an attribute type');
		const name = objectKeyName(key, text);
		if (name === null) fail(key, 'an attribute name must be a name or a quoted string');
		if (name in out) fail(key, `attribute ${name} declared twice`);
		out[name] = attribute(val, text, depth + 1);
	}
	return out;
}

function attribute(val: Node, text: string, depth: number): ObjectAttribute {
	const kids = significant(val);
	const call = kids.length === 1 && kids[0]?.type === 'function_call' ? kids[0] : null;
	if (!call) return { type: read(val, text, depth), optional: false };
	const { name, args } = callParts(call, significant(call));
	if (name !== 'optional') return { type: read(val, text, depth), optional: false };
	if (args.length < 1 || args.length > 2 || !args[0]) fail(call, 'optional(...) takes a type and an optional default');
	const type = read(args[0], text, depth + 1);
	if (args.length === 1 || !args[1]) return { type, optional: true };
	const def = valueOf(args[1], text);
	if (hasUnevaluated(def)) fail(args[1], 'the default of optional(...) must be a literal value');
	return { type, optional: true, default: def };
}

function hasUnevaluated(v: HclValue): boolean {
	if (isUnevaluated(v)) return true;
	if (Array.isArray(v)) return v.some(hasUnevaluated);
	if (v && typeof v === 'object') return Object.values(v).some(hasUnevaluated);
	return false;
}

/** The constraint written back as OpenTofu spells it (`map(object({ a = optional(string, "x") }))`). */
export function typeText(t: TypeConstraint): string {
	switch (t.kind) {
		case 'string':
		case 'number':
		case 'bool':
		case 'any':
			return t.kind;
		case 'list':
		case 'set':
		case 'map':
			return `${t.kind}(${typeText(t.element)})`;
		case 'tuple':
			return `tuple([${t.elements.map(typeText).join(', ')}])`;
		case 'object': {
			const attrs = Object.entries(t.attributes).map(([k, a]) => {
				const inner = typeText(a.type);
				if (!a.optional) return `${k} = ${inner}`;
				return a.default === undefined ? `${k} = optional(${inner})` : `${k} = optional(${inner}, ${renderValue(a.default)})`;
			});
			return attrs.length ? `object({ ${attrs.join(', ')} })` : 'object({})';
		}
	}
}
