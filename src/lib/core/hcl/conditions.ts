// `validation` conditions a proposed value can be checked against before it is
// written: literals, the variable itself (`var.NAME`, its attributes and
// elements), operators, `cond ? a : b`, `[for x in ... : ... if ...]` and a small
// set of functions. Anything else — other variables, locals, templates, functions
// outside the set, regexes whose RE2 meaning JavaScript could misread — is left
// to `tofu plan`: compileCondition returns null with the reason.
import type { Node } from 'web-tree-sitter';
import { objectKeyName, significant } from './body';
import { valueOf, isUnevaluated, type HclValue } from './values';

/** A compiled condition: plain data, so it travels with the variable it belongs to. */
export type Condition =
	| { op: 'lit'; value: HclValue }
	| { op: 'var' }
	| { op: 'local'; name: string }
	| { op: 'get'; of: Condition; name: string }
	| { op: 'index'; of: Condition; key: Condition }
	| { op: 'tuple'; items: Condition[] }
	| { op: 'object'; items: [string, Condition][] }
	| { op: 'unary'; operator: '!' | '-'; arg: Condition }
	| { op: 'binary'; operator: BinaryOperator; left: Condition; right: Condition }
	| { op: 'if'; test: Condition; then: Condition; else: Condition }
	| { op: 'call'; fn: FunctionName; args: Condition[] }
	| { op: 'for'; key: string | null; value: string; over: Condition; body: Condition; when: Condition | null };

type BinaryOperator = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';
const BINARY = new Set<string>(['||', '&&', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%']);

/** Functions evaluated here, with their argument counts. */
const FUNCTIONS = {
	length: [1, 1],
	contains: [2, 2],
	can: [1, 1],
	regex: [2, 2],
	lower: [1, 1],
	upper: [1, 1],
	trimspace: [1, 1],
	startswith: [2, 2],
	endswith: [2, 2],
	alltrue: [1, 1],
	anytrue: [1, 1],
	min: [1, Infinity],
	max: [1, Infinity],
	abs: [1, 1],
	floor: [1, 1],
	ceil: [1, 1],
	keys: [1, 1],
	values: [1, 1],
	tonumber: [1, 1],
	tostring: [1, 1],
	tobool: [1, 1]
} as const;
type FunctionName = keyof typeof FUNCTIONS;

/** Nesting a condition may have; deeper ones are left to `tofu plan`. */
export const MAX_CONDITION_DEPTH = 48;

export type CompileResult = { ok: true; condition: Condition } | { ok: false; reason: string };

class NotCheckable extends Error {}

function no(reason: string): never {
	throw new NotCheckable(reason);
}

/** Compiles the condition of variable `self`, or says why it is not checkable here. */
export function compileCondition(node: Node, text: string, self: string): CompileResult {
	try {
		return { ok: true, condition: new Compiler(text, self).expr(node, 0, new Set()) };
	} catch (e) {
		if (e instanceof NotCheckable) return { ok: false, reason: e.message };
		throw e;
	}
}

type Scope = ReadonlySet<string>;

class Compiler {
	constructor(
		private readonly text: string,
		private readonly self: string
	) {}

	expr(node: Node, depth: number, scope: Scope): Condition {
		if (depth > MAX_CONDITION_DEPTH) no(`nested deeper than ${MAX_CONDITION_DEPTH} levels`);
		const d = depth + 1;
		switch (node.type) {
			case 'expression':
				return this.terms(node.children.filter((c): c is Node => c !== null && c.type !== 'comment'), d, scope, node);
			case 'literal_value':
			case 'template_expr':
				return this.literal(node);
			case 'collection_value': {
				const [inner] = significant(node);
				return inner ? this.expr(inner, d, scope) : no('empty collection');
			}
			case 'tuple':
				return { op: 'tuple', items: significant(node).filter((c) => c.type === 'expression').map((c) => this.expr(c, d, scope)) };
			case 'object':
				return this.object(node, d, scope);
			case 'operation': {
				const [inner] = significant(node);
				return inner ? this.expr(inner, d, scope) : no('empty operation');
			}
			case 'unary_operation': {
				const kids = node.children.filter((c): c is Node => c !== null && c.type !== 'comment');
				const sign = kids[0]?.type;
				if (sign !== '!' && sign !== '-') return no(`unknown operator ${String(sign)}`);
				return { op: 'unary', operator: sign, arg: this.terms(kids.slice(1), d, scope, node) };
			}
			case 'binary_operation':
				return this.binary(node, d, scope);
			case 'conditional': {
				const parts = significant(node).filter((c) => c.type === 'expression');
				const [test, then, other] = parts;
				if (parts.length !== 3 || !test || !then || !other) return no('malformed conditional');
				return { op: 'if', test: this.expr(test, d, scope), then: this.expr(then, d, scope), else: this.expr(other, d, scope) };
			}
			case 'function_call':
				return this.call(node, d, scope);
			case 'for_expr': {
				const [inner] = significant(node);
				if (inner?.type !== 'for_tuple_expr') return no('only [for ...] list expressions are checked here');
				return this.forTuple(inner, d, scope);
			}
			default:
				return no(`${node.type.replace(/_/g, ' ')} is not checked here`);
		}
	}

	/** A run of sibling nodes forming one operand: `( e )`, or a base followed by `.attr` / `[key]`. */
	terms(kids: Node[], depth: number, scope: Scope, at: Node): Condition {
		if (kids.length === 3 && kids[0]?.type === '(' && kids[2]?.type === ')' && kids[1]) return this.expr(kids[1], depth, scope);
		const [base, ...rest] = kids;
		if (!base) return no(`empty expression at ${snippet(at)}`);
		let out: Condition;
		let i = 0;
		if (base.type === 'variable_expr') {
			const name = base.text;
			if (scope.has(name)) out = { op: 'local', name };
			else if (name === 'var') {
				const attr = rest[0];
				const ident = attr?.type === 'get_attr' ? significant(attr)[0]?.text : undefined;
				if (ident !== this.self) return no(ident ? `refers to var.${ident}` : 'refers to var');
				out = { op: 'var' };
				i = 1;
			} else return no(`refers to ${name}`);
		} else out = this.expr(base, depth, scope);
		for (const t of rest.slice(i)) {
			if (t.type === 'get_attr') {
				const ident = significant(t)[0];
				if (!ident) return no('malformed attribute access');
				out = { op: 'get', of: out, name: ident.text };
			} else if (t.type === 'index') {
				const inner = significant(t)[0];
				const key = inner ? significant(inner)[0] : undefined;
				if (inner?.type === 'legacy_index') out = { op: 'index', of: out, key: { op: 'lit', value: Number(inner.text.slice(1)) } };
				else if (key) out = { op: 'index', of: out, key: this.expr(key, depth, scope) };
				else return no('malformed index');
			} else return no(`${t.type.replace(/_/g, ' ')} is not checked here`);
		}
		return out;
	}

	literal(node: Node): Condition {
		const v = valueOf(node, this.text);
		if (isUnevaluated(v)) return no(`${snippet(node)} needs evaluation`);
		return { op: 'lit', value: v };
	}

	object(node: Node, depth: number, scope: Scope): Condition {
		const items: [string, Condition][] = [];
		for (const elem of significant(node)) {
			if (elem.type !== 'object_elem') continue;
			const key = elem.childForFieldName('key');
			const val = elem.childForFieldName('val');
			if (!key || !val) return no('malformed object');
			const name = objectKeyName(key, this.text);
			if (name === null) return no('computed object keys are not checked here');
			items.push([name, this.expr(val, depth, scope)]);
		}
		return { op: 'object', items };
	}

	binary(node: Node, depth: number, scope: Scope): Condition {
		const kids = node.children.filter((c): c is Node => c !== null && c.type !== 'comment');
		// The operator is the only anonymous child outside parentheses; operands are the runs on either side.
		let level = 0;
		let at = -1;
		for (let i = 0; i < kids.length; i++) {
			const k = kids[i]!;
			if (k.type === '(') level++;
			else if (k.type === ')') level--;
			else if (level === 0 && !k.isNamed && BINARY.has(k.type)) {
				at = i;
				break;
			}
		}
		if (at < 0) return no('malformed operation');
		const operator = kids[at]!.type as BinaryOperator;
		return { op: 'binary', operator, left: this.terms(kids.slice(0, at), depth, scope, node), right: this.terms(kids.slice(at + 1), depth, scope, node) };
	}

	call(node: Node, depth: number, scope: Scope): Condition {
		const kids = significant(node);
		const name = kids[0]?.type === 'identifier' ? kids[0].text : '';
		const argList = kids.find((k) => k.type === 'function_arguments');
		if (argList?.children.some((c) => c?.type === 'ellipsis')) return no('expanded arguments (...) are not checked here');
		if (!Object.hasOwn(FUNCTIONS, name)) return no(`function ${name}() is not checked here`);
		const fn = name as FunctionName;
		const argNodes = argList ? significant(argList).filter((a) => a.type === 'expression') : [];
		const [lo, hi] = FUNCTIONS[fn];
		if (argNodes.length < lo || argNodes.length > hi) return no(`${fn}() with ${argNodes.length} arguments`);
		const args = argNodes.map((a) => this.expr(a, depth, scope));
		if (fn === 'regex') {
			const pattern = args[0];
			if (pattern?.op !== 'lit' || typeof pattern.value !== 'string') return no('regex() with a computed pattern');
			const why = re2Difference(pattern.value);
			if (why) return no(`regex ${JSON.stringify(pattern.value)}: ${why}`);
		}
		return { op: 'call', fn, args };
	}

	forTuple(node: Node, depth: number, scope: Scope): Condition {
		const kids = significant(node);
		const intro = kids.find((k) => k.type === 'for_intro');
		const cond = kids.find((k) => k.type === 'for_cond');
		const body = kids.find((k) => k.type === 'expression');
		if (!intro || !body) return no('malformed for expression');
		const idents = significant(intro).filter((k) => k.type === 'identifier');
		const over = significant(intro).find((k) => k.type === 'expression');
		if (!over || idents.length < 1 || idents.length > 2) return no('malformed for expression');
		const key = idents.length === 2 ? idents[0]!.text : null;
		const value = idents[idents.length - 1]!.text;
		const inner = new Set(scope);
		if (key) inner.add(key);
		inner.add(value);
		const whenNode = cond ? significant(cond).find((k) => k.type === 'expression') : undefined;
		return {
			op: 'for',
			key,
			value,
			over: this.expr(over, depth, scope),
			body: this.expr(body, depth, inner),
			when: whenNode ? this.expr(whenNode, depth, inner) : null
		};
	}
}

function snippet(node: Node): string {
	return JSON.stringify(node.text.slice(0, 40));
}

/**
 * Why JavaScript might read an RE2 pattern differently, or null when the common
 * subset is used: inline flags, \A \z \C, POSIX classes and Unicode classes differ
 * or do not exist in one of the two; backreferences and lookaround are JS-only.
 */
export function re2Difference(pattern: string): string | null {
	if (/\(\?[^:]/.test(pattern)) return 'uses inline flags or lookaround';
	if (/\\[AzCpPQEbB1-9k]/.test(pattern)) return 'uses an escape RE2 and JavaScript read differently';
	if (/\[\[:/.test(pattern)) return 'uses a POSIX character class';
	try {
		new RegExp(pattern, 'u');
	} catch {
		return 'not a pattern JavaScript reads the same way';
	}
	return null;
}

// ---------------------------------------------------------------------------
// Evaluation

export type Evaluated = { ok: true; value: HclValue } | { ok: false; message: string };

class EvalError extends Error {}

function bad(message: string): never {
	throw new EvalError(message);
}

/** Evaluates a compiled condition with `var.NAME` bound to `value`. */
export function evaluateCondition(condition: Condition, value: HclValue): Evaluated {
	try {
		return { ok: true, value: evaluate(condition, value, new Map()) };
	} catch (e) {
		if (e instanceof EvalError) return { ok: false, message: e.message };
		throw e;
	}
}

/** True, false, or why the condition could not be decided (OpenTofu reports the same as an error). */
export function checkCondition(condition: Condition, value: HclValue): { ok: true; passed: boolean } | { ok: false; message: string } {
	const r = evaluateCondition(condition, value);
	if (!r.ok) return r;
	try {
		return { ok: true, passed: toBool(r.value) };
	} catch (e) {
		if (e instanceof EvalError) return { ok: false, message: `the condition is not true or false: ${e.message}` };
		throw e;
	}
}

type Locals = ReadonlyMap<string, HclValue>;

function evaluate(c: Condition, self: HclValue, locals: Locals): HclValue {
	const ev = (x: Condition, l: Locals = locals) => evaluate(x, self, l);
	switch (c.op) {
		case 'lit':
			return c.value;
		case 'var':
			return self;
		case 'local': {
			const v = locals.get(c.name);
			return v === undefined ? bad(`unknown name ${c.name}`) : v;
		}
		case 'get': {
			const of = ev(c.of);
			if (!isObject(of)) return bad(`cannot read .${c.name} of ${kindOf(of)}`);
			if (!Object.hasOwn(of, c.name)) return bad(`no attribute ${c.name}`);
			return of[c.name] as HclValue;
		}
		case 'index': {
			const of = ev(c.of);
			const key = ev(c.key);
			if (Array.isArray(of)) {
				const i = toNumber(key);
				if (!Number.isInteger(i) || i < 0 || i >= of.length) return bad(`index ${i} out of range`);
				return of[i] as HclValue;
			}
			if (isObject(of)) {
				const k = toStr(key);
				if (!Object.hasOwn(of, k)) return bad(`no element ${JSON.stringify(k)}`);
				return of[k] as HclValue;
			}
			return bad(`cannot index ${kindOf(of)}`);
		}
		case 'tuple':
			return c.items.map((x) => ev(x));
		case 'object': {
			const out: Record<string, HclValue> = Object.create(null) as Record<string, HclValue>;
			for (const [k, x] of c.items) out[k] = ev(x);
			return out;
		}
		case 'unary': {
			const v = ev(c.arg);
			return c.operator === '!' ? !toBool(v) : -toNumber(v);
		}
		case 'binary':
			return binary(c.operator, c.left, c.right, ev);
		case 'if':
			return toBool(ev(c.test)) ? ev(c.then) : ev(c.else);
		case 'call':
			return call(c.fn, c.args, ev);
		case 'for': {
			const over = ev(c.over);
			const entries: [HclValue, HclValue][] = Array.isArray(over)
				? over.map((v, i) => [i, v])
				: isObject(over)
					? Object.keys(over)
							.sort()
							.map((k) => [k, over[k] as HclValue])
					: bad(`cannot iterate over ${kindOf(over)}`);
			const out: HclValue[] = [];
			for (const [k, v] of entries) {
				const l = new Map(locals);
				if (c.key) l.set(c.key, k);
				l.set(c.value, v);
				if (c.when && !toBool(ev(c.when, l))) continue;
				out.push(ev(c.body, l));
			}
			return out;
		}
	}
}

// HCL evaluates `&&` and `||` short-circuit when the left side decides (hashicorp/hcl#713),
// so `var.x != null && length(var.x) > 0` holds for null.
function binary(op: BinaryOperator, left: Condition, right: Condition, ev: (c: Condition) => HclValue): HclValue {
	if (op === '&&') return toBool(ev(left)) ? toBool(ev(right)) : false;
	if (op === '||') return toBool(ev(left)) ? true : toBool(ev(right));
	const a = ev(left);
	const b = ev(right);
	switch (op) {
		case '==':
			return equalValues(a, b);
		case '!=':
			return !equalValues(a, b);
		case '<':
			return toNumber(a) < toNumber(b);
		case '<=':
			return toNumber(a) <= toNumber(b);
		case '>':
			return toNumber(a) > toNumber(b);
		case '>=':
			return toNumber(a) >= toNumber(b);
		case '+':
			return finite(toNumber(a) + toNumber(b));
		case '-':
			return finite(toNumber(a) - toNumber(b));
		case '*':
			return finite(toNumber(a) * toNumber(b));
		case '/': {
			const d = toNumber(b);
			return d === 0 ? bad('division by zero') : finite(toNumber(a) / d);
		}
		case '%': {
			const d = toNumber(b);
			return d === 0 ? bad('modulo by zero') : finite(toNumber(a) % d);
		}
	}
}

function call(fn: FunctionName, argConds: Condition[], ev: (c: Condition) => HclValue): HclValue {
	// can() turns an error in its argument into false; nothing else is evaluated lazily.
	if (fn === 'can') {
		try {
			ev(argConds[0]!);
			return true;
		} catch (e) {
			if (e instanceof EvalError) return false;
			throw e;
		}
	}
	const args = argConds.map((x) => ev(x));
	// Argument counts were checked when the condition was compiled.
	const a = args[0] ?? null;
	const b = args[1] ?? null;
	switch (fn) {
		case 'length':
			if (typeof a === 'string') return graphemes(a);
			if (Array.isArray(a)) return a.length;
			if (isObject(a)) return Object.keys(a).length;
			return bad(`length() of ${kindOf(a)}`);
		case 'contains':
			if (!Array.isArray(a)) return bad(`contains() needs a list, got ${kindOf(a)}`);
			return a.some((x) => equalValues(x, b));
		case 'regex': {
			const s = toStr(b);
			const m = new RegExp(toStr(a), 'u').exec(s);
			if (!m) return bad('pattern did not match');
			if (m.groups) return { ...m.groups } as Record<string, HclValue>;
			return m.length > 1 ? m.slice(1).map((g) => g ?? null) : m[0];
		}
		case 'lower':
			return toStr(a).toLowerCase();
		case 'upper':
			return toStr(a).toUpperCase();
		case 'trimspace':
			return toStr(a).replace(/^\s+|\s+$/gu, '');
		case 'startswith':
			return toStr(a).startsWith(toStr(b));
		case 'endswith':
			return toStr(a).endsWith(toStr(b));
		case 'alltrue':
			return list(a).every((x) => toBool(x));
		case 'anytrue':
			return list(a).some((x) => toBool(x));
		case 'min':
			return Math.min(...args.map(toNumber));
		case 'max':
			return Math.max(...args.map(toNumber));
		case 'abs':
			return Math.abs(toNumber(a));
		case 'floor':
			return Math.floor(toNumber(a));
		case 'ceil':
			return Math.ceil(toNumber(a));
		case 'keys':
			if (!isObject(a)) return bad(`keys() of ${kindOf(a)}`);
			return Object.keys(a).sort();
		case 'values':
			if (!isObject(a)) return bad(`values() of ${kindOf(a)}`);
			return Object.keys(a)
				.sort()
				.map((k) => a[k] as HclValue);
		case 'tonumber':
			return a === null ? null : toNumber(a);
		case 'tostring':
			return a === null ? null : toStr(a);
		case 'tobool':
			return a === null ? null : toBool(a);
	}
}

function list(v: HclValue): HclValue[] {
	return Array.isArray(v) ? v : bad(`expected a list, got ${kindOf(v)}`);
}

function isObject(v: HclValue): v is { [k: string]: HclValue } {
	return typeof v === 'object' && v !== null && !Array.isArray(v) && !isUnevaluated(v);
}

function kindOf(v: HclValue): string {
	if (v === null) return 'null';
	if (Array.isArray(v)) return 'a list';
	if (typeof v === 'object') return 'an object';
	return `a ${typeof v}`;
}

function finite(n: number): number {
	return Number.isFinite(n) ? n : bad('number out of range');
}

// Operators convert their operands the way OpenTofu converts primitives:
// "5" is a number, "true" a bool, and a number or bool a string.
function toNumber(v: HclValue): number {
	if (typeof v === 'number') return v;
	if (typeof v === 'string' && DECIMAL.test(v)) return Number(v);
	return bad(`expected a number, got ${kindOf(v)}`);
}

function toBool(v: HclValue): boolean {
	if (typeof v === 'boolean') return v;
	if (v === 'true' || v === 'false') return v === 'true';
	return bad(`expected a bool, got ${kindOf(v)}`);
}

function toStr(v: HclValue): string {
	if (typeof v === 'string') return v;
	if (typeof v === 'number' || typeof v === 'boolean') return String(v);
	return bad(`expected a string, got ${kindOf(v)}`);
}

/** A decimal number as OpenTofu reads one from a string. */
export const DECIMAL = /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/** HCL equality: by type and value, with no conversion (1 == "1" is false); object key order does not matter. Unevaluated expressions are equal when written the same. */
export function equalValues(a: HclValue, b: HclValue): boolean {
	if (isUnevaluated(a) || isUnevaluated(b)) return isUnevaluated(a) && isUnevaluated(b) && a.expression === b.expression;
	if (a === b) return true;
	if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => equalValues(x, b[i] as HclValue));
	if (isObject(a)) {
		if (!isObject(b)) return false;
		const ka = Object.keys(a);
		return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && equalValues(a[k] as HclValue, b[k] as HclValue));
	}
	return false;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

// OpenTofu's length() of a string counts user-perceived characters (grapheme clusters).
function graphemes(s: string): number {
	let n = 0;
	for (const _ of segmenter.segment(s)) n++;
	return n;
}
