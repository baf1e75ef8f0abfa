import { beforeAll, describe, expect, it } from 'vitest';
import { stackSections, STACKS, variablesTf } from '../../../../sandbox/gitops/stacks';
import { checkCondition } from './conditions';
import { loadHcl, type HclParser } from './index';
import { typeText } from './types';
import type { VariablesFile } from './variables';

let hcl: HclParser;
beforeAll(async () => {
	hcl = await loadHcl();
});

function read(text: string): VariablesFile {
	const r = hcl.parseVariables(text, 'variables.tf');
	if (!r.ok) throw new Error(r.error.message);
	return r.value;
}

describe('type constraints', () => {
	const cases: [string, unknown][] = [
		['string', { kind: 'string' }],
		['number', { kind: 'number' }],
		['bool', { kind: 'bool' }],
		['any', { kind: 'any' }],
		['list(string)', { kind: 'list', element: { kind: 'string' } }],
		['set(number)', { kind: 'set', element: { kind: 'number' } }],
		['map(bool)', { kind: 'map', element: { kind: 'bool' } }],
		['list', { kind: 'list', element: { kind: 'any' } }],
		['tuple([string, number, bool])', { kind: 'tuple', elements: [{ kind: 'string' }, { kind: 'number' }, { kind: 'bool' }] }],
		['tuple([])', { kind: 'tuple', elements: [] }],
		[
			'object({ name = string, size = optional(number), tier = optional(string, "small"), "odd-key" = list(string) })',
			{
				kind: 'object',
				attributes: {
					name: { type: { kind: 'string' }, optional: false },
					size: { type: { kind: 'number' }, optional: true },
					tier: { type: { kind: 'string' }, optional: true, default: 'small' },
					'odd-key': { type: { kind: 'list', element: { kind: 'string' } }, optional: false }
				}
			}
		],
		[
			'map(object({\n    # a comment inside\n    cpu = optional(object({ request = string }), { request = "1" })\n  }))',
			{
				kind: 'map',
				element: {
					kind: 'object',
					attributes: { cpu: { type: { kind: 'object', attributes: { request: { type: { kind: 'string' }, optional: false } } }, optional: true, default: { request: '1' } } }
				}
			}
		]
	];
	for (const [written, expected] of cases) {
		it(`reads ${written.split('\n')[0]}`, () => {
			const v = read(`variable "x" {\n  type = ${written}\n}\n`).variables.x!;
			expect(v.constraint).toEqual(expected);
			expect(v.typeError).toBeNull();
			expect(v.type).toBe(written);
		});
	}

	it('is any when no type is written', () => {
		expect(read('variable "x" {}\n').variables.x).toMatchObject({ constraint: { kind: 'any' }, typeError: null, type: null });
	});

	it('refuses what OpenTofu would refuse, with a reason', () => {
		const bad: [string, RegExp][] = [
			['"string"', /quoted type constraints/],
			['strin', /unknown type keyword strin/],
			['list(string, number)', /exactly one argument/],
			['optional(string)', /only allowed on an object attribute/],
			['object({ a = optional(string, var.x) })', /must be a literal/],
			['object({ a = string, a = number })', /declared twice/],
			['tuple(string)', /list of types/],
			['frob(string)', /unknown type constructor frob/],
			['list(string) == 1', /not a type/]
		];
		for (const [written, message] of bad) {
			const v = read(`variable "x" {\n  type = ${written}\n}\n`).variables.x!;
			expect(v.constraint, written).toBeNull();
			expect(v.typeError, written).toMatch(message);
		}
	});

	it('refuses a constraint nested deeper than the limit without overflowing', () => {
		const deep = `${'list('.repeat(200)}string${')'.repeat(200)}`;
		const v = read(`variable "x" {\n  type = ${deep}\n}\n`).variables.x!;
		expect(v.constraint).toBeNull();
		expect(v.typeError).toMatch(/deeper than 32/);
	});

	it('writes a constraint back as OpenTofu spells it', () => {
		const v = read('variable "x" {\n  type = map(object({ a = optional(string, "x"), b = tuple([number, bool]), c = set(any) }))\n}\n').variables.x!;
		expect(typeText(v.constraint!)).toBe('map(object({ a = optional(string, "x"), b = tuple([number, bool]), c = set(any) }))');
	});
});

describe('sensitive, nullable and validation', () => {
	const text = [
		'variable "token" {',
		'  type      = string',
		'  sensitive = true',
		'}',
		'variable "tag" {',
		'  type     = string',
		'  nullable = false',
		'  default  = "v1"',
		'  validation {',
		'    condition     = can(regex("^v[0-9]+$", var.tag))',
		'    error_message = "tag must look like v1"',
		'  }',
		'  validation {',
		'    condition     = var.tag != local.reserved',
		'    error_message = "reserved"',
		'  }',
		'}',
		'variable "replicas" {',
		'  type = number',
		'  validation {',
		'    condition     = var.replicas >= 1 && var.replicas <= 100',
		'    error_message = "between 1 and 100"',
		'  }',
		'  validation {',
		'    condition     = var.replicas <= var.max_replicas',
		'    error_message = "at most max"',
		'  }',
		'}',
		'variable "plain" {',
		'  sensitive = false',
		'}',
		''
	].join('\n');

	it('reads sensitive and nullable, defaulting to false and true', () => {
		const v = read(text).variables;
		expect([v.token?.sensitive, v.tag?.sensitive, v.plain?.sensitive]).toEqual([true, false, false]);
		expect([v.token?.nullable, v.tag?.nullable]).toEqual([true, false]);
	});

	it('compiles literal conditions and keeps the others with the reason', () => {
		const v = read(text).variables;
		const [tagFormat, tagReserved] = v.tag!.validations;
		expect(tagFormat).toMatchObject({ condition: 'can(regex("^v[0-9]+$", var.tag))', errorMessage: 'tag must look like v1', uncheckable: null, line: 9 });
		expect(checkCondition(tagFormat!.check!, 'v12')).toEqual({ ok: true, passed: true });
		expect(checkCondition(tagFormat!.check!, 'latest')).toEqual({ ok: true, passed: false });
		expect(tagReserved).toMatchObject({ condition: 'var.tag != local.reserved', check: null, uncheckable: 'refers to local' });
		const [range, other] = v.replicas!.validations;
		expect(checkCondition(range!.check!, 50)).toEqual({ ok: true, passed: true });
		expect(checkCondition(range!.check!, 101)).toEqual({ ok: true, passed: false });
		expect(other).toMatchObject({ check: null, uncheckable: 'refers to var.max_replicas' });
	});
});

describe('the sandbox stacks', () => {
	for (const stack of STACKS) {
		it(`reads every variable of ${stack} with the type it declares`, () => {
			const vars = read(variablesTf(stack, 4)).variables;
			const declared = stackSections(stack, 4).flatMap((s) => s.vars);
			expect(Object.keys(vars)).toEqual(declared.map((d) => d.name));
			for (const d of declared) {
				const v = vars[d.name]!;
				expect(v.typeError, d.name).toBeNull();
				// The constraint written back reads as the declared one (modulo spacing).
				expect(typeText(v.constraint!).replace(/\s+/g, ''), d.name).toBe(d.type.replace(/\s+/g, ''));
				expect(v.sensitive).toBe(false);
				expect(v.description).toBe(d.description);
			}
		});
	}
});
