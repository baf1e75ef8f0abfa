import { parse as hcl2json } from '@cdktf/hcl2json';
import { beforeAll, describe, expect, it } from 'vitest';
import { devTfvars, variablesTf } from '../../../../sandbox/gitops/stacks';
import { loadHcl, type HclParser, type HclValue, type VariablesFile } from '../hcl';
import { editTfvars, rebaseEdit, verifyEdit, type Edited, type Refused } from './edit';
import { unifiedDiff } from './diff';

let hcl: HclParser;
beforeAll(async () => {
	hcl = await loadHcl();
});

const VARIABLES = `
variable "max_replicas" {
  type    = number
  default = 5
  validation {
    condition     = var.max_replicas >= 1 && var.max_replicas <= 100
    error_message = "max_replicas must be between 1 and 100."
  }
}
variable "min_replicas" {
  type    = number
  default = 1
  validation {
    condition     = var.min_replicas <= var.max_replicas
    error_message = "min must not exceed max."
  }
}
variable "name" {
  type     = string
  nullable = false
  default  = "docker-runner"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*$", var.name))
    error_message = "name must be a DNS label."
  }
}
variable "privileged" {
  type    = bool
  default = false
}
variable "image" {
  type    = string
  default = "alpine:3"
}
variable "script" {
  type    = string
  default = ""
}
variable "tags" {
  type    = list(string)
  default = []
}
variable "policies" {
  type    = list(object({ type = string, value = number, period_seconds = optional(number, 60) }))
  default = []
  validation {
    condition     = alltrue([for p in var.policies : contains(["Pods", "Percent"], p.type)])
    error_message = "policy type must be Pods or Percent."
  }
}
variable "runner_token" {
  type      = string
  sensitive = true
}
variable "a_variable_with_a_long_name" {
  type    = number
  default = 0
}
variable "broken_type" {
  type = lisst(string)
}
`;

let vars: VariablesFile;
beforeAll(() => {
	const r = hcl.parseVariables(VARIABLES, 'variables.tf');
	if (!r.ok) throw new Error(r.error.message);
	vars = r.value;
});

const TFVARS = [
	'# dev environment',
	'',
	'max_replicas = 8   # raised for the release',
	'name         = "docker-runner"',
	'privileged   = true',
	'',
	'/* the job image */',
	'image = "alpine:3.20" // pinned',
	'script = <<-EOT',
	'  #!/bin/sh',
	'  echo "$${HOME}"',
	'  EOT',
	'tags = [',
	'  "a", # first',
	'  "b",',
	']',
	''
].join('\n');

function edit(text: string, set: Record<string, unknown>): Edited {
	const r = editTfvars(hcl, text, set, vars, { file: 'dev.tfvars' });
	if (!r.ok) throw new Error(JSON.stringify(r.problems));
	return r;
}

function refused(r: { ok: boolean; text?: string } | Refused): { name: string | null; kind: string; message: string }[] {
	if (r.ok) throw new Error(`accepted: ${r.text ?? ''}`);
	return (r as Refused).problems;
}

describe('editTfvars: in place', () => {
	it('changes only the bytes of the value', () => {
		const r = edit(TFVARS, { max_replicas: 12 });
		expect(r.text).toBe(TFVARS.replace('max_replicas = 8   #', 'max_replicas = 12   #'));
		expect(r.changed).toEqual([{ name: 'max_replicas', old: 8, oldFrom: 'tfvars', new: 12, line: 3, droppedComments: [] }]);
		expect(unifiedDiff('dev.tfvars', TFVARS, r.text)).toBe(
			[
				'--- a/dev.tfvars',
				'+++ b/dev.tfvars',
				'@@ -1,6 +1,6 @@',
				' # dev environment',
				' ',
				'-max_replicas = 8   # raised for the release',
				'+max_replicas = 12   # raised for the release',
				' name         = "docker-runner"',
				' privileged   = true',
				' ',
				''
			].join('\n')
		);
	});

	it('converts what the type allows: "12" is written as the number 12', () => {
		expect(edit(TFVARS, { max_replicas: '12' }).text).toContain('max_replicas = 12   #');
		expect(edit(TFVARS, { privileged: 'false' }).text).toContain('privileged   = false\n');
	});

	it('replaces a heredoc by a quoted string and keeps the lines after it', () => {
		const r = edit(TFVARS, { script: '#!/bin/sh\necho "$HOME ${USER}"\n' });
		expect(r.text).toContain('script = "#!/bin/sh\\necho \\"$HOME $${USER}\\"\\n"\ntags = [');
		expect(r.changed[0]).toMatchObject({ old: '#!/bin/sh\necho "${HOME}"\n', line: 9 });
	});

	it('renders lists and objects multi-line at the attribute indentation, and reports comments inside the old value', () => {
		const r = edit(TFVARS, { tags: ['x'], policies: [{ type: 'Pods', value: '4' }] });
		expect(r.text).toContain('tags = ["x"]\n');
		expect(r.changed.find((c) => c.name === 'tags')?.droppedComments).toEqual(['# first']);
		expect(r.text.endsWith(']\npolicies = [\n  { type = "Pods", value = 4 },\n]\n')).toBe(true);
	});

	it('writes several variables in one edit', () => {
		const r = edit(TFVARS, { image: 'alpine:3.21', max_replicas: 20, name: 'nix-runner' });
		expect(r.changed.map((c) => [c.name, c.line])).toEqual([
			['image', 8],
			['max_replicas', 3],
			['name', 4]
		]);
		expect(r.text).toContain('name         = "nix-runner"\n');
		expect(r.text).toContain('image = "alpine:3.21" // pinned\n');
	});

	it('changes nothing when the value is already there or is the default', () => {
		const r = edit(TFVARS, { max_replicas: 8, min_replicas: 1 });
		expect(r).toMatchObject({ text: TFVARS, changed: [], unchanged: ['max_replicas', 'min_replicas'] });
		expect(unifiedDiff('dev.tfvars', TFVARS, r.text)).toBe('');
	});

	it('keeps CRLF line endings', () => {
		const crlf = TFVARS.replace(/\n/g, '\r\n');
		const r = edit(crlf, { tags: Array.from({ length: 12 }, (_, i) => `tag-${i}`), min_replicas: 2 });
		expect(r.text.replace(/\r\n/g, '')).not.toContain('\n');
		expect(r.text).toContain('tags = [\r\n  "tag-0",\r\n');
		expect(r.text.endsWith('min_replicas = 2\r\n')).toBe(true);
	});
});

describe('editTfvars: appending a variable not set yet', () => {
	it('joins the last aligned group when the name fits its column', () => {
		const text = 'max_replicas = 8\nname         = "x"\n';
		expect(edit(text, { image: 'y' }).text).toBe('max_replicas = 8\nname         = "x"\nimage        = "y"\n');
	});

	it('starts its own group after a blank line when the name does not fit', () => {
		const text = 'max_replicas = 8\nname         = "x"\n';
		const r = edit(text, { a_variable_with_a_long_name: 3, image: 'y' });
		expect(r.text).toBe('max_replicas = 8\nname         = "x"\n\na_variable_with_a_long_name = 3\nimage                       = "y"\n');
		expect(r.changed).toEqual([
			{ name: 'a_variable_with_a_long_name', old: 0, oldFrom: 'default', new: 3, line: 4, droppedComments: [] },
			{ name: 'image', old: 'alpine:3', oldFrom: 'default', new: 'y', line: 5, droppedComments: [] }
		]);
	});

	it('uses single spaces in a file that does not align', () => {
		const text = 'max_replicas = 8\nname = "x"\n';
		expect(edit(text, { image: 'y', privileged: true }).text).toBe('max_replicas = 8\nname = "x"\nimage = "y"\nprivileged = true\n');
	});

	it('after a trailing comment or a multi-line value, aligns only the new lines', () => {
		expect(edit('max_replicas = 8\n# end\n', { image: 'y', privileged: true }).text).toBe('max_replicas = 8\n# end\nimage      = "y"\nprivileged = true\n');
		expect(edit('tags = [\n  "a",\n]\n', { image: 'y' }).text).toBe('tags = [\n  "a",\n]\nimage = "y"\n');
	});

	it('keeps the indentation, and a missing final newline stays missing', () => {
		expect(edit('  max_replicas = 8\n', { image: 'y' }).text).toBe('  max_replicas = 8\n  image        = "y"\n');
		expect(edit('max_replicas = 8', { image: 'y' }).text).toBe('max_replicas = 8\nimage        = "y"');
		expect(edit('max_replicas = 8 # note', { image: 'y' }).text).toBe('max_replicas = 8 # note\nimage        = "y"');
		expect(edit('', { image: 'y' }).text).toBe('image = "y"\n');
		expect(edit('# only a comment\n', { image: 'y' }).text).toBe('# only a comment\nimage = "y"\n');
	});
});

describe('editTfvars: refusals', () => {
	it('names each problem and returns no text', () => {
		const r = editTfvars(
			hcl,
			TFVARS,
			{
				nope: 1,
				runner_token: 'secret',
				max_replicas: 'many',
				name: 'Not A Label',
				policies: [{ type: 'Nodes', value: 1 }],
				broken_type: ['x'],
				privileged: null
			},
			vars,
			{ file: 'dev.tfvars' }
		);
		expect(r).not.toHaveProperty('text');
		expect(refused(r)).toEqual([
			{ name: 'nope', kind: 'unknown', message: 'nope is not declared in variables.tf' },
			{ name: 'runner_token', kind: 'sensitive', message: 'runner_token is sensitive and cannot be edited here' },
			{ name: 'max_replicas', kind: 'type', message: 'max_replicas: expected number, got "many"' },
			{ name: 'name', kind: 'validation', message: 'name: name must be a DNS label.' },
			{ name: 'policies', kind: 'validation', message: 'policies: policy type must be Pods or Percent.' },
			{ name: 'broken_type', kind: 'type', message: expect.stringMatching(/^broken_type: its type constraint is not understood \(unknown type constructor lisst/) }
		]);
	});

	it('checks literal validations with the effective value, and lists the ones left to tofu plan', () => {
		expect(refused(editTfvars(hcl, TFVARS, { max_replicas: 101 }, vars))).toEqual([{ name: 'max_replicas', kind: 'validation', message: 'max_replicas: max_replicas must be between 1 and 100.' }]);
		const r = edit(TFVARS, { min_replicas: 3 });
		expect(r.unchecked).toEqual([{ name: 'min_replicas', condition: 'var.min_replicas <= var.max_replicas', errorMessage: 'min must not exceed max.', reason: 'refers to var.max_replicas' }]);
	});

	it('refuses null for a variable declared nullable = false', () => {
		expect(refused(editTfvars(hcl, TFVARS, { name: null }, vars))).toEqual([{ name: 'name', kind: 'null', message: 'name cannot be null (nullable = false)' }]);
		expect(edit(TFVARS, { image: null }).text).toContain('image = null // pinned');
	});

	it('refuses a file that does not parse, or sets the variable twice', () => {
		expect(refused(editTfvars(hcl, 'a = 1\nb = [\n', { image: 'x' }, vars, { file: 'dev.tfvars' }))).toEqual([
			{ name: null, kind: 'syntax', message: expect.stringMatching(/^dev\.tfvars:2: syntax error/) }
		]);
		expect(refused(editTfvars(hcl, 'image = "a"\nimage = "b"\n', { image: 'x' }, vars, { file: 'dev.tfvars' }))).toEqual([
			{ name: 'image', kind: 'repeated', message: 'image is set more than once in dev.tfvars' }
		]);
	});

	it('verification refuses a result that does not read back as intended', () => {
		const before = 'a = 1\nb = 2\n';
		const old = hcl.parseTfvars(before, 't.tfvars');
		if (!old.ok) throw new Error('parse');
		const check = (after: string, edited: Record<string, HclValue>) => verifyEdit(hcl, before, after, 't.tfvars', old.value, new Map(Object.entries(edited)));
		expect(check('a = 3\nb = 2\n', { a: 3 }).ok).toBe(true);
		expect(refused(check('a = 3\nb = 2\n', { a: 4 }))[0]?.message).toMatch(/did not read back as intended, nothing was written: a reads back as 3/);
		expect(refused(check('a = 3\nb  = 2\n', { a: 3 }))[0]?.message).toMatch(/: b changed$/);
		expect(refused(check('a = 3\nb = 2\nc = 1\n', { a: 3 }))[0]?.message).toMatch(/attributes a, b expected, read a, b, c/);
		expect(refused(check('a = [3\nb = 2\n', { a: 3 }))[0]).toMatchObject({ kind: 'verify', message: expect.stringMatching(/syntax error/) });
	});
});

describe('hostile values', () => {
	const hostile = ['"\nevil = "x', '${file("/etc/passwd")}', '%{ for x in y }${x}%{ endfor }', 'a\\"\n}\nb = {\n', 'EOT\n<<EOT', '\u202egnp.exe', '/* x */ # y'];
	for (const s of hostile) {
		it(`writes ${JSON.stringify(s)} as one string on one line`, async () => {
			const r = edit(TFVARS, { image: s });
			const parsed = hcl.parseTfvars(r.text, 'dev.tfvars');
			if (!parsed.ok) throw new Error(parsed.error.message);
			expect(parsed.value.values.image?.value).toBe(s);
			expect(Object.keys(parsed.value.values)).toEqual(['max_replicas', 'name', 'privileged', 'image', 'script', 'tags']);
			expect(r.text.split('\n')).toHaveLength(TFVARS.split('\n').length);
			const theirs = await hcl2json('dev.tfvars', r.text);
			expect(Object.keys(theirs).sort()).toEqual(['image', 'max_replicas', 'name', 'privileged', 'script', 'tags']);
		});
	}
});

describe('rebaseEdit', () => {
	const base = 'max_replicas = 8\nname         = "docker-runner"\n';

	it('applies the edit on head when the attribute is unchanged there, keeping head\'s other changes', () => {
		const head = '# reviewed\nmax_replicas = 8\nname         = "nix-runner"\nprivileged   = true\n';
		const r = rebaseEdit(hcl, base, head, { max_replicas: 10 }, vars);
		if (!r.ok) throw new Error(JSON.stringify(r));
		expect(r.text).toBe('# reviewed\nmax_replicas = 10\nname         = "nix-runner"\nprivileged   = true\n');
		expect(r.changed).toMatchObject([{ name: 'max_replicas', old: 8, new: 10, line: 2 }]);
	});

	it('is a conflict naming base, head and proposed values when the attribute changed', () => {
		const head = 'max_replicas = 9\nname         = "docker-runner"\n';
		expect(rebaseEdit(hcl, base, head, { max_replicas: '10', name: 'x' }, vars)).toEqual({ ok: false, reason: 'conflict', conflicts: [{ name: 'max_replicas', base: 8, head: 9, proposed: 10 }] });
		// Set on head but not on base, or removed on head: also a conflict.
		expect(rebaseEdit(hcl, base, `${base}image = "b"\n`, { image: 'c' }, vars)).toMatchObject({ reason: 'conflict', conflicts: [{ name: 'image', base: undefined, head: 'b', proposed: 'c' }] });
		expect(rebaseEdit(hcl, base, 'name = "docker-runner"\n', { max_replicas: 3 }, vars)).toMatchObject({ reason: 'conflict', conflicts: [{ name: 'max_replicas', base: 8, head: undefined }] });
	});

	it('refuses before it reports a conflict, so a sensitive value is never shown', () => {
		const r = rebaseEdit(hcl, 'runner_token = "a"\n', 'runner_token = "b"\n', { runner_token: 'c' }, vars);
		expect(r).toEqual({ ok: false, reason: 'refused', problems: [{ name: 'runner_token', kind: 'sensitive', message: 'runner_token is sensitive and cannot be edited here' }] });
	});

	it('is not a conflict when head already has the proposed value', () => {
		const r = rebaseEdit(hcl, base, 'max_replicas = 10\nname = "docker-runner"\n', { max_replicas: 10 }, vars);
		expect(r).toMatchObject({ ok: true, changed: [], unchanged: ['max_replicas'] });
	});

	it('compares values, not layout: a reformatted head is not a conflict', () => {
		const r = rebaseEdit(hcl, 'tags = ["a", "b"]\n', 'tags = [\n  "a",\n  "b",\n]\n', { tags: ['c'] }, vars);
		expect(r).toMatchObject({ ok: true, text: 'tags = ["c"]\n' });
	});
});

describe('the sandbox stacks', () => {
	function stack(name: 'gitlab-runners' | 'arc-runners') {
		const v = hcl.parseVariables(variablesTf(name, 4), 'variables.tf');
		if (!v.ok) throw new Error(v.error.message);
		return { vars: v.value, tfvars: devTfvars(name, 4) };
	}

	it('raising one max_replicas is a one-line diff of dev.tfvars', () => {
		const { vars: declared, tfvars } = stack('gitlab-runners');
		const r = editTfvars(hcl, tfvars, { docker_hpa_max_replicas: 12 }, declared, { file: 'tofu/stacks/gitlab-runners/dev.tfvars' });
		if (!r.ok) throw new Error(JSON.stringify(r.problems));
		const diff = unifiedDiff('tofu/stacks/gitlab-runners/dev.tfvars', tfvars, r.text);
		const lines = diff.split('\n');
		expect(lines.filter((l) => l.startsWith('-') && !l.startsWith('---'))).toHaveLength(1);
		expect(lines.filter((l) => l.startsWith('+') && !l.startsWith('+++'))).toEqual([expect.stringMatching(/^\+docker_hpa_max_replicas +=\s12$/)]);
	});

	it('edits every declared variable of both stacks and reads back as intended', async () => {
		for (const name of ['gitlab-runners', 'arc-runners'] as const) {
			const { vars: declared, tfvars } = stack(name);
			const set: Record<string, unknown> = {};
			for (const v of Object.values(declared.variables)) {
				const k = v.constraint?.kind;
				set[v.name] = k === 'number' ? 3 : k === 'bool' ? v.default !== true : k === 'string' ? `${v.name}-changed` : v.default;
			}
			if (name === 'arc-runners') set.extra_runner_sets = { 'gh-extra-9': { min_runners: 1, max_runners: 2, cpu_request: '1', memory_request: '1Gi', cpu_limit: '2', memory_limit: '2Gi' } };
			if (name === 'gitlab-runners') set.hpa_scale_up_policies = [{ type: 'Pods', value: 1, period_seconds: 30 }];
			const r = editTfvars(hcl, tfvars, set, declared);
			if (!r.ok) throw new Error(JSON.stringify(r.problems));
			const theirs = await hcl2json('dev.tfvars', r.text);
			for (const c of r.changed) expect(theirs[c.name], c.name).toEqual(c.new);
		}
	});
});
