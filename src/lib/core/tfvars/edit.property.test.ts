// Property tests of format-preserving tfvars edits: random variables.tf
// declarations × random tfvars files (comments of all three kinds, heredocs,
// nested lists and maps, odd spacing, CRLF, unicode, escapes) × random edits.
// Run counts keep the file at a few seconds on a shared 2-core machine (about
// 2-5 s of test time): EDIT_RUNS for the main property, HOSTILE_RUNS for hostile
// strings, CROSS_RUNS for the slower hcl2json cross-check (Go in wasm, ~50 ms a
// call). For a deeper search raise them locally: 3000 / 2000 / 300 take 20-30 s.
import { parse as hcl2json } from '@cdktf/hcl2json';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { equalValues, loadHcl, renderValue, typeText, type HclParser, type HclValue, type TypeConstraint, type VariablesFile } from '../hcl';
import { validateValue } from './convert';
import { editTfvars, type Edited } from './edit';

const EDIT_RUNS = 200;
const HOSTILE_RUNS = 150;
const CROSS_RUNS = 25;

let hcl: HclParser;
beforeAll(async () => {
	hcl = await loadHcl();
});

// ---------------------------------------------------------------------------
// Values and types

const RESERVED = new Set(['true', 'false', 'null', 'for', 'in', 'if', 'else', 'endif', 'endfor']);
const identifier = fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/).filter((s) => !RESERVED.has(s));

const WELL_FORMED = /^(?:[^\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;

/** Pieces that have broken naive tfvars writers. */
const HOSTILE_PIECES = ['"', '\\', '$', '{', '}', '%', '\n', '\r\n', '\t', '#', '//', '/*', '*/', '<<EOT', '<<-EOT', 'EOT', '=', '${', '%{', '$${', '%%{', 'é', '中', '😀', '\u202e', '\u0000', '\u001b', '\u007f', '\u2028', '\ufeff', ' ', 'a', 'x = 1'];
const hostileString = fc.array(fc.constantFrom(...HOSTILE_PIECES), { maxLength: 10 }).map((a) => a.join(''));
const anyString = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 8 }).filter((s) => WELL_FORMED.test(s)), hostileString);
const key = fc.oneof(identifier, anyString).filter((k) => k.normalize('NFC') !== '__proto__');
// Keys must stay distinct once HCL reads them in NFC.
const distinctKeys = (d: Record<string, unknown>) => new Set(Object.keys(d).map((k) => k.normalize('NFC'))).size === Object.keys(d).length;
const number = fc.oneof(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }));

const primitive: fc.Arbitrary<TypeConstraint> = fc.constantFrom({ kind: 'string' }, { kind: 'number' }, { kind: 'bool' });

function typeArb(depth: number): fc.Arbitrary<TypeConstraint> {
	if (depth === 0) return primitive;
	const inner = typeArb(depth - 1);
	return fc.oneof(
		{ weight: 3, arbitrary: primitive },
		{ weight: 1, arbitrary: inner.map((element): TypeConstraint => ({ kind: 'list', element })) },
		{ weight: 1, arbitrary: primitive.map((element): TypeConstraint => ({ kind: 'set', element })) },
		{ weight: 1, arbitrary: inner.map((element): TypeConstraint => ({ kind: 'map', element })) },
		{ weight: 1, arbitrary: fc.array(inner, { maxLength: 3 }).map((elements): TypeConstraint => ({ kind: 'tuple', elements })) },
		{
			weight: 1,
			arbitrary: fc
				.uniqueArray(fc.tuple(identifier, inner, fc.boolean()), { maxLength: 3, selector: ([k]) => k })
				.chain((attrs) =>
					fc.tuple(...attrs.map(([, t, optional]) => (optional ? fc.option(valueArb(t), { nil: undefined }) : fc.constant(undefined)))).map((defaults): TypeConstraint => {
						const attributes: Record<string, { type: TypeConstraint; optional: boolean; default?: HclValue }> = {};
						attrs.forEach(([k, type, optional], i) => {
							const d = defaults[i];
							attributes[k] = d === undefined ? { type, optional } : { type, optional, default: d };
						});
						return { kind: 'object', attributes };
					})
				)
		}
	);
}

const jsonValue: fc.Arbitrary<HclValue> = fc.letrec<{ v: HclValue }>((tie) => ({
	v: fc.oneof(
		{ depthSize: 'small', maxDepth: 3 },
		fc.constant(null),
		fc.boolean(),
		number,
		anyString,
		fc.array(tie('v'), { maxLength: 3 }),
		fc.dictionary(key, tie('v'), { maxKeys: 3 }).filter(distinctKeys)
	)
})).v;

/** A value of type `t`, written exactly as it will read back (no conversions needed). */
function valueArb(t: TypeConstraint): fc.Arbitrary<HclValue> {
	const v = ((): fc.Arbitrary<HclValue> => {
		switch (t.kind) {
			case 'string':
				return anyString;
			case 'number':
				return number;
			case 'bool':
				return fc.boolean();
			case 'any':
				return jsonValue;
			case 'list':
			case 'set':
				return fc.array(valueArb(t.element), { maxLength: 4 });
			case 'map':
				return fc.dictionary(key, valueArb(t.element), { maxKeys: 3 }).filter(distinctKeys);
			case 'tuple':
				return fc.tuple(...t.elements.map(valueArb));
			case 'object': {
				const entries = Object.entries(t.attributes);
				return fc
					.tuple(...entries.map(([, a]) => (a.optional ? fc.option(valueArb(a.type), { nil: undefined }) : valueArb(a.type))))
					.map((vs) => Object.fromEntries(entries.flatMap(([k], i) => (vs[i] === undefined ? [] : [[k, vs[i]!]]))));
			}
		}
	})();
	return fc.oneof({ weight: 12, arbitrary: v }, { weight: 1, arbitrary: fc.constant(null) });
}

// ---------------------------------------------------------------------------
// Source text: the same values written the many ways people write them

interface Src {
	text: string;
	value: HclValue;
}

/** A quoted string literal of `s`, each character written raw or escaped at random. */
function looseString(s: string): fc.Arbitrary<Src> {
	const chars = Array.from(s);
	return fc.array(fc.boolean(), { minLength: chars.length, maxLength: chars.length }).map((raw) => {
		let out = '';
		for (let i = 0; i < chars.length; i++) {
			const c = chars[i]!;
			const next = chars[i + 1] ?? '';
			const cp = c.codePointAt(0)!;
			const escaped = cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
			if (c === '"') out += '\\"';
			else if (c === '\\') out += '\\\\';
			else if (c === '\n') out += '\\n';
			else if (c === '\r') out += '\\r';
			else if (c === '\t') out += raw[i] ? '\\t' : escaped;
			else if (cp < 0x20 || cp === 0x7f) out += escaped;
			else if ((c === '$' || c === '%') && next === '{') {
				out += c === '$' ? '$${' : '%%{';
				i++;
			} else if (c === '$' || c === '%') out += raw[i] && next !== '$' && next !== '%' ? c : escaped;
			else if (cp > 0x7f) out += raw[i] ? c : escaped;
			else out += c;
		}
		return { text: `"${out}"`, value: s.normalize('NFC') };
	});
}

const numberSrc: fc.Arbitrary<Src> = fc.oneof(
	fc.integer({ min: -99999, max: 99999 }).map((n) => ({ text: String(n), value: n })),
	fc.tuple(fc.integer({ min: -999, max: 999 }), fc.integer({ min: 0, max: 99 })).map(([a, b]) => {
		const text = `${a < 0 ? '-' : ''}${Math.abs(a)}.${String(b).padStart(2, '0')}`;
		return { text, value: Number(text) };
	}),
	fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 5 })).map(([a, b, e, sign, x]) => {
		const text = `${a}.${b}${e}${sign}${x}`;
		return { text, value: Number(text) };
	})
);

// Raw control characters in a file are left out: tree-sitter-hcl refuses a raw NUL even
// in a comment (such a file is refused as a syntax error, never edited).
const rawText = fc.oneof(fc.string({ maxLength: 10 }), hostileString).map((s) => s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, ' '));
const commentText = rawText.map((s) => s.replace(/[\r\n\u2028\u2029]/g, ' '));
const lineComment = fc.tuple(fc.constantFrom('#', '//'), commentText).map(([m, t]) => `${m}${t}`);
const blockComment = rawText.map((t) => `/*${t.replace(/\*\//g, '* /')}*/`);

/** Separators between elements: commas, newlines, comments, odd spacing. */
function separator(eol: string, objectStyle: boolean): fc.Arbitrary<string> {
	const base = [fc.constant(','), fc.constant(', '), fc.constant(' ,  '), fc.constant(`,${eol}  `), lineComment.map((c) => `, ${c}${eol}  `), blockComment.map((c) => `, ${c} `), blockComment.map((c) => `,${c}${eol}`)];
	const newlineOnly = [fc.constant(`${eol}  `), lineComment.map((c) => ` ${c}${eol}  `), fc.constant(`${eol}${eol}    `)];
	return fc.oneof(...base, ...(objectStyle ? newlineOnly : []));
}

function valueSrc(depth: number, eol: string): fc.Arbitrary<Src> {
	const scalar = fc.oneof(
		numberSrc,
		fc.boolean().map((b) => ({ text: String(b), value: b })),
		fc.constant({ text: 'null', value: null }),
		anyString.chain(looseString)
	);
	if (depth === 0) return scalar;
	const inner = valueSrc(depth - 1, eol);
	const list = fc
		.tuple(fc.array(fc.tuple(inner, separator(eol, false)), { maxLength: 4 }), fc.constantFrom('', ' ', `${eol}  `), fc.boolean())
		.map(([items, pad, trailing]) => {
			if (items.length === 0) return { text: `[${pad.trim() ? '' : pad}]`, value: [] };
			const body = items.map(([s, sep], i) => (i < items.length - 1 ? s.text + sep : s.text)).join('');
			return { text: `[${pad}${body}${trailing ? ',' : ''}${pad}]`, value: items.map(([s]) => s.value) };
		});
	const keySrc = fc.oneof(identifier.map((k) => ({ text: k, value: k as HclValue })), anyString.filter((k) => k !== '__proto__').chain(looseString));
	const object = fc
		.tuple(
			fc.uniqueArray(fc.tuple(keySrc, fc.constantFrom(' = ', '=', '  =   ', ': ', ' :'), inner, separator(eol, true)), { maxLength: 4, selector: ([k]) => k.value }),
			fc.constantFrom(' ', `${eol}  `)
		)
		.map(([elems, pad]) => {
			if (elems.length === 0) return { text: '{}', value: {} };
			const body = elems.map(([k, eq, v, sep], i) => `${k.text}${eq}${v.text}${i < elems.length - 1 ? sep : ''}`).join('');
			const value: Record<string, HclValue> = {};
			for (const [k, , v] of elems) value[k.value as string] = v.value;
			return { text: `{${pad}${body}${pad}}`, value };
		});
	return fc.oneof({ weight: 3, arbitrary: scalar }, { weight: 1, arbitrary: list }, { weight: 1, arbitrary: object });
}

const heredocLine = fc
	.array(fc.constantFrom('a', 'Z', '0', ' ', '"', '\\', '#', '//', '/*', '*/', '=', '{', '}', '[', ']', 'é', '中', '😀', '$$', '%%', 'x = 1', '\t'), { minLength: 1, maxLength: 8 })
	.map((a) => a.join(''))
	.filter((l) => /^\S/.test(l) && l.trim() !== 'EOT' && l.trim() !== 'END' && !/[$%]\{/.test(l));

function heredocSrc(eol: string): fc.Arbitrary<Src> {
	return fc.tuple(fc.boolean(), fc.constantFrom('EOT', 'END'), fc.array(fc.tuple(heredocLine, fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 4 })).map(([flush, marker, lines, closeIndent]) => {
		// Indent only with spaces and never blank lines: that is where HCL readers agree.
		const body = lines.map(([l, n]) => `${flush ? ' '.repeat(n + 1) : ''}${l}${eol}`).join('');
		const text = `<<${flush ? '-' : ''}${marker}${eol}${body}${flush ? ' '.repeat(closeIndent) : ''}${marker}`;
		const cut = flush ? Math.min(...lines.map(([, n]) => n + 1)) : 0;
		// Each line keeps the file's line ending, \r included (as OpenTofu reads a CRLF heredoc).
		const value = lines
			.map(([l, n]) => `${(flush ? ' '.repeat(n + 1) : '').slice(cut)}${l}${eol}`)
			.join('')
			.normalize('NFC');
		return { text, value };
	});
}

interface Declared {
	name: string;
	type: TypeConstraint;
	default?: HclValue;
}

interface World {
	declared: Declared[];
	variablesTf: string;
	tfvars: string;
	/** What each attribute of the file holds. */
	values: Record<string, HclValue>;
	set: Record<string, HclValue>;
}

const declaredArb: fc.Arbitrary<Declared[]> = fc.uniqueArray(identifier, { minLength: 1, maxLength: 6 }).chain((names) =>
	fc.tuple(
		...names.map((name) =>
			typeArb(2).chain((type) => fc.option(valueArb(type), { nil: undefined, freq: 2 }).map((d): Declared => (d === undefined ? { name, type } : { name, type, default: d })))
		)
	)
);

function variablesTfOf(declared: Declared[]): string {
	return declared
		.map((d) => [`variable "${d.name}" {`, `  type = ${typeText(d.type)}`, ...(d.default === undefined ? [] : [`  default = ${renderValue(d.default, '  ')}`]), '}', ''].join('\n'))
		.join('\n');
}

/** One top-level item of a tfvars file. */
type Item = { kind: 'attr'; name: string; src: Src; lead: string; eq: string; trail: string } | { kind: 'other'; text: string };

function worldArb(): fc.Arbitrary<World> {
	return fc.tuple(declaredArb, fc.constantFrom('\n', '\r\n'), fc.uniqueArray(identifier, { maxLength: 2 })).chain(([declared, eol, extra]) => {
		const names = [...new Set([...declared.map((d) => d.name), ...extra])];
		const attr = (name: string): fc.Arbitrary<Item> =>
			fc
				.tuple(
					fc.oneof({ weight: 4, arbitrary: valueSrc(2, eol) }, { weight: 1, arbitrary: heredocSrc(eol) }),
					fc.constantFrom('', '', '  ', '\t'),
					fc.constantFrom(' = ', '=', '   = ', ' =\t', '= '),
					fc.oneof(fc.constant(''), fc.constant('  '), lineComment.map((c) => ` ${c}`), blockComment.map((c) => ` ${c}`))
				)
				.map(([src, lead, eq, trail]) => ({ kind: 'attr', name, src, lead, eq, trail }));
		const other: fc.Arbitrary<Item> = fc.oneof(
			fc.constant<Item>({ kind: 'other', text: '' }),
			lineComment.map((text): Item => ({ kind: 'other', text })),
			blockComment.map((text): Item => ({ kind: 'other', text })),
			fc.tuple(blockComment, blockComment).map(([a, b]): Item => ({ kind: 'other', text: `${a.slice(0, -2)}${eol}${b.slice(2)}` }))
		);
		return fc
			.tuple(
				fc.subarray(names).chain((present) => fc.tuple(...present.map(attr))),
				fc.array(other, { maxLength: 5 }),
				fc.infiniteStream(fc.nat()),
				fc.boolean(),
				fc.subarray(declared, { minLength: 1 }).chain((edited) => fc.tuple(...edited.map((d) => valueArb(d.type).map((v) => [d.name, v] as const))))
			)
			.map(([attrs, others, order, finalEol, edits]): World => {
				const items: Item[] = [...attrs];
				const positions = order.take(others.length);
				for (const o of others) items.splice(positions.next().value! % (items.length + 1), 0, o);
				const values: Record<string, HclValue> = {};
				const lines = items.map((it) => {
					if (it.kind === 'other') return it.text;
					values[it.name] = it.src.value;
					// A heredoc's closing marker must end its line.
					const trail = it.src.text.startsWith('<<') ? '' : it.trail;
					return `${it.lead}${it.name}${it.eq}${it.src.text}${trail}`;
				});
				const last = items.at(-1);
				const endsInHeredoc = last?.kind === 'attr' && last.src.text.startsWith('<<');
				const tfvars = lines.join(eol) + (finalEol || endsInHeredoc || last?.kind === 'other' ? eol : '');
				return { declared, variablesTf: variablesTfOf(declared), tfvars, values, set: Object.fromEntries(edits) };
			});
	});
}
// ---------------------------------------------------------------------------
// The checks

function declarations(world: World): VariablesFile {
	const r = hcl.parseVariables(world.variablesTf, 'variables.tf');
	if (!r.ok) throw new Error(`variables.tf did not parse: ${r.error.message}\n${world.variablesTf}`);
	return r.value;
}

function readValues(text: string): Record<string, { value: HclValue; start: number; end: number; attrStart: number; attrEnd: number }> {
	const r = hcl.parseTfvars(text, 'dev.tfvars');
	if (!r.ok) throw new Error(`does not parse (${r.error.message}):\n${text}`);
	return Object.fromEntries(Object.entries(r.value.values).map(([k, a]) => [k, { value: a.value, start: a.range.start, end: a.range.end, attrStart: a.attributeRange.start, attrEnd: a.attributeRange.end }]));
}

/** Checks one edit of one world; returns the edit for further checks. */
function checkEdit(world: World): Edited {
	const vars = declarations(world);
	const before = readValues(world.tfvars);
	// The generator's model and the reader agree on what the file holds.
	expect(Object.keys(before).sort()).toEqual(Object.keys(world.values).sort());
	for (const [k, v] of Object.entries(world.values)) expect(equalValues(before[k]!.value, v), k).toBe(true);

	const r = editTfvars(hcl, world.tfvars, world.set, vars, { file: 'dev.tfvars' });
	if (!r.ok) throw new Error(`refused: ${JSON.stringify(r.problems)}\n${world.tfvars}`);
	const after = readValues(r.text);

	// Every requested variable changed or already had the value.
	const expected = new Map<string, HclValue>();
	for (const [name, raw] of Object.entries(world.set)) {
		const d = vars.variables[name]!;
		const v = validateValue(d.constraint!, raw, name);
		if (!v.ok) throw new Error(v.message);
		expected.set(name, v.value);
		const changed = r.changed.find((c) => c.name === name);
		if (changed) expect(equalValues(changed.new, v.value)).toBe(true);
		else {
			expect(r.unchanged).toContain(name);
			expect(equalValues(name in before ? before[name]!.value : d.default!, v.value)).toBe(true);
		}
	}
	const changedNames = new Set(r.changed.map((c) => c.name));
	const appended = r.changed.filter((c) => !(c.name in before)).map((c) => c.name);

	// No attribute added or removed beyond the appended ones; edited ones hold the new values.
	expect(Object.keys(after).sort()).toEqual([...Object.keys(before), ...appended].sort());
	for (const name of changedNames) expect(equalValues(after[name]!.value, expected.get(name)!), name).toBe(true);

	// Every byte outside the replaced values is the same, in the same order: all
	// comments, blank lines, spacing, heredocs and other attributes.
	const inPlace = r.changed.filter((c) => c.name in before).map((c) => c.name);
	const oldRanges = inPlace.map((n) => before[n]!).sort((a, b) => a.start - b.start);
	const newRanges = inPlace.map((n) => after[n]!).sort((a, b) => a.start - b.start);
	let o = 0;
	let n = 0;
	oldRanges.forEach((range, idx) => {
		expect(r.text.slice(n, newRanges[idx]!.start)).toBe(world.tfvars.slice(o, range.start));
		o = range.end;
		n = newRanges[idx]!.end;
	});
	const rest = r.text.slice(n);
	expect(rest.startsWith(world.tfvars.slice(o))).toBe(true);
	// What follows the old end of file is only the appended attributes.
	const appendedText = rest.slice(world.tfvars.length - o);
	if (appended.length === 0) expect(appendedText).toBe('');
	for (const name of Object.keys(before)) {
		if (!changedNames.has(name)) expect(r.text.slice(after[name]!.attrStart, after[name]!.attrEnd)).toBe(world.tfvars.slice(before[name]!.attrStart, before[name]!.attrEnd));
	}
	return r;
}

// hcl2json returns template source, where a literal `${` is spelled `$${`.
function asHcl2json(v: HclValue): unknown {
	if (typeof v === 'string') return v.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
	if (Array.isArray(v)) return v.map(asHcl2json);
	if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{'), asHcl2json(x)]));
	return v;
}

describe('editTfvars properties', () => {
	it(`edits random declared variables of random files format-preservingly (${EDIT_RUNS} runs)`, () => {
		fc.assert(
			fc.property(worldArb(), (world) => {
				checkEdit(world);
			}),
			{ numRuns: EDIT_RUNS }
		);
	});

	it(`never adds or removes an attribute, whatever the string (${HOSTILE_RUNS} runs)`, () => {
		const stringVars: Declared[] = [
			{ name: 'image', type: { kind: 'string' } },
			{ name: 'labels', type: { kind: 'map', element: { kind: 'string' } } },
			{ name: 'args', type: { kind: 'list', element: { kind: 'string' } } }
		];
		const world = fc.tuple(worldArb(), hostileString, fc.dictionary(hostileString, hostileString, { maxKeys: 3 }).filter(distinctKeys), fc.array(hostileString, { maxLength: 3 })).map(([w, s, labels, args]): World => {
			const declared = [...w.declared.filter((d) => !stringVars.some((s2) => s2.name === d.name)), ...stringVars];
			return { ...w, declared, variablesTf: variablesTfOf(declared), set: { image: s, labels, args } };
		});
		fc.assert(
			fc.property(world, (w) => {
				const r = checkEdit(w);
				const after = readValues(r.text);
				// Strings read back exactly, in the NFC form HCL reads every string in.
				expect(after.image?.value).toBe((w.set.image as string).normalize('NFC'));
				expect(after.args?.value).toEqual((w.set.args as string[]).map((s) => s.normalize('NFC')));
			}),
			{ numRuns: HOSTILE_RUNS }
		);
	});

	it(`agrees with hcl2json, an independent HCL parser, on the edited files (${CROSS_RUNS} runs)`, async () => {
		await fc.assert(
			fc.asyncProperty(worldArb(), async (world) => {
				const r = checkEdit(world);
				const ours = readValues(r.text);
				const theirs = await hcl2json('dev.tfvars', r.text);
				expect(Object.keys(theirs).sort()).toEqual(Object.keys(ours).sort());
				for (const [k, a] of Object.entries(ours)) expect(theirs[k], k).toEqual(asHcl2json(a.value));
			}),
			{ numRuns: CROSS_RUNS }
		);
	});
});
