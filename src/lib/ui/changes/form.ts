// The change form's fields, generated from each variable's type constraint: a number,
// a bool or text gets a plain input; lists, maps, objects and `any` take JSON. The
// server converts and validates again; this only says early what it would refuse.
import type { TypeConstraint } from '$lib/core/hcl/types';

export type FieldKind = 'number' | 'bool' | 'string' | 'json';

export function fieldKind(t: TypeConstraint | null): FieldKind {
	if (!t) return 'json';
	if (t.kind === 'number' || t.kind === 'bool' || t.kind === 'string') return t.kind;
	return 'json';
}

/** The text a field starts with for the current value. */
export function fieldText(t: TypeConstraint | null, v: unknown): string {
	if (v === undefined) return '';
	const kind = fieldKind(t);
	if (kind === 'string' && typeof v === 'string') return v;
	if ((kind === 'number' || kind === 'bool') && (typeof v === 'number' || typeof v === 'boolean')) return String(v);
	return JSON.stringify(v, null, kind === 'json' && v !== null && typeof v === 'object' ? 2 : undefined);
}

/** The value a field's text proposes, or why it cannot be one. */
export function parseField(t: TypeConstraint | null, text: string): { ok: true; value: unknown } | { ok: false; message: string } {
	const kind = fieldKind(t);
	const s = text.trim();
	if (s === 'null' && kind !== 'string') return { ok: true, value: null };
	switch (kind) {
		case 'string':
			return { ok: true, value: text };
		case 'bool':
			return s === 'true' || s === 'false' ? { ok: true, value: s === 'true' } : { ok: false, message: 'true or false' };
		case 'number':
			return s !== '' && Number.isFinite(Number(s)) ? { ok: true, value: Number(s) } : { ok: false, message: 'a number' };
		default:
			try {
				return { ok: true, value: JSON.parse(text) };
			} catch {
				return { ok: false, message: 'not valid JSON (lists and objects are written as JSON)' };
			}
	}
}
