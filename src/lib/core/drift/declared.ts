// The declared side of a stack: a variable's value is the environment's .tfvars
// value when set, else the variables.tf default; with the line an operator edits.
import { isUnevaluated, type HclValue } from '../hcl/values';
import type { DeclaredInputs } from './input';
import type { SourceLocation } from './types';

export interface DeclaredValue {
	/** undefined when the variable has neither a tfvars value nor a default. */
	value: HclValue | undefined;
	/** False when the value needs evaluation (a reference, a function call): it is not compared. */
	known: boolean;
	location: SourceLocation | null;
}

export interface Declared {
	/** Every variable name the stack knows (variables.tf and tfvars). */
	names: string[];
	get(name: string): DeclaredValue | null;
}

/** The declared values of one stack/env. */
export function declaredValues(inputs: DeclaredInputs, webUrl: (file: string, line: number) => string | null): Declared {
	const vars = inputs.variables.variables;
	const set = inputs.tfvars?.values ?? {};
	const names = [...new Set([...Object.keys(vars), ...Object.keys(set)])].sort();
	const loc = (file: string, line: number): SourceLocation => ({ file, line, url: webUrl(file, line) });
	return {
		names,
		get(name) {
			const t = set[name];
			if (t && inputs.tfvars) return { value: t.value, known: !isUnevaluated(t.value), location: loc(inputs.tfvars.file, t.line) };
			const v = vars[name];
			if (!v) return null;
			if (!v.hasDefault) return { value: undefined, known: false, location: loc(inputs.variables.file, v.line) };
			return { value: v.default, known: !isUnevaluated(v.default), location: loc(inputs.variables.file, v.defaultLine ?? v.line) };
		}
	};
}

/**
 * Fills a mapping template: `{T}` (named groups of the `each` match) first, then
 * `${var.NAME}` with NAME's declared value. Null when a referenced value is unknown.
 */
export function fillTemplate(template: string, groups: Record<string, string>, declared: Declared): string | null {
	const expanded = template.replace(/\{(\w+)\}/g, (m, g: string) => groups[g] ?? m);
	let unknown = false;
	const out = expanded.replace(/\$\{var\.([\w-]+)\}/g, (_, name: string) => {
		const d = declared.get(name);
		if (!d || !d.known || (typeof d.value !== 'string' && typeof d.value !== 'number')) {
			unknown = true;
			return '';
		}
		return String(d.value);
	});
	return unknown ? null : out;
}

/** Fills `{T}`-style placeholders only. */
export function fillGroups(template: string, groups: Record<string, string>): string {
	return template.replace(/\{(\w+)\}/g, (m, g: string) => groups[g] ?? m);
}
