// docs/configuration.md lists every environment variable the code reads (ours and the
// HTTP adapter's) and every key of the YAML file.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ENV_VARS } from '../src/lib/server/config/env';
import { configFile } from '../src/lib/server/config/file';
import { root } from './helpers/app';

const doc = readFileSync(join(root, 'docs/configuration.md'), 'utf8');
const documented = (name: string) => doc.includes(`\`${name}\``);

function* sourceFiles(dir: string): Generator<string> {
	for (const e of readdirSync(dir)) {
		const p = join(dir, e);
		if (statSync(p).isDirectory()) yield* sourceFiles(p);
		else if (/\.(ts|js|mjs|svelte)$/.test(e) && !/\.test\.ts$/.test(e)) yield p;
	}
}

function envReadsInCode(): Map<string, string> {
	const found = new Map<string, string>();
	for (const dir of ['src', 'sandbox', 'scripts', 'bin']) {
		for (const f of sourceFiles(join(root, dir))) {
			const text = readFileSync(f, 'utf8');
			for (const m of text.matchAll(/process\.env(?:\.([A-Z_][A-Z0-9_]*)|\[['"]([A-Z_][A-Z0-9_]*)['"]\])/g)) found.set(m[1] ?? m[2]!, f);
			for (const m of text.matchAll(/readEnv\(\s*\w+\s*,\s*['"]([A-Z_][A-Z0-9_]*)['"]/g)) found.set(m[1]!, f);
		}
	}
	return found;
}

function envReadsInAdapter(): Set<string> {
	const dir = join(root, 'build/app');
	const names = new Set<string>();
	for (const f of sourceFiles(dir)) {
		// build/app/index.js is the adapter's own server, which runner-dashboard does not run
		// (`serve` mounts handler.js in its own server); client code reads no variables.
		if (f.includes('/client/') || f === join(dir, 'index.js')) continue;
		for (const m of readFileSync(f, 'utf8').matchAll(/\benv\(\s*['"]([A-Z_][A-Z0-9_]*)['"]/g)) names.add(m[1]!);
	}
	return names;
}

function yamlKeys(): string[] {
	const out: string[] = [];
	const walk = (s: Record<string, any> | undefined, path: string) => {
		if (!s) return;
		if (s.anyOf) return s.anyOf.forEach((a: Record<string, unknown>) => walk(a, path));
		if (s.type === 'array') return walk(s.items, `${path}[]`);
		for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Record<string, unknown>>)) {
			const p = path ? `${path}.${k}` : k;
			out.push(p);
			walk(v, p);
		}
	};
	walk(z.toJSONSchema(configFile, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>, '');
	return [...new Set(out)];
}

describe('docs/configuration.md', () => {
	it('documents every variable in ENV_VARS', () => {
		const missing = Object.keys(ENV_VARS).filter((n) => !documented(n));
		expect(missing).toEqual([]);
	});

	it('documents every variable the code reads', () => {
		const reads = envReadsInCode();
		expect(reads.size).toBeGreaterThanOrEqual(4);
		const missing = [...reads].filter(([n]) => !documented(n)).map(([n, f]) => `${n} (${f})`);
		expect(missing).toEqual([]);
	});

	it('documents every variable the built HTTP adapter reads', () => {
		const reads = envReadsInAdapter();
		expect(reads).toContain('ORIGIN');
		expect([...reads].filter((n) => !documented(n))).toEqual([]);
	});

	it('documents every key of the YAML file', () => {
		const keys = yamlKeys();
		expect(keys).toContain('sources.gitlab[].token.env');
		expect(keys.filter((k) => !documented(k))).toEqual([]);
	});
});
