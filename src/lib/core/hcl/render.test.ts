import { parse as hcl2json } from '@cdktf/hcl2json';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadHcl, type HclParser, type HclValue } from './index';
import { decimalText, hclKey, hclString, renderValue } from './render';

let hcl: HclParser;
beforeAll(async () => {
	hcl = await loadHcl();
});

function readBack(text: string): Record<string, unknown> {
	const r = hcl.parseTfvars(text, 't.tfvars');
	if (!r.ok) throw new Error(`${r.error.message} in ${text}`);
	return Object.fromEntries(Object.entries(r.value.values).map(([k, a]) => [k, a.value]));
}

// hcl2json returns template source, where a literal `${` is spelled `$${`.
function asTemplate(s: string): string {
	return s.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

const HOSTILE = [
	'plain',
	'',
	'a "quoted" word',
	'back\\slash',
	'trailing backslash \\',
	'line\nbreak',
	'crlf\r\nline',
	'tab\there',
	'${var.secret}',
	'%{ if true }x%{ endif }',
	'$${already escaped}',
	'%%{already escaped}',
	'$$${triple}',
	'\\${escaped dollar}',
	'"\nb = "injected',
	'x"\n}\nresource "null_resource" "x" {\n',
	'<<EOT\nheredoc\nEOT',
	'# not a comment',
	'/* not a comment */',
	'nul \u0000 bell \u0007 esc \u001b del \u007f',
	'é ß 中文 😀 👍🏽',
	'rtl \u202e override \u2066 isolate',
	'zero\u200bwidth and bom \ufeff',
	'line separator \u2028 paragraph \u2029',
	'c1 \u0085 control'
];

describe('hclString', () => {
	it('escapes as HCL defines', () => {
		expect(hclString('a"b\\c\nd\re\tf')).toBe('"a\\"b\\\\c\\nd\\re\\tf"');
		expect(hclString('${x} %{y} $z %z')).toBe('"$${x} %%{y} $z %z"');
		// A `$` or `%` right before `${` / `%{` is escaped: parsers disagree on `$$${`.
		expect(hclString('$${z} %%{z} $$${z}')).toBe('"\\u0024$${z} \\u0025%%{z} $\\u0024$${z}"');
		expect(hclString('é😀\u0000\u007f')).toBe('"\\u00E9\\U0001F600\\u0000\\u007F"');
	});

	it('writes only printable ASCII, so nothing hides in the diff', () => {
		for (const s of HOSTILE) expect(hclString(s), s).toMatch(/^"[\x20-\x7e]*"$/);
	});

	it('reads back as exactly the same string, with our reader and with hcl2json', async () => {
		const text = HOSTILE.map((s, i) => `v${i} = ${hclString(s)}\n`).join('');
		const ours = readBack(text);
		const theirs = await hcl2json('t.tfvars', text);
		HOSTILE.forEach((s, i) => {
			expect(ours[`v${i}`], JSON.stringify(s)).toBe(s);
			expect(theirs[`v${i}`], JSON.stringify(s)).toBe(asTemplate(s));
		});
		expect(Object.keys(ours)).toHaveLength(HOSTILE.length);
	});

	it('refuses a lone surrogate instead of writing something else', () => {
		expect(() => hclString('\ud800')).toThrow(/lone surrogate/);
	});
});

describe('hclKey', () => {
	it('quotes anything that is not a plain name', () => {
		expect(['name', 'a_b', '_x', 'gh-extra-4', 'null', 'true', 'for', 'in', 'if', '1a', '', 'a b', '${x}'].map(hclKey)).toEqual([
			'name',
			'a_b',
			'_x',
			'"gh-extra-4"',
			'"null"',
			'"true"',
			'"for"',
			'"in"',
			'"if"',
			'"1a"',
			'""',
			'"a b"',
			'"$${x}"'
		]);
	});
});

describe('renderValue', () => {
	it('keeps short flat values on one line', () => {
		expect(renderValue([1, 'a', true, null])).toBe('[1, "a", true, null]');
		expect(renderValue({ cpu: '500m', memory: '1Gi' })).toBe('{ cpu = "500m", memory = "1Gi" }');
		expect(renderValue({ 'odd key': 1, null: 2 })).toBe('{ "odd key" = 1, "null" = 2 }');
		expect(renderValue([])).toBe('[]');
		expect(renderValue({})).toBe('{}');
		expect(renderValue([[], {}])).toBe('[[], {}]');
		expect(renderValue(1e21)).toBe('1000000000000000000000');
		expect(renderValue(-0.5)).toBe('-0.5');
	});

	it('breaks nested or long values one element per line, aligned like tofu fmt', () => {
		const policies = [
			{ type: 'Pods', value: 4, period_seconds: 15 },
			{ type: 'Percent', value: 100, period_seconds: 15 }
		];
		expect(renderValue(policies)).toBe('[\n  { type = "Pods", value = 4, period_seconds = 15 },\n  { type = "Percent", value = 100, period_seconds = 15 },\n]');
		const sets = { 'gh-extra-4': { min_runners: 0, max_runners: 4, cpu_request: '500m', memory_request: '1Gi', cpu_limit: '2', memory_limit: '4Gi' } };
		expect(renderValue(sets, '', '\n')).toBe(
			[
				'{',
				'  "gh-extra-4" = {',
				'    min_runners    = 0',
				'    max_runners    = 4',
				'    cpu_request    = "500m"',
				'    memory_request = "1Gi"',
				'    cpu_limit      = "2"',
				'    memory_limit   = "4Gi"',
				'  }',
				'}'
			].join('\n')
		);
		const long = Array.from({ length: 12 }, (_, i) => `runner-${i}`);
		expect(renderValue(long, '  ', '\r\n')).toBe(`[\r\n${long.map((x) => `    "${x}",`).join('\r\n')}\r\n  ]`);
	});

	it('reads back equal, with both readers', async () => {
		const values: HclValue[] = [
			{ a: [1, 2, { b: 'c', 'd-e': [true, null] }], f: {} },
			Array.from({ length: 30 }, (_, i) => ({ n: i, s: HOSTILE[i % HOSTILE.length]! })),
			{ nested: { deeper: { deepest: ['x', { y: 1.5 }] } } }
		];
		const text = values.map((v, i) => `v${i} = ${renderValue(v)}\n`).join('');
		const ours = readBack(text);
		values.forEach((v, i) => expect(ours[`v${i}`]).toEqual(v));
		const theirs = await hcl2json('t.tfvars', text);
		expect(theirs.v0).toEqual(values[0]);
		expect(theirs.v2).toEqual(values[2]);
	});
});

describe('decimalText', () => {
	it('writes numbers without an exponent, exactly', () => {
		expect(decimalText(8)).toBe('8');
		expect(decimalText(-2.5)).toBe('-2.5');
		expect(decimalText(1e21)).toBe('1000000000000000000000');
		expect(decimalText(1.5e-7)).toBe('0.00000015');
		expect(decimalText(-1.2345e25)).toBe('-12345000000000000000000000');
		for (const n of [1e21, 1.5e-7, 5e-324, 1.7976931348623157e308, 123456789.123]) expect(Number(decimalText(n))).toBe(n);
	});
});
