// Format-preserving edits of a `.tfvars` file. Each changed value's bytes are
// replaced inside the range tree-sitter gives for it; everything else — comments,
// alignment, ordering, blank lines, heredocs, other attributes — is copied byte
// for byte. A variable not set yet is appended at the end in the file's style.
// Before anything is returned, the result is read again with the same reader and
// must hold exactly the new values and every other attribute unchanged; if not,
// the edit is refused and nothing is returned to be written.
import type { Node } from 'web-tree-sitter';
import { attributeParts, bodyItems, fileBody } from '../hcl/body';
import { checkCondition, equalValues } from '../hcl/conditions';
import { parseErrorOf } from '../hcl/errors';
import type { HclParser } from '../hcl/parser';
import type { TfvarsAttribute, TfvarsFile } from '../hcl/tfvars';
import type { DeclaredVariable, VariablesFile } from '../hcl/variables';
import type { HclValue } from '../hcl/values';
import { validateValue } from './convert';
import { alignedLines, renderValue } from '../hcl/render';

export interface ChangedVariable {
	name: string;
	/** The value before: the tfvars value, else the variables.tf default, else undefined. */
	old: HclValue | undefined;
	/** Where `old` came from. */
	oldFrom: 'tfvars' | 'default' | 'unset';
	new: HclValue;
	/** 1-based line of the attribute in the edited text. */
	line: number;
	/** Comments that were inside the replaced value (an edit replaces the whole value). */
	droppedComments: string[];
}

/** A validation condition that only `tofu plan` can check. */
export interface UncheckedValidation {
	name: string;
	condition: string;
	errorMessage: string;
	reason: string;
}

export type EditProblemKind = 'syntax' | 'unknown' | 'sensitive' | 'type' | 'null' | 'validation' | 'repeated' | 'verify';

export interface EditProblem {
	/** The variable, or null for the file as a whole. */
	name: string | null;
	kind: EditProblemKind;
	message: string;
}

export interface Edited {
	ok: true;
	text: string;
	/** Variables whose value changed, in the order given. */
	changed: ChangedVariable[];
	/** Variables that already had the requested value (nothing written for them). */
	unchanged: string[];
	unchecked: UncheckedValidation[];
}

export interface Refused {
	ok: false;
	reason: 'refused';
	problems: EditProblem[];
}

export type EditResult = Edited | Refused;

export interface EditOptions {
	/** The file's path, for messages. */
	file?: string;
}

/** A top-level attribute's layout: where its name, `=` and value sit. */
interface Slot {
	name: string;
	start: number;
	end: number;
	valueStart: number;
	valueEnd: number;
	eq: number;
	row: number;
	endRow: number;
}

interface Layout {
	slots: Slot[];
	comments: { start: number; end: number }[];
}

/** Sets `set` (variable name → new value) in the tfvars `text`, checked against the declarations in `vars`. */
export function editTfvars(hcl: HclParser, text: string, set: Record<string, unknown>, vars: VariablesFile, options: EditOptions = {}): EditResult {
	const file = options.file ?? 'terraform.tfvars';
	const parsed = read(hcl, text, file);
	if (!parsed.ok) return parsed;
	const { tfvars, layout } = parsed;
	const counts = new Map<string, number>();
	for (const s of layout.slots) counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
	const { wanted, problems, unchecked } = checkRequest(set, vars, counts, file);
	if (problems.length) return { ok: false, reason: 'refused', problems };

	const eol = text.includes('\r\n') ? '\r\n' : '\n';
	const splices: { start: number; end: number; text: string }[] = [];
	const appended: { name: string; value: HclValue }[] = [];
	const changes: Omit<ChangedVariable, 'line'>[] = [];
	const unchanged: string[] = [];
	for (const w of wanted) {
		const current = tfvars.values[w.name];
		const slot = layout.slots.find((s) => s.name === w.name);
		if (current && slot) {
			if (equalValues(current.value, w.value)) {
				unchanged.push(w.name);
				continue;
			}
			const dropped = layout.comments.filter((c) => c.start >= slot.valueStart && c.end <= slot.valueEnd).map((c) => text.slice(c.start, c.end));
			splices.push({ start: slot.valueStart, end: slot.valueEnd, text: renderValue(w.value, indentOf(text, slot.start), eol) });
			changes.push({ name: w.name, old: current.value, oldFrom: 'tfvars', new: w.value, droppedComments: dropped });
		} else {
			if (w.declared.hasDefault && equalValues(w.declared.default ?? null, w.value)) {
				unchanged.push(w.name);
				continue;
			}
			appended.push({ name: w.name, value: w.value });
			changes.push({ name: w.name, old: w.declared.hasDefault ? w.declared.default : undefined, oldFrom: w.declared.hasDefault ? 'default' : 'unset', new: w.value, droppedComments: [] });
		}
	}
	if (changes.length === 0) return { ok: true, text, changed: [], unchanged, unchecked };

	let out = text;
	for (const s of [...splices].sort((a, b) => b.start - a.start)) out = out.slice(0, s.start) + s.text + out.slice(s.end);
	if (appended.length) out += appendix(text, layout.slots, appended, eol);

	const verified = verifyEdit(hcl, text, out, file, tfvars, new Map(changes.map((c) => [c.name, c.new])));
	if (!verified.ok) return verified;
	return {
		ok: true,
		text: out,
		changed: changes.map((c) => ({ ...c, line: verified.after.values[c.name]!.line })),
		unchanged,
		unchecked
	};
}

/** Every requested value checked against its declaration: what to write, what is refused, what only `tofu plan` can check. */
function checkRequest(
	set: Record<string, unknown>,
	vars: VariablesFile,
	counts: ReadonlyMap<string, number>,
	file: string
): { wanted: { name: string; value: HclValue; declared: DeclaredVariable }[]; problems: EditProblem[]; unchecked: UncheckedValidation[] } {
	const problems: EditProblem[] = [];
	const unchecked: UncheckedValidation[] = [];
	const wanted: { name: string; value: HclValue; declared: DeclaredVariable }[] = [];
	for (const [name, raw] of Object.entries(set)) {
		const declared = Object.hasOwn(vars.variables, name) ? vars.variables[name] : undefined;
		if (!declared) {
			problems.push({ name, kind: 'unknown', message: `${name} is not declared in ${vars.file}` });
			continue;
		}
		if (declared.sensitive) {
			problems.push({ name, kind: 'sensitive', message: `${name} is sensitive and cannot be edited here` });
			continue;
		}
		if (!declared.constraint) {
			problems.push({ name, kind: 'type', message: `${name}: its type constraint is not understood (${declared.typeError ?? 'unknown'})` });
			continue;
		}
		if ((counts.get(name) ?? 0) > 1) {
			problems.push({ name, kind: 'repeated', message: `${name} is set more than once in ${file}` });
			continue;
		}
		if (raw === null && !declared.nullable) {
			problems.push({ name, kind: 'null', message: `${name} cannot be null (nullable = false)` });
			continue;
		}
		const v = validateValue(declared.constraint, raw, name);
		if (!v.ok) {
			problems.push({ name, kind: 'type', message: v.message });
			continue;
		}
		for (const rule of declared.validations) {
			if (!rule.check) {
				unchecked.push({ name, condition: rule.condition, errorMessage: rule.errorMessage, reason: rule.uncheckable ?? 'not checkable here' });
				continue;
			}
			const r = checkCondition(rule.check, v.effective);
			if (!r.ok) problems.push({ name, kind: 'validation', message: `${name}: the condition ${rule.condition} could not be evaluated: ${r.message}` });
			else if (!r.passed) problems.push({ name, kind: 'validation', message: `${name}: ${rule.errorMessage || `fails ${rule.condition}`}` });
		}
		wanted.push({ name, value: v.value, declared });
	}
	return { wanted, problems, unchecked };
}

export interface Conflict {
	name: string;
	/** The value in the file the proposal was made from (undefined: not set there). */
	base: HclValue | undefined;
	/** The value in the newer file. */
	head: HclValue | undefined;
	/** The proposed value, converted to the variable's type. */
	proposed: HclValue;
}

export interface Conflicted {
	ok: false;
	reason: 'conflict';
	conflicts: Conflict[];
}

/**
 * Applies an edit proposed against `baseText` onto the newer `headText`: when
 * every edited attribute is the same in both (or head already holds the proposed
 * value), the edit is made on head, so unrelated changes there survive.
 * `vars` should be the declarations at head. A refusal (a sensitive variable, a
 * bad value) comes before any conflict, so a conflict never shows a value that
 * could not be edited.
 */
export function rebaseEdit(hcl: HclParser, baseText: string, headText: string, set: Record<string, unknown>, vars: VariablesFile, options: EditOptions = {}): EditResult | Conflicted {
	const file = options.file ?? 'terraform.tfvars';
	const base = read(hcl, baseText, file);
	if (!base.ok) return base;
	const edited = editTfvars(hcl, headText, set, vars, options);
	if (!edited.ok) return edited;
	// Already read (and remembered by the parser) while editing.
	const head = hcl.parseTfvars(headText, file);
	if (!head.ok) return edited;
	const conflicts: Conflict[] = [];
	for (const [name, proposed] of Object.entries(set)) {
		const b = base.tfvars.values[name];
		const h = head.value.values[name];
		if (sameAttribute(b, h)) continue;
		const converted = validateValue(vars.variables[name]!.constraint!, proposed, name);
		if (!converted.ok || (h && equalValues(h.value, converted.value))) continue;
		conflicts.push({ name, base: b?.value, head: h?.value, proposed: converted.value });
	}
	return conflicts.length ? { ok: false, reason: 'conflict', conflicts } : edited;
}

function sameAttribute(a: TfvarsAttribute | undefined, b: TfvarsAttribute | undefined): boolean {
	if (!a || !b) return !a && !b;
	return equalValues(a.value, b.value);
}

function read(hcl: HclParser, text: string, file: string): { ok: true; tfvars: TfvarsFile; layout: Layout } | Refused {
	const parsed = hcl.parseTfvars(text, file);
	if (!parsed.ok) {
		const where = parsed.error.line === null ? file : `${file}:${parsed.error.line}`;
		return { ok: false, reason: 'refused', problems: [{ name: null, kind: 'syntax', message: `${where}: ${parsed.error.message}` }] };
	}
	return { ok: true, tfvars: parsed.value, layout: hcl.withTree(text, (root) => layoutOf(root)) };
}

function layoutOf(root: Node): Layout {
	const slots: Slot[] = [];
	for (const item of bodyItems(fileBody(root))) {
		if (item.type !== 'attribute') continue;
		const parts = attributeParts(item);
		const eq = item.children.find((c) => c?.type === '=');
		if (!parts || !eq) continue;
		slots.push({
			name: parts.name,
			start: item.startIndex,
			end: item.endIndex,
			valueStart: parts.value.startIndex,
			valueEnd: parts.value.endIndex,
			eq: eq.startIndex,
			row: item.startPosition.row,
			endRow: item.endPosition.row
		});
	}
	const comments: { start: number; end: number }[] = [];
	const walk = (n: Node) => {
		if (n.type === 'comment') comments.push({ start: n.startIndex, end: n.endIndex });
		for (const c of n.children) if (c) walk(c);
	};
	walk(root);
	return { slots, comments };
}

function lineStart(text: string, index: number): number {
	return text.lastIndexOf('\n', index - 1) + 1;
}

function indentOf(text: string, index: number): string {
	return /^[ \t]*/.exec(text.slice(lineStart(text, index), index))?.[0] ?? '';
}

/**
 * The lines for variables not set yet. They follow the file's indentation and
 * line endings; when the file aligns `=` they join the last group of attributes
 * if their names fit its column, and otherwise start their own group after a
 * blank line (so the file stays as `tofu fmt` would leave it). A file without a
 * final newline keeps having none.
 */
function appendix(text: string, slots: Slot[], entries: { name: string; value: HclValue }[], eol: string): string {
	const last = slots.at(-1);
	const indent = last ? indentOf(text, last.start) : '';
	const column = (s: Slot) => s.eq - lineStart(text, s.start);
	const aligns = groups(slots).every((g) => g.length < 2 || g.every((s) => column(s) === column(g[0]!) && text[s.eq - 1] === ' '));
	const tail = last ? groups(slots).at(-1)! : [];
	// The new lines touch the last group only when nothing but the rest of its last line follows it.
	const touching = !!last && last.row === last.endRow && /^[ \t]*(?:(?:#|\/\/)[^\n]*)?(?:\r?\n)?$/.test(text.slice(last.end));
	const names = entries.map((e) => e.name);
	let width = 0;
	let gap = '';
	if (aligns && touching && tail.length) {
		const tailWidth = column(tail[0]!) - indent.length - 1;
		// The first run of new lines (up to a multi-line value) joins the group when its names fit.
		const firstRun = names.slice(0, firstMultiline(entries, indent, eol) + 1);
		if (firstRun.every((n) => n.length <= tailWidth)) width = tailWidth;
		else gap = eol;
	}
	const lines = aligns ? alignedLines(entries.map((e) => [e.name, e.value] as const), indent, eol, width) : entries.map((e) => `${indent}${e.name} = ${renderValue(e.value, indent, eol)}`);
	const body = gap + lines.join(eol);
	if (text.length === 0) return body + eol;
	return text.endsWith('\n') ? body + eol : eol + body;
}

function firstMultiline(entries: { value: HclValue }[], indent: string, eol: string): number {
	const i = entries.findIndex((e) => renderValue(e.value, indent, eol).includes('\n'));
	return i < 0 ? entries.length - 1 : i;
}

/** Runs of single-line attributes on consecutive lines (tofu fmt's alignment groups). */
function groups(slots: Slot[]): Slot[][] {
	const out: Slot[][] = [];
	let run: Slot[] = [];
	for (const s of slots) {
		const prev = run.at(-1);
		if (s.row !== s.endRow) {
			if (run.length) out.push(run);
			out.push([s]);
			run = [];
			continue;
		}
		if (prev && prev.endRow + 1 === s.row) run.push(s);
		else {
			if (run.length) out.push(run);
			run = [s];
		}
	}
	if (run.length) out.push(run);
	return out;
}

/** Reads the edited text back: the edited variables must hold their new values, every other attribute its old text. */
export function verifyEdit(hcl: HclParser, before: string, after: string, file: string, old: TfvarsFile, edited: ReadonlyMap<string, HclValue>): { ok: true; after: TfvarsFile } | Refused {
	const refuse = (message: string): Refused => ({ ok: false, reason: 'refused', problems: [{ name: null, kind: 'verify', message: `the edited ${file} did not read back as intended, nothing was written: ${message}` }] });
	const parsed = hcl.parseTfvars(after, file);
	if (!parsed.ok) return refuse(parsed.error.message);
	const now = parsed.value.values;
	const expected = new Set([...Object.keys(old.values), ...edited.keys()]);
	const got = Object.keys(now);
	if (got.length !== expected.size || got.some((n) => !expected.has(n))) return refuse(`attributes ${[...expected].sort().join(', ')} expected, read ${got.sort().join(', ')}`);
	for (const [name, attr] of Object.entries(now)) {
		if (edited.has(name)) {
			if (!equalValues(attr.value, edited.get(name)!)) return refuse(`${name} reads back as ${JSON.stringify(attr.value)}`);
			continue;
		}
		const was = old.values[name]!;
		if (before.slice(was.attributeRange.start, was.attributeRange.end) !== after.slice(attr.attributeRange.start, attr.attributeRange.end)) return refuse(`${name} changed`);
	}
	return { ok: true, after: parsed.value };
}
