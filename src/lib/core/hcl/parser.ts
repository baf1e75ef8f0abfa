// The HCL parser: web-tree-sitter with the tree-sitter-hcl grammar, both shipped
// as .wasm files inside their npm packages. They are resolved with
// createRequire from this module, which works in vitest, in the SvelteKit server
// build (adapter-node keeps runtime dependencies external) and in the CLI bundle
// (esbuild `packages: 'external'`). Reading the two wasm files is the only I/O.
import { createRequire } from 'node:module';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';
import { parseErrorOf } from './errors';
import { tfvarsFromTree, type TfvarsFile } from './tfvars';
import { variablesFromTree, type VariablesFile } from './variables';
import { NestingError, type ParseResult } from './values';

/** A loaded HCL parser. Trees are freed after each call; the methods never throw for bad input; results are shared, do not mutate them. */
export interface HclParser {
	/** Parses `variables.tf` text: every `variable` block with its default, type, description and lines. */
	parseVariables(text: string, file: string): ParseResult<VariablesFile>;
	/** Parses `.tfvars` text: every top-level attribute with its value, line and source ranges. */
	parseTfvars(text: string, file: string): ParseResult<TfvarsFile>;
	/** Runs `fn` over the syntax tree of `text` and frees the tree afterwards (for readers beyond the two above). */
	withTree<T>(text: string, fn: (root: Node) => T): T;
	/** Forgets remembered results (they are kept for the last CACHE_SIZE distinct file texts). */
	clearCache(): void;
}

/** Distinct (reader, file, text) results remembered: a sync re-reads mostly unchanged files. */
export const CACHE_SIZE = 64;

let loading: Promise<HclParser> | null = null;

/** Loads the parser once per process; later calls return the same instance. */
export function loadHcl(): Promise<HclParser> {
	loading ??= init().catch((e: unknown) => {
		loading = null;
		throw e;
	});
	return loading;
}

async function init(): Promise<HclParser> {
	const require = createRequire(import.meta.url);
	const runtime = require.resolve('web-tree-sitter/tree-sitter.wasm');
	await Parser.init({ locateFile: () => runtime });
	const language = await Language.load(require.resolve('@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-hcl.wasm'));
	const parser = new Parser();
	parser.setLanguage(language);

	function withTree<T>(text: string, fn: (root: Node) => T): T {
		const tree: Tree | null = parser.parse(text);
		if (!tree) throw new Error('tree-sitter returned no tree');
		try {
			return fn(tree.rootNode);
		} finally {
			tree.delete();
		}
	}

	// Parsing is the expensive part of a drift check (tree-sitter in wasm); results
	// are pure functions of the text, so they are remembered. Callers must not mutate them.
	const cache = new Map<string, ParseResult<unknown>>();
	function read<T>(kind: string, text: string, file: string, fromTree: (root: Node, text: string, file: string) => T): ParseResult<T> {
		const key = `${kind}\0${file}\0${text}`;
		const hit = cache.get(key);
		if (hit) {
			cache.delete(key);
			cache.set(key, hit);
			return hit as ParseResult<T>;
		}
		const result: ParseResult<T> = withTree(text, (root) => {
			const error = parseErrorOf(root, text, file);
			if (error) return { ok: false, error };
			try {
				return { ok: true, value: fromTree(root, text, file) };
			} catch (e) {
				if (e instanceof NestingError) return { ok: false, error: { file, line: e.line, message: e.message } };
				throw e;
			}
		});
		cache.set(key, result);
		if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
		return result;
	}

	return {
		parseVariables: (text, file) => read('variables', text, file, variablesFromTree),
		parseTfvars: (text, file) => read('tfvars', text, file, tfvarsFromTree),
		withTree,
		clearCache: () => cache.clear()
	};
}
