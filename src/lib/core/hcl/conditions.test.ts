import { beforeAll, describe, expect, it } from 'vitest';
import { checkCondition, compileCondition, evaluateCondition, re2Difference, type CompileResult } from './conditions';
import { loadHcl, type HclParser } from './index';
import { attributeParts, bodyItems, fileBody } from './body';
import type { HclValue } from './values';

let hcl: HclParser;
beforeAll(async () => {
	hcl = await loadHcl();
});

function compile(condition: string, self = 'x'): CompileResult {
	const text = `c = ${condition}\n`;
	return hcl.withTree(text, (root) => {
		const attr = bodyItems(fileBody(root))[0]!;
		return compileCondition(attributeParts(attr)!.value, text, self);
	});
}

function check(condition: string, value: HclValue): boolean | string {
	const c = compile(condition);
	if (!c.ok) throw new Error(c.reason);
	const r = checkCondition(c.condition, value);
	return r.ok ? r.passed : `error: ${r.message}`;
}

describe('checkable conditions', () => {
	it('compares numbers, with && and ||', () => {
		const c = 'var.x >= 1 && var.x <= 100';
		expect([check(c, 1), check(c, 100), check(c, 0), check(c, 101), check(c, 50.5)]).toEqual([true, true, false, false, true]);
		expect(check('var.x < 1 || var.x > 9', 0)).toBe(true);
		expect(check('var.x < 1 || var.x > 9', 5)).toBe(false);
		expect(check('!(var.x == 3)', 3)).toBe(false);
		expect(check('var.x % 2 == 0 && var.x * 2 - 1 == 7', 4)).toBe(true);
		expect(check('-var.x < 0', 4)).toBe(true);
		expect(check('(var.x > 1) && (var.x < 5)', 3)).toBe(true);
		expect(check('((var.x)) == 3', 3)).toBe(true);
		expect(check('!var.x', false)).toBe(true);
		expect(check('var.x.0 == "a"', ['a'])).toBe(true);
		expect(check('var.x > "2"', 3)).toBe(true);
	});

	it('contains, length and regex as validations use them', () => {
		expect(check('contains(["a", "b"], var.x)', 'a')).toBe(true);
		expect(check('contains(["a", "b"], var.x)', 'c')).toBe(false);
		expect(check('length(var.x) > 0', '')).toBe(false);
		expect(check('length(var.x) > 0', ['a'])).toBe(true);
		expect(check('length(var.x) == 2', { a: 1, b: 2 })).toBe(true);
		// length() of a string counts characters as a reader sees them.
		expect(check('length(var.x) == 2', 'é👍🏽')).toBe(true);
		expect(check('can(regex("^[a-z][a-z0-9-]{0,62}$", var.x))', 'docker-runner')).toBe(true);
		expect(check('can(regex("^[a-z][a-z0-9-]{0,62}$", var.x))', 'Docker')).toBe(false);
		expect(check('can(regex("^[0-9]+(m|Mi|Gi)?$", var.x))', '500m')).toBe(true);
	});

	it('equality is by type, without conversion', () => {
		expect(check('var.x == 1', 1)).toBe(true);
		expect(check('var.x == "1"', 1)).toBe(false);
		expect(check('var.x == { a = [1, "b"] }', { a: [1, 'b'] })).toBe(true);
		expect(check('var.x != null', null)).toBe(false);
	});

	it('short-circuits && and || like current HCL', () => {
		expect(check('var.x != null && length(var.x) > 0', null)).toBe(false);
		expect(check('var.x == null || length(var.x) > 0', null)).toBe(true);
	});

	it('reads attributes, indexes, conditionals and for expressions over the variable', () => {
		const policies = [
			{ type: 'Pods', value: 4 },
			{ type: 'Percent', value: 100 }
		];
		expect(check('alltrue([for p in var.x : contains(["Pods", "Percent"], p.type)])', policies)).toBe(true);
		expect(check('alltrue([for p in var.x : p.value > 0 && p.value <= 10])', policies)).toBe(false);
		expect(check('anytrue([for i, p in var.x : i == 1 && p.type == "Percent"])', policies)).toBe(true);
		expect(check('length([for p in var.x : p if p.value > 50]) == 1', policies)).toBe(true);
		expect(check('var.x[0].type == "Pods" && var.x[1]["value"] == 100', policies)).toBe(true);
		expect(check('alltrue([for k, v in var.x : startswith(k, "gh-") && v.max >= v.min])', { 'gh-a': { min: 0, max: 2 } })).toBe(true);
		expect(check('(var.x > 5 ? "big" : "small") == "big"', 6)).toBe(true);
	});

	it('an error in the condition is reported, and can() turns it into false', () => {
		expect(check('var.x.missing == 1', { a: 1 })).toBe('error: no attribute missing');
		expect(check('length(var.x) > 0', 5)).toBe('error: length() of a number');
		expect(check('can(var.x.missing)', { a: 1 })).toBe(false);
		expect(check('var.x', 'maybe')).toBe('error: the condition is not true or false: expected a bool, got a string');
	});

	it('evaluates to the value itself, not only to true or false', () => {
		const c = compile('regex("^(?P<n>[0-9]+)", var.x)'.replace('(?P<n>', '('));
		if (!c.ok) throw new Error(c.reason);
		expect(evaluateCondition(c.condition, '42abc')).toEqual({ ok: true, value: ['42'] });
	});
});

describe('conditions left to tofu plan', () => {
	const cases: [string, RegExp][] = [
		['var.y > 1', /refers to var\.y/],
		['var.x > local.min', /refers to local/],
		['"${var.x}" != ""', /needs evaluation/],
		['timestamp() != ""', /function timestamp\(\) is not checked here/],
		['can(regex(var.x, "a"))', /computed pattern/],
		['can(regex("(?i)^a$", var.x))', /inline flags/],
		['can(regex("^[[:alpha:]]+$", var.x))', /POSIX/],
		['can(regex("^\\\\pL+$", var.x))', /escape/],
		['{ for k, v in var.x : k => v } != {}', /only \[for/],
		['var.x[*].a == []', /splat/],
		['length(var.x...) > 0', /expanded arguments/]
	];
	for (const [condition, reason] of cases) {
		it(`keeps ${condition}`, () => {
			const c = compile(condition);
			expect(c.ok).toBe(false);
			if (!c.ok) expect(c.reason).toMatch(reason);
		});
	}

	it('stops at the depth limit instead of overflowing', () => {
		const c = compile(`${'('.repeat(300)}var.x${')'.repeat(300)} == 1`);
		expect(c.ok).toBe(false);
		if (!c.ok) expect(c.reason).toMatch(/deeper than/);
	});

	it('knows which regexes JavaScript reads like RE2', () => {
		expect(re2Difference('^[a-z0-9-]+$')).toBeNull();
		expect(re2Difference('^v\\d+\\.\\d+$')).toBeNull();
		expect(re2Difference('(a)\\1')).not.toBeNull();
		expect(re2Difference('\\Aabc\\z')).not.toBeNull();
		expect(re2Difference('(?=a)')).not.toBeNull();
	});
});
