// Values inside a string field: a ConfigMap's config.toml holds the runner
// manager's `concurrent` and job resources. TOML is read with smol-toml; a regex
// extractor covers other formats.
import { parse as parseToml, TomlDate } from 'smol-toml';

/**
 * The scalar at a dotted key in TOML text (`runners.kubernetes.cpu_request`), or
 * undefined when it is absent, not a scalar, or the text is not TOML. An array on the
 * way (`[[runners]]`, an array of tables) stands for its first element.
 */
export function tomlValue(text: string, key: string): string | number | boolean | undefined {
	let cur: unknown;
	try {
		cur = parseToml(text);
	} catch {
		return undefined;
	}
	for (const part of key.split('.')) {
		if (Array.isArray(cur)) cur = cur[0];
		if (cur === null || typeof cur !== 'object' || cur instanceof TomlDate || !Object.hasOwn(cur, part)) return undefined;
		cur = (cur as Record<string, unknown>)[part];
	}
	if (cur instanceof TomlDate) return cur.toISOString();
	if (typeof cur === 'bigint') return Number(cur);
	return typeof cur === 'string' || typeof cur === 'number' || typeof cur === 'boolean' ? cur : undefined;
}

/** The first capture group (or whole match) of `source` in `text`, or undefined. */
export function regexValue(text: string, source: string): string | undefined {
	const m = new RegExp(source, 'm').exec(text);
	return m ? (m[1] ?? m[0]) : undefined;
}
