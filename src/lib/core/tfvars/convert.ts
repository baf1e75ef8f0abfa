// A proposed value checked against a variable's type constraint, converted the
// way OpenTofu converts input variables (docs: "Type Constraints", "Conversion
// of Primitive Types"):
// - a number or bool is accepted for `string` ("15", "true"); a string holding a
//   decimal number for `number`; exactly "true" / "false" for `bool`. The value
//   written is the converted one, so `--set max_replicas=8` writes `8`, not `"8"`;
// - lists and sets come from JSON arrays, maps and objects from JSON objects;
//   a tuple needs exactly its number of elements;
// - `optional(T, default)` attributes may be left out: the written value leaves
//   them out too (the module's default keeps applying), the effective value — the
//   one validation conditions see, like OpenTofu's `var.NAME` — has the default;
// - `list(any)`, `set(any)` and `map(any)` need elements of one common type, as
//   OpenTofu unifies them (mixed primitives become strings);
// - null is accepted anywhere; whether the variable itself may be null is the
//   editor's check (`nullable`);
// - strings (and keys) are normalized to Unicode NFC, as HCL reads them.
// One deliberate difference: OpenTofu silently drops attributes an object type
// does not declare; here they are refused, so a mistyped attribute name is
// reported instead of lost. Everything accepted here is accepted by OpenTofu.
import { DECIMAL, equalValues } from '../hcl/conditions';
import type { TypeConstraint } from '../hcl/types';
import { decimalText } from '../hcl/render';
import { isUnevaluated, type HclValue } from '../hcl/values';

/** Nesting a written value may have (tfvars values rarely pass five). */
export const MAX_VALUE_DEPTH = 16;

export type Validated = { ok: true; value: HclValue; effective: HclValue } | { ok: false; path: string; message: string };

/** Checks `value` against `type`; `name` starts the path in messages (`runners[2].cpu: expected string`). */
export function validateValue(type: TypeConstraint, value: unknown, name = 'value'): Validated {
	try {
		const written = convert(type, value, name, 0, false);
		const effective = convert(type, value, name, 0, true);
		return { ok: true, value: written, effective };
	} catch (e) {
		if (e instanceof ConversionError) return { ok: false, path: e.path, message: `${e.path}: ${e.message}` };
		throw e;
	}
}

class ConversionError extends Error {
	constructor(
		readonly path: string,
		message: string
	) {
		super(message);
	}
}

function fail(path: string, message: string): never {
	throw new ConversionError(path, message);
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function at(path: string, key: string | number): string {
	if (typeof key === 'number') return `${path}[${key}]`;
	return IDENT.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
	if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
	const proto = Object.getPrototypeOf(v) as unknown;
	return proto === Object.prototype || proto === null;
}

function describe(v: unknown): string {
	if (v === null) return 'null';
	if (Array.isArray(v)) return 'a list';
	if (isPlainObject(v)) return 'an object';
	if (typeof v === 'string') return 'a string';
	if (typeof v === 'number') return Number.isFinite(v) ? 'a number' : String(v);
	if (typeof v === 'boolean') return 'a bool';
	return typeof v;
}

// HCL reads every string in Unicode NFC; writing it so makes the file hold exactly what OpenTofu will read.
function checkString(s: string, path: string): string {
	if (LONE_SURROGATE.test(s)) fail(path, 'not valid Unicode text (a lone surrogate)');
	return s.normalize('NFC');
}

function entries(v: Record<string, unknown>, path: string): [string, unknown][] {
	const seen = new Set<string>();
	return Object.keys(v).map((k) => {
		const key = checkString(k, path);
		// A `__proto__` key cannot round-trip through JavaScript objects without becoming a prototype.
		if (key === '__proto__') fail(path, 'the key __proto__ is not supported');
		if (seen.has(key)) fail(at(path, key), 'two keys are the same text once normalized (Unicode NFC)');
		seen.add(key);
		return [key, v[k]];
	});
}

function convert(type: TypeConstraint, v: unknown, path: string, depth: number, withDefaults: boolean): HclValue {
	if (depth > MAX_VALUE_DEPTH) fail(path, `nested deeper than ${MAX_VALUE_DEPTH} levels`);
	if (v === null) return null;
	if (isUnevaluated(v)) fail(path, 'an expression cannot be written; give a literal value');
	const d = depth + 1;
	switch (type.kind) {
		case 'string':
			if (typeof v === 'string') return checkString(v, path);
			if (typeof v === 'number' && Number.isFinite(v)) return decimalText(v);
			if (typeof v === 'boolean') return String(v);
			return fail(path, `expected string, got ${describe(v)}`);
		case 'number':
			if (typeof v === 'number') return Number.isFinite(v) ? v + 0 : fail(path, `expected number, got ${describe(v)}`);
			if (typeof v === 'string' && DECIMAL.test(v)) {
				const n = Number(v);
				return Number.isFinite(n) ? n + 0 : fail(path, `${JSON.stringify(v)} is out of range`);
			}
			return fail(path, typeof v === 'string' ? `expected number, got ${JSON.stringify(v.slice(0, 40))}` : `expected number, got ${describe(v)}`);
		case 'bool':
			if (typeof v === 'boolean') return v;
			if (v === 'true' || v === 'false') return v === 'true';
			return fail(path, typeof v === 'string' ? `expected bool (true or false), got ${JSON.stringify(v.slice(0, 40))}` : `expected bool, got ${describe(v)}`);
		case 'any':
			return anyValue(v, path, depth);
		case 'list':
		case 'set': {
			if (!Array.isArray(v)) return fail(path, `expected ${type.kind}, got ${describe(v)}`);
			const element = type.element.kind === 'any' ? unified(v.map((x, i) => [i, x]), path, depth, type.kind) : type.element;
			const out = v.map((x, i) => convert(element, x, at(path, i), d, withDefaults));
			// A set keeps one of each value; the written list stays as the operator gave it.
			return type.kind === 'set' && withDefaults ? out.filter((x, i) => out.findIndex((y) => equalValues(x, y)) === i) : out;
		}
		case 'tuple': {
			if (!Array.isArray(v)) return fail(path, `expected tuple, got ${describe(v)}`);
			if (v.length !== type.elements.length) return fail(path, `expected ${type.elements.length} elements, got ${v.length}`);
			return v.map((x, i) => convert(type.elements[i]!, x, at(path, i), d, withDefaults));
		}
		case 'map': {
			if (!isPlainObject(v)) return fail(path, `expected map, got ${describe(v)}`);
			const kv = entries(v, path);
			const element = type.element.kind === 'any' ? unified(kv, path, depth, 'map') : type.element;
			const out: Record<string, HclValue> = {};
			for (const [k, x] of kv) out[k] = convert(element, x, at(path, k), d, withDefaults);
			return out;
		}
		case 'object': {
			if (!isPlainObject(v)) return fail(path, `expected object, got ${describe(v)}`);
			const given = new Map(entries(v, path));
			const declared = Object.keys(type.attributes);
			for (const k of given.keys()) {
				if (!Object.hasOwn(type.attributes, k)) fail(at(path, k), `not an attribute of this object (expected ${declared.length ? declared.join(', ') : 'none'})`);
			}
			const out: Record<string, HclValue> = {};
			for (const k of declared) {
				const attr = type.attributes[k]!;
				if (given.has(k)) out[k] = convert(attr.type, given.get(k), at(path, k), d, withDefaults);
				else if (!attr.optional) fail(at(path, k), 'required attribute missing');
				else if (withDefaults) out[k] = attr.default === undefined ? null : convert(attr.type, attr.default, at(path, k), d, true);
			}
			return out;
		}
	}
}

/** A value of type `any`: any JSON value with valid strings, copied. */
function anyValue(v: unknown, path: string, depth: number): HclValue {
	if (depth > MAX_VALUE_DEPTH) fail(path, `nested deeper than ${MAX_VALUE_DEPTH} levels`);
	if (v === null || typeof v === 'boolean') return v;
	if (typeof v === 'number') return Number.isFinite(v) ? v + 0 : fail(path, `expected a value, got ${describe(v)}`);
	if (typeof v === 'string') return checkString(v, path);
	if (isUnevaluated(v)) fail(path, 'an expression cannot be written; give a literal value');
	if (Array.isArray(v)) return v.map((x, i) => anyValue(x, at(path, i), depth + 1));
	if (isPlainObject(v)) {
		const out: Record<string, HclValue> = {};
		for (const [k, x] of entries(v, path)) out[k] = anyValue(x, at(path, k), depth + 1);
		return out;
	}
	return fail(path, `expected a value, got ${describe(v)}`);
}

// ---------------------------------------------------------------------------
// `list(any)` and friends: OpenTofu infers each element's type and unifies them.

type Inferred = TypeConstraint | null;

function infer(v: unknown, path: string, depth: number): Inferred {
	const x = anyValue(v, path, depth);
	return inferOf(x);
}

function inferOf(x: HclValue): Inferred {
	if (x === null) return null;
	if (typeof x === 'string') return { kind: 'string' };
	if (typeof x === 'number') return { kind: 'number' };
	if (typeof x === 'boolean') return { kind: 'bool' };
	if (Array.isArray(x)) return { kind: 'tuple', elements: x.map((e) => inferOf(e) ?? { kind: 'any' }) };
	const attributes: Record<string, { type: TypeConstraint; optional: boolean }> = {};
	for (const [k, e] of Object.entries(x)) attributes[k] = { type: inferOf(e) ?? { kind: 'any' }, optional: false };
	return { kind: 'object', attributes };
}

function unified(items: [string | number, unknown][], path: string, depth: number, kind: string): TypeConstraint {
	const types = items.map(([k, x]) => infer(x, at(path, k), depth + 1));
	const u = unify(types);
	if (!u) return fail(path, `the elements of a ${kind}(any) must share one type; these mix lists, objects and plain values`);
	return u;
}

const PRIMITIVES = new Set(['string', 'number', 'bool']);

function unify(all: Inferred[]): TypeConstraint | null {
	const types = all.filter((t): t is TypeConstraint => t !== null && t.kind !== 'any');
	if (types.length === 0) return { kind: 'any' };
	const first = types[0]!;
	if (types.every((t) => PRIMITIVES.has(t.kind))) return types.every((t) => t.kind === first.kind) ? first : { kind: 'string' };
	if (types.every((t) => t.kind === 'tuple')) {
		const tuples = types as Extract<TypeConstraint, { kind: 'tuple' }>[];
		const n = tuples[0]!.elements.length;
		if (tuples.every((t) => t.elements.length === n)) {
			const elements: TypeConstraint[] = [];
			for (let i = 0; i < n; i++) {
				const e = unify(tuples.map((t) => t.elements[i]!));
				if (!e) return null;
				elements.push(e);
			}
			return { kind: 'tuple', elements };
		}
		const element = unify(tuples.flatMap((t) => t.elements));
		return element ? { kind: 'list', element } : null;
	}
	if (types.every((t) => t.kind === 'object')) {
		const objects = types as Extract<TypeConstraint, { kind: 'object' }>[];
		const keys = Object.keys(objects[0]!.attributes).sort().join('\0');
		if (objects.every((o) => Object.keys(o.attributes).sort().join('\0') === keys)) {
			const attributes: Record<string, { type: TypeConstraint; optional: boolean }> = {};
			for (const k of Object.keys(objects[0]!.attributes)) {
				const a = unify(objects.map((o) => o.attributes[k]!.type));
				if (!a) return null;
				attributes[k] = { type: a, optional: false };
			}
			return { kind: 'object', attributes };
		}
		const element = unify(objects.flatMap((o) => Object.values(o.attributes).map((a) => a.type)));
		return element ? { kind: 'map', element } : null;
	}
	return null;
}
