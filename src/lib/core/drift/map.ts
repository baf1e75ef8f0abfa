// The drift map: which declared variable lands in which live object field. A
// YAML document (docs/drift.md) validated with zod; the built-in profile for the
// runner stacks (profile.ts) is merged in unless the document says `replace: true`.
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { fieldPath } from '../errors';
import type { ParseResult } from '../hcl/values';
import { DRIFT_SEVERITIES } from './types';

const severity = z.enum(DRIFT_SEVERITIES);

const fieldSchema = z
	.object({
		/** Dotted path in the live object; `[name=x]`/`[0]` select list elements, `["a.b"]` quotes a key. */
		path: z.string().min(1),
		variable: z.string().min(1),
		/** Read the value from inside a string field holding TOML (`concurrent`, `runners.kubernetes.cpu_request`). */
		toml: z.string().min(1).optional(),
		/** Read the value from inside a string field with a regular expression (first capture group). */
		regex: z.string().min(1).optional(),
		severity: severity.optional()
	})
	.strict()
	.refine((f) => !(f.toml && f.regex), { message: 'a field takes toml or regex, not both' });

const objectSchema = z
	.object({
		kind: z.string().min(1),
		apiVersion: z.string().min(1).optional(),
		namespace: z.string().min(1).nullable().optional(),
		/** The object name; `${var.NAME}` is replaced by the declared value of variable NAME. */
		name: z.string().min(1),
		/** Variables that must all be true for the object to be declared (empty: always). */
		exists: z.array(z.string().min(1)).default([]),
		fields: z.array(fieldSchema).default([])
	})
	.strict();

const stackSchema = z
	.object({
		/** Glob over stack names (`gitlab-runners`, `*-runners`). */
		stack: z.string().min(1),
		/** Regular expression over the stack's variable names; each match's named groups (`{T}`) expand the objects once. */
		each: z.string().min(1).optional(),
		objects: z.array(objectSchema).default([])
	})
	.strict();

const ignoreSchema = z
	.object({
		kind: z.string().min(1),
		/** Glob over object names. */
		name: z.string().min(1).optional(),
		namespace: z.string().min(1).optional(),
		/** JSON pointers (`/spec/replicas`) or dotted paths (`spec.replicas`, `metadata.annotations["a/b"]`); `*` matches any segment. */
		paths: z.array(z.string().min(1)).min(1)
	})
	.strict();

const unmanagedSchema = z
	.object({
		kind: z.string().min(1),
		namespace: z.string().min(1).optional(),
		/** The stack an unmanaged object is reported under. */
		stack: z.string().min(1)
	})
	.strict();

export const driftMapSchema = z
	.object({
		replace: z.boolean().default(false),
		stacks: z.array(stackSchema).default([]),
		ignore: z.array(ignoreSchema).default([]),
		unmanaged: z.array(unmanagedSchema).default([])
	})
	.strict();

export type FieldMapping = z.infer<typeof fieldSchema>;
export type ObjectMapping = z.infer<typeof objectSchema>;
export type StackMapping = z.infer<typeof stackSchema>;
export type IgnoreRule = z.infer<typeof ignoreSchema>;
export type UnmanagedRule = z.infer<typeof unmanagedSchema>;
/** A drift map document as written (`replace` says whether it replaces the built-in profile). */
export type DriftMapDocument = z.infer<typeof driftMapSchema>;
/** The effective map the engine uses. */
export type DriftMap = Omit<DriftMapDocument, 'replace'>;

/** Parses and validates a drift map YAML document; errors carry the file and, where known, the line. */
export function parseDriftMap(text: string, file: string): ParseResult<DriftMapDocument> {
	const doc = parseDocument(text, { prettyErrors: false });
	const yamlError = doc.errors[0];
	if (yamlError) return { ok: false, error: { file, line: yamlError.linePos?.[0]?.line ?? null, message: yamlError.message.split('\n')[0] ?? 'invalid YAML' } };
	const parsed = driftMapSchema.safeParse(doc.toJS() ?? {});
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		const where = issue?.path.length ? fieldPath(issue.path) : 'document';
		return { ok: false, error: { file, line: lineOfPath(doc, issue?.path ?? [], text), message: `${where}: ${issue?.message ?? 'invalid'}` } };
	}
	for (const s of parsed.data.stacks) {
		const bad = s.each !== undefined ? regexError(s.each) : null;
		if (bad) return { ok: false, error: { file, line: null, message: `stack ${s.stack}: each: ${bad}` } };
		for (const o of s.objects) {
			for (const f of o.fields) {
				const err = f.regex !== undefined ? regexError(f.regex) : null;
				if (err) return { ok: false, error: { file, line: null, message: `${o.kind} ${o.name} ${f.path}: regex: ${err}` } };
			}
		}
	}
	return { ok: true, value: parsed.data };
}

function regexError(source: string): string | null {
	try {
		new RegExp(source);
		return null;
	} catch (e) {
		return (e as Error).message;
	}
}

function lineOfPath(doc: ReturnType<typeof parseDocument>, path: PropertyKey[], text: string): number | null {
	for (let n = path.length; n > 0; n--) {
		const node = doc.getIn(path.slice(0, n) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
		const start = node?.range?.[0];
		if (typeof start === 'number') return text.slice(0, start).split('\n').length;
	}
	return null;
}

/**
 * The effective map: the user's document merged into the built-in profile, or
 * alone when it says `replace: true`. A user object with the same stack, kind and
 * name template as a profile object extends it: its fields are added (a field with
 * the same path and extractor replaces the profile's) and its `exists`, when given,
 * replaces the profile's.
 */
export function effectiveDriftMap(builtin: DriftMap, user: DriftMapDocument | null): DriftMap {
	if (!user) return builtin;
	if (user.replace) return { stacks: user.stacks, ignore: user.ignore, unmanaged: user.unmanaged };
	const objKey = (stack: string, o: ObjectMapping) => `${stack}\0${o.kind}\0${o.name}`;
	const fieldKey = (f: FieldMapping) => `${f.path}\0${f.toml ?? ''}\0${f.regex ?? ''}`;
	const userObjects = new Map<string, ObjectMapping>();
	for (const st of user.stacks) for (const o of st.objects) userObjects.set(objKey(st.stack, o), o);
	const merged = new Set<string>();
	const stacks = builtin.stacks.map((st) => ({
		...st,
		objects: st.objects.map((o) => {
			const u = userObjects.get(objKey(st.stack, o));
			if (!u) return o;
			merged.add(objKey(st.stack, o));
			const replaced = new Set(u.fields.map(fieldKey));
			return { ...o, ...u, exists: u.exists.length ? u.exists : o.exists, fields: [...o.fields.filter((f) => !replaced.has(fieldKey(f))), ...u.fields] };
		})
	}));
	for (const st of user.stacks) {
		const objects = st.objects.filter((o) => !merged.has(objKey(st.stack, o)));
		if (objects.length) stacks.push({ ...st, objects });
	}
	return { stacks, ignore: [...builtin.ignore, ...user.ignore], unmanaged: [...builtin.unmanaged, ...user.unmanaged] };
}
