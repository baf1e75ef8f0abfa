// The drift map applied to one stack: every mapped object with its resolved
// name, whether git declares it, and its fields' declared values.
import { normaliseValue } from '../quantity';
import { fillGroups, fillTemplate, type Declared, type DeclaredValue } from './declared';
import { globMatch } from './glob';
import type { DriftMap, FieldMapping } from './map';
import { parsePath, type Segment } from './paths';
import type { ObjectRef } from './types';

export interface MappedField {
	/** The item's field: the path, plus `#key` when the value is read from inside the string. */
	field: string;
	path: string;
	segments: Segment[];
	mapping: FieldMapping;
	variable: string;
	declared: DeclaredValue | null;
}

export interface MappedObject {
	ref: ObjectRef;
	apiVersion: string | null;
	/** true/false from the `exists` variables, null when one of them is unknown. */
	exists: boolean | null;
	/** The variable deciding existence that an operator would edit (the first `exists` entry). */
	existsVariable: string | null;
	existsDeclared: DeclaredValue | null;
	fields: MappedField[];
}

/** Expands the map's entries for a stack; unresolvable names become messages. */
export function expandMap(map: DriftMap, stack: string, declared: Declared): { objects: MappedObject[]; problems: string[] } {
	const objects: MappedObject[] = [];
	const problems: string[] = [];
	for (const entry of map.stacks) {
		if (!globMatch(entry.stack, stack)) continue;
		const bindings = entry.each ? eachBindings(entry.each, declared.names) : [{}];
		for (const groups of bindings) {
			for (const o of entry.objects) {
				const name = fillTemplate(o.name, groups, declared);
				const existsVars = o.exists.map((e) => fillGroups(e, groups));
				const existsValues = existsVars.map((v) => declared.get(v));
				const exists = existsValues.every((d) => d?.known)
					? existsValues.every((d) => normaliseValue('', d?.value) === true)
					: null;
				if (name === null) {
					// A switched-off object needs no name; one that should exist does.
					if (exists !== false) problems.push(`${o.kind} ${o.name}: the name's variable has no known value`);
					continue;
				}
				const fields: MappedField[] = [];
				for (const f of o.fields) {
					const segments = parsePath(f.path);
					if (!segments) {
						problems.push(`${o.kind} ${name}: bad field path ${JSON.stringify(f.path)}`);
						continue;
					}
					const variable = fillGroups(f.variable, groups);
					const inner = f.toml ?? (f.regex !== undefined ? `/${f.regex}/` : null);
					fields.push({ field: inner ? `${f.path}#${inner}` : f.path, path: f.path, segments, mapping: f, variable, declared: declared.get(variable) });
				}
				objects.push({
					ref: { kind: o.kind, namespace: o.namespace ?? null, name },
					apiVersion: o.apiVersion ?? null,
					exists,
					existsVariable: existsVars[0] ?? null,
					existsDeclared: existsVars[0] !== undefined ? declared.get(existsVars[0]) : null,
					fields
				});
			}
		}
	}
	return { objects, problems };
}

function eachBindings(pattern: string, names: string[]): Record<string, string>[] {
	const re = new RegExp(pattern);
	const out: Record<string, string>[] = [];
	for (const n of names) {
		const m = re.exec(n);
		if (m) out.push({ ...(m.groups ?? {}) });
	}
	return out;
}
