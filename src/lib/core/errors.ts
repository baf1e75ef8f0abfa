/** A path into a document as operators write it: `runners[2].cpu` (zod issue paths, config keys). */
export function fieldPath(path: readonly PropertyKey[]): string {
	return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

/** The message of anything thrown: an Error's message, else its string form. */
export function messageOf(e: unknown): string {
	return e instanceof Error ? e.message : String(e);
}
