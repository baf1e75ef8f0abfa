// Minimal flag parsing: `--name value` or `--name=value`; unknown flags are errors.
export class UsageError extends Error {}

export function parseFlags(argv: string[], known: Record<string, 'string' | 'boolean'>): Record<string, string | boolean> {
	const out: Record<string, string | boolean> = {};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i]!;
		if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
		const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
		const kind = known[name];
		if (!kind) throw new UsageError(`unknown option --${name}`);
		if (kind === 'boolean') {
			out[name] = true;
			continue;
		}
		const value = inline ?? argv[++i];
		if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
		out[name] = value;
	}
	return out;
}
