import { parse as hcl2json } from '@cdktf/hcl2json';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadHcl, type HclParser } from './index';
import { isUnevaluated, MAX_NESTING, type HclValue } from './values';

let hcl: HclParser;
beforeAll(async () => {
	hcl = await loadHcl();
});

// hcl2json returns template source, where a literal `${` is spelled `$${`; our
// values are the strings themselves. Spell ours the same way to compare.
function asHcl2json(v: HclValue): unknown {
	if (typeof v === 'string') return v.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
	if (Array.isArray(v)) return v.map(asHcl2json);
	if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asHcl2json(x)]));
	return v;
}

const CORPUS: Record<string, string> = {
	strings: 'a = "plain"\nb = "with \\"quotes\\" and \\\\ backslash"\nc = "tab\\tnew\\nline"\nd = "unicode \\u00e9 \\U0001F600 é"\ne = ""\nf = "literal $${not} and %%{not}"\n',
	numbers: 'a = 0\nb = 42\nc = -7\nd = 3.25\ne = 1.0e3\nf = 2.5E-2\ng = -0.5\nh = 1.5e+2\n',
	bools: 'a = true\nb = false\nc = null\n',
	lists: 'a = [1, 2, 3]\nb = [\n  "x",\n  "y", # trailing comment\n  "z",\n]\nc = []\nd = [[1, 2], ["a"]]\n',
	maps: 'a = { x = 1, y = "two" }\nb = {\n  "quoted-key" = true\n  plain       = [1]\n  nested = { deep = { deeper = "yes" } }\n}\nc = {}\nd = { k: "colon" }\n',
	heredocs: 'a = <<EOT\nline one\n  line two\nEOT\nb = <<-EOT\n    indented\n      more\n    EOT\nc = <<EOT\n$${kept} and "quotes" \\n raw\nEOT\n',
	nfc: 'a = "e\u0301"\nb = "e\\u0301"\nc = <<EOT\ne\u0301\nEOT\nd = { "e\u0301" = "\\U0002F800" }\n',
	crlf: 'a = 1\r\nb = <<EOT\r\nline one\r\nEOT\r\nc = <<-EOT\r\n    indented\r\n      more\r\n    EOT\r\nd = [\r\n  "x",\r\n]\r\n',
	comments: '# hash\n// slashes\n/* block\n comment */\na = 1 # after\nb = /* inline */ 2\n',
	mixed: 'runners = [\n  { name = "docker", max = 8, tags = ["a", "b"] },\n  { name = "nix", max = 4, tags = [] },\n]\nresources = { requests = { cpu = "500m", memory = "1Gi" } }\n'
};

describe('parseTfvars against hcl2json', () => {
	for (const [name, text] of Object.entries(CORPUS)) {
		it(`extracts the same values as hcl2json: ${name}`, async () => {
			const ours = hcl.parseTfvars(text, `${name}.tfvars`);
			if (!ours.ok) throw new Error(ours.error.message);
			const theirs = await hcl2json(`${name}.tfvars`, text);
			const values = Object.fromEntries(Object.entries(ours.value.values).map(([k, a]) => [k, asHcl2json(a.value)]));
			expect(values).toEqual(theirs);
			expect(Object.keys(values).length).toBeGreaterThan(0);
		});
	}

	it('keeps lines and value ranges for format-preserving edits', () => {
		const text = '# header\n\nmax = 8\nname = "docker-runner" # comment\nlist = [\n  1,\n  2,\n]\n';
		const r = hcl.parseTfvars(text, 'dev.tfvars');
		if (!r.ok) throw new Error(r.error.message);
		const { max, name, list } = r.value.values;
		expect([max?.line, name?.line, list?.line]).toEqual([3, 4, 5]);
		expect(text.slice(max!.range.start, max!.range.end)).toBe('8');
		expect(text.slice(name!.range.start, name!.range.end)).toBe('"docker-runner"');
		expect(text.slice(list!.range.start, list!.range.end)).toBe('[\n  1,\n  2,\n]');
		expect(text.slice(name!.attributeRange.start, name!.attributeRange.end)).toBe('name = "docker-runner"');
		// Ranges are string offsets, also after non-ASCII text.
		const u = hcl.parseTfvars('a = "é€😀"\nb = 2\n', 'u.tfvars');
		if (!u.ok) throw new Error(u.error.message);
		const b = u.value.values.b!;
		expect('a = "é€😀"\nb = 2\n'.slice(b.range.start, b.range.end)).toBe('2');
	});

	it('keeps expressions it does not evaluate as source text, marked', () => {
		const r = hcl.parseTfvars('a = max(1, 2)\nb = var.x\nc = "x-${var.y}"\nd = 1 + 2\ne = [1, local.z]\nf = { (local.k) = 1 }\ng = <<EOT\n${x}\nEOT\n', 't.tfvars');
		if (!r.ok) throw new Error(r.error.message);
		const v = r.value.values;
		expect(v.a?.value).toEqual({ expression: 'max(1, 2)', unevaluated: true });
		expect(v.b?.value).toEqual({ expression: 'var.x', unevaluated: true });
		expect(v.c?.value).toEqual({ expression: '"x-${var.y}"', unevaluated: true });
		expect(v.d?.value).toEqual({ expression: '1 + 2', unevaluated: true });
		expect(v.e?.value).toEqual([1, { expression: 'local.z', unevaluated: true }]);
		expect(isUnevaluated(v.f?.value)).toBe(true);
		expect(isUnevaluated(v.g?.value)).toBe(true);
	});

	it('reports syntax errors with the file and 1-based line, never throws', () => {
		const cases: [string, number][] = [
			['a = 1\nb =\nc = 3\n', 2],
			['a = 1\nb = [1,\n', 2],
			['a = 1\n\nb = "unterminated\nc = 2\n', 3],
			['a = 1\nb = }\n', 2],
			['a = 1\nb c d\n', 2],
			// tree-sitter-hcl 1.2 wants a fraction before an exponent: `1e3` is reported, never misread.
			['a = 1\nb = 1e3\n', 2]
		];
		for (const [text, line] of cases) {
			const r = hcl.parseTfvars(text, 'env/dev.tfvars');
			expect(r.ok, text).toBe(false);
			if (r.ok) continue;
			expect(r.error.file).toBe('env/dev.tfvars');
			expect(r.error.line, text).toBe(line);
			expect(r.error.message).toMatch(/syntax error/);
		}
		expect(hcl.parseTfvars('', 'empty.tfvars')).toEqual({ ok: true, value: { file: 'empty.tfvars', values: {} } });
	});
});

describe('values past the limits', () => {
	it('refuses 1 000-deep nesting with the limit in its message, at the line where it is passed', () => {
		const text = `a = 1\nb = ${'['.repeat(1000)}${']'.repeat(1000)}\n`;
		const r = hcl.parseTfvars(text, 'deep.tfvars');
		expect(r).toEqual({ ok: false, error: { file: 'deep.tfvars', line: 2, message: `value nested deeper than ${MAX_NESTING} levels` } });
		const objects = hcl.parseVariables(`variable "x" {\n  default = ${'{ a = '.repeat(1000)}1${' }'.repeat(1000)}\n}\n`, 'variables.tf');
		expect(objects).toMatchObject({ ok: false, error: { line: 2, message: expect.stringContaining('nested deeper') } });
		// At the limit it is still a value.
		const atLimit = hcl.parseTfvars(`b = ${'['.repeat(MAX_NESTING)}1${']'.repeat(MAX_NESTING)}\n`, 'ok.tfvars');
		expect(atLimit.ok).toBe(true);
	});

	it('reads a 200 000-line indented heredoc, stripping the common indentation', () => {
		const lines = Array.from({ length: 200_000 }, (_, i) => `    l${i % 10}`);
		lines[7] = '      deeper';
		const r = hcl.parseTfvars(`script = <<-EOT\n${lines.join('\n')}\n  EOT\n`, 'long.tfvars');
		if (!r.ok) throw new Error(r.error.message);
		const value = r.value.values.script!.value as string;
		expect(value.length).toBe(lines.reduce((n, l) => n + l.length - 4 + 1, 0));
		expect(value.slice(0, 12)).toBe('l0\nl1\nl2\nl3\n');
		expect(value.split('\n')[7]).toBe('  deeper');
	});
});

describe('parseVariables', () => {
	const text = [
		'# Inputs',
		'variable "docker_runner_name" {',
		'  description = "Name of the \\"docker\\" runner"',
		'  type        = string',
		'  default     = "docker-runner"',
		'}',
		'',
		'variable "policies" {',
		'  type = list(object({ type = string, value = number }))',
		'  default = [',
		'    { type = "Pods", value = 4 },',
		'  ]',
		'  validation {',
		'    condition     = length(var.policies) > 0',
		'    error_message = "at least one"',
		'  }',
		'}',
		'variable "script" {',
		'  default = <<-EOT',
		'    #!/bin/sh',
		'    echo hi',
		'  EOT',
		'}',
		'variable "required" {',
		'  type = number',
		'}',
		'resource "kubernetes_namespace" "x" {',
		'  metadata { name = "x" }',
		'}',
		''
	].join('\n');

	it('reads defaults, types, descriptions and lines', () => {
		const r = hcl.parseVariables(text, 'variables.tf');
		if (!r.ok) throw new Error(r.error.message);
		const v = r.value.variables;
		expect(Object.keys(v)).toEqual(['docker_runner_name', 'policies', 'script', 'required']);
		expect(v.docker_runner_name).toMatchObject({ default: 'docker-runner', hasDefault: true, type: 'string', description: 'Name of the "docker" runner', line: 2, defaultLine: 5 });
		expect(v.policies).toMatchObject({ default: [{ type: 'Pods', value: 4 }], type: 'list(object({ type = string, value = number }))', line: 8, defaultLine: 10 });
		expect(v.script?.default).toBe('#!/bin/sh\necho hi\n');
		expect(v.required).toMatchObject({ hasDefault: false, defaultLine: null, type: 'number', line: 24 });
		expect(v.required && 'default' in v.required).toBe(false);
	});

	it('agrees with hcl2json on every default', async () => {
		const r = hcl.parseVariables(text, 'variables.tf');
		if (!r.ok) throw new Error(r.error.message);
		const theirs = (await hcl2json('variables.tf', text)) as { variable: Record<string, [{ default?: unknown }]> };
		for (const [name, v] of Object.entries(r.value.variables)) expect(asHcl2json(v.default as HclValue), name).toEqual(theirs.variable[name]?.[0].default);
	});

	it('reports a broken block with its line', () => {
		const r = hcl.parseVariables('variable "a" {\n  default = 1\n}\nvariable "b" {\n  default = [1,\n}\n', 'variables.tf');
		expect(r.ok).toBe(false);
		if (!r.ok) expect(r.error).toMatchObject({ file: 'variables.tf', line: expect.any(Number) });
		if (!r.ok) expect(r.error.line).toBeGreaterThanOrEqual(5);
	});
});
