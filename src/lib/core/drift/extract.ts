// Values inside a string field: a ConfigMap's config.toml holds the runner
// manager's `concurrent` and job resources. A small TOML reader (tables, the
// first element of an array of tables, scalar values) and a regex extractor.

/** The scalar at a dotted key in TOML text (`runners.kubernetes.cpu_request`; `[[runners]]` means its first element), or undefined. */
export function tomlValue(text: string, key: string): string | number | boolean | undefined {
	let table: string[] = [];
	const seenArrays = new Set<string>();
	for (const raw of text.split('\n')) {
		const line = stripComment(raw).trim();
		if (!line) continue;
		const arr = /^\[\[\s*([^\]]+?)\s*\]\]$/.exec(line);
		if (arr) {
			const name = dotted(arr[1] ?? '');
			// Only the first element of an array of tables is addressable; later ones get a name no key matches.
			table = seenArrays.has(name.join('.')) ? ['\0'] : name;
			seenArrays.add(name.join('.'));
			continue;
		}
		const tab = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
		if (tab) {
			const name = dotted(tab[1] ?? '');
			table = table[0] === '\0' && name[0] !== undefined && seenArrays.has(name[0]) ? ['\0'] : name;
			continue;
		}
		const kv = /^((?:"[^"]*"|'[^']*'|[A-Za-z0-9_.\- ]+?))\s*=\s*(.*)$/.exec(line);
		if (!kv) continue;
		if ([...table, ...dotted(kv[1] ?? '')].join('.') === key) return scalar(kv[2] ?? '');
	}
	return undefined;
}

/** The first capture group (or whole match) of `source` in `text`, or undefined. */
export function regexValue(text: string, source: string): string | undefined {
	const m = new RegExp(source, 'm').exec(text);
	return m ? (m[1] ?? m[0]) : undefined;
}

function dotted(key: string): string[] {
	return (key.match(/"[^"]*"|'[^']*'|[^.]+/g) ?? []).map((p) => p.trim().replace(/^["']|["']$/g, ''));
}

function stripComment(line: string): string {
	let quote: string | null = null;
	for (let i = 0; i < line.length; i++) {
		const c = line[i];
		if (quote) {
			if (c === '\\' && quote === '"') i++;
			else if (c === quote) quote = null;
		} else if (c === '"' || c === "'") quote = c;
		else if (c === '#') return line.slice(0, i);
	}
	return line;
}

function scalar(v: string): string | number | boolean {
	const s = v.trim();
	if (s.startsWith('"') && s.endsWith('"') && s.length >= 2) {
		try {
			return JSON.parse(s) as string;
		} catch {
			return s.slice(1, -1);
		}
	}
	if (s.startsWith("'") && s.endsWith("'") && s.length >= 2) return s.slice(1, -1);
	if (s === 'true' || s === 'false') return s === 'true';
	const n = Number(s.replace(/_/g, ''));
	return s !== '' && Number.isFinite(n) && /^[+-]?[\d_.eE+-]+$/.test(s) ? n : s;
}
