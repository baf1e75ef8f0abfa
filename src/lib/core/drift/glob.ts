// Shell-style globs for stack, kind and object names: `*` any run, `?` one character.

const cache = new Map<string, RegExp>();

/** True when `name` matches the glob `pattern`. */
export function globMatch(pattern: string, name: string): boolean {
	let re = cache.get(pattern);
	if (!re) {
		re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
		cache.set(pattern, re);
	}
	return re.test(name);
}
