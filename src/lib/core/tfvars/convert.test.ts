import { describe, expect, it } from 'vitest';
import type { TypeConstraint } from '../hcl/types';
import { MAX_VALUE_DEPTH, validateValue } from './convert';

const S: TypeConstraint = { kind: 'string' };
const N: TypeConstraint = { kind: 'number' };
const B: TypeConstraint = { kind: 'bool' };
const ANY: TypeConstraint = { kind: 'any' };
const list = (element: TypeConstraint): TypeConstraint => ({ kind: 'list', element });
const set = (element: TypeConstraint): TypeConstraint => ({ kind: 'set', element });
const map = (element: TypeConstraint): TypeConstraint => ({ kind: 'map', element });

const RUNNER: TypeConstraint = {
	kind: 'object',
	attributes: {
		name: { type: S, optional: false },
		cpu: { type: S, optional: false },
		max: { type: N, optional: true, default: 4 },
		tags: { type: list(S), optional: true }
	}
};

function ok(type: TypeConstraint, v: unknown) {
	const r = validateValue(type, v, 'v');
	if (!r.ok) throw new Error(r.message);
	return r;
}

function err(type: TypeConstraint, v: unknown, name = 'v'): string {
	const r = validateValue(type, v, name);
	if (r.ok) throw new Error(`accepted ${JSON.stringify(v)}`);
	return r.message;
}

describe('primitive conversions (OpenTofu: "Conversion of Primitive Types")', () => {
	it('number from a number or a decimal string', () => {
		expect(ok(N, 8).value).toBe(8);
		expect(ok(N, '8').value).toBe(8);
		expect(ok(N, '-2.5').value).toBe(-2.5);
		expect(ok(N, '1e3').value).toBe(1000);
		expect(Object.is(ok(N, -0).value, 0)).toBe(true);
		expect(err(N, 'eight')).toBe('v: expected number, got "eight"');
		expect(err(N, ' 8')).toBe('v: expected number, got " 8"');
		expect(err(N, true)).toBe('v: expected number, got a bool');
		expect(err(N, Number.NaN)).toBe('v: expected number, got NaN');
		expect(err(N, Number.POSITIVE_INFINITY)).toBe('v: expected number, got Infinity');
		expect(err(N, '1e999')).toBe('v: "1e999" is out of range');
	});

	it('bool from a bool or exactly "true" / "false"', () => {
		expect(ok(B, false).value).toBe(false);
		expect(ok(B, 'true').value).toBe(true);
		expect(err(B, 'yes')).toBe('v: expected bool (true or false), got "yes"');
		expect(err(B, 1)).toBe('v: expected bool, got a number');
	});

	it('string from a string, number or bool', () => {
		expect(ok(S, 'x').value).toBe('x');
		expect(ok(S, 15).value).toBe('15');
		expect(ok(S, true).value).toBe('true');
		expect(ok(S, 1e21).value).toBe('1000000000000000000000');
		expect(err(S, ['x'])).toBe('v: expected string, got a list');
		expect(err(S, { a: 1 })).toBe('v: expected string, got an object');
		expect(err(S, 'bad \ud800 surrogate')).toBe('v: not valid Unicode text (a lone surrogate)');
		// HCL reads strings in NFC: "e" + combining acute is written as "é".
		expect(ok(S, 'cafe\u0301').value).toBe('caf\u00e9');
		expect(ok(map(N), { 'e\u0301': 1 }).value).toEqual({ '\u00e9': 1 });
		expect(err(map(N), { 'e\u0301': 1, '\u00e9': 2 })).toBe('v["é"]: two keys are the same text once normalized (Unicode NFC)');
	});

	it('null is a value of every type', () => {
		for (const t of [S, N, B, list(S), RUNNER]) expect(ok(t, null).value).toBeNull();
	});
});

describe('collections and structures', () => {
	it('names the path of the first bad element', () => {
		const runners = list(RUNNER);
		const v = [
			{ name: 'a', cpu: '1' },
			{ name: 'b', cpu: '1' },
			{ name: 'c', cpu: 2, tags: ['x', ['y']] }
		];
		expect(err(runners, v, 'runners')).toBe('runners[2].tags[1]: expected string, got a list');
		expect(err(runners, [{ name: 'a' }], 'runners')).toBe('runners[0].cpu: required attribute missing');
		expect(err(runners, [{ name: 'a', cpu: '1', cpus: 2 }], 'runners')).toBe('runners[0].cpus: not an attribute of this object (expected name, cpu, max, tags)');
		expect(err(map(RUNNER), { 'gh-x': { name: 'a', cpu: [] } }, 'sets')).toBe('sets["gh-x"].cpu: expected string, got a list');
	});

	it('leaves optional attributes out of the written value and fills them in the effective one', () => {
		const r = ok(RUNNER, { name: 'a', cpu: 1 });
		expect(r.value).toEqual({ name: 'a', cpu: '1' });
		expect(r.effective).toEqual({ name: 'a', cpu: '1', max: 4, tags: null });
	});

	it('converts elements, keeps set order as written and drops repeats in the effective value', () => {
		expect(ok(list(N), ['1', 2]).value).toEqual([1, 2]);
		const s = ok(set(S), ['b', 'a', 'b']);
		expect(s.value).toEqual(['b', 'a', 'b']);
		expect(s.effective).toEqual(['b', 'a']);
		expect(err(list(N), { a: 1 })).toBe('v: expected list, got an object');
		expect(err(map(N), [1])).toBe('v: expected map, got a list');
	});

	it('tuples need exactly their elements', () => {
		const t: TypeConstraint = { kind: 'tuple', elements: [S, N] };
		expect(ok(t, ['a', '2']).value).toEqual(['a', 2]);
		expect(err(t, ['a'])).toBe('v: expected 2 elements, got 1');
	});

	it('unifies list(any) and map(any) elements as OpenTofu does', () => {
		expect(ok(list(ANY), [1, 'a', true]).effective).toEqual(['1', 'a', 'true']);
		expect(ok(list(ANY), [1, 'a', true]).value).toEqual(['1', 'a', 'true']);
		expect(ok(list(ANY), [[1], [2, 3]]).value).toEqual([[1], [2, 3]]);
		expect(ok(map(ANY), { a: { x: 1 }, b: { y: 'z' } }).value).toEqual({ a: { x: '1' }, b: { y: 'z' } });
		expect(ok(list(ANY), [null, 1]).value).toEqual([null, 1]);
		expect(err(list(ANY), [1, [1]])).toMatch(/^v: the elements of a list\(any\) must share one type/);
		expect(err(map(ANY), { a: 1, b: { c: 1 } })).toMatch(/^v: the elements of a map\(any\) must share one type/);
	});

	it('takes any value for `any`, but only data', () => {
		expect(ok(ANY, { a: [1, { b: null }] }).value).toEqual({ a: [1, { b: null }] });
		expect(err(ANY, { a: undefined })).toBe('v.a: expected a value, got undefined');
		expect(err(ANY, { f: () => 1 })).toBe('v.f: expected a value, got function');
		expect(err(ANY, new Date(0))).toBe('v: expected a value, got object');
		expect(err(ANY, { expression: 'var.x', unevaluated: true })).toBe('v: an expression cannot be written; give a literal value');
		expect(err(ANY, JSON.parse('{"__proto__": {"a": 1}}'))).toBe('v: the key __proto__ is not supported');
	});

	it('refuses values nested deeper than the limit', () => {
		let deep: unknown = 1;
		for (let i = 0; i <= MAX_VALUE_DEPTH + 1; i++) deep = [deep];
		expect(err(ANY, deep)).toMatch(new RegExp(`nested deeper than ${MAX_VALUE_DEPTH} levels`));
		let fine: unknown = 1;
		for (let i = 0; i < MAX_VALUE_DEPTH; i++) fine = [fine];
		expect(ok(ANY, fine).value).toEqual(fine);
	});
});
