// variables.tf: the stack's variable blocks, with defaults as JSON values and
// the lines an operator would open.
import type { Node } from 'web-tree-sitter';
import { attributeParts, blockParts, bodyItems, fileBody } from './body';
import { valueOf, type HclValue, type TextRange } from './values';

export interface DeclaredVariable {
	name: string;
	/** The default value; absent when the block has no `default`. */
	default?: HclValue;
	hasDefault: boolean;
	/** The type constraint as written (`list(string)`), or null. */
	type: string | null;
	description: string | null;
	/** 1-based line of the `variable` block. */
	line: number;
	/** 1-based line of the `default` attribute, or null. */
	defaultLine: number | null;
	/** Source range of the default's value expression, or null. */
	defaultRange: TextRange | null;
}

export interface VariablesFile {
	file: string;
	variables: Record<string, DeclaredVariable>;
}

/** Reads every top-level `variable "name" { ... }` block from a parsed variables.tf. */
export function variablesFromTree(root: Node, text: string, file: string): VariablesFile {
	const variables: Record<string, DeclaredVariable> = {};
	for (const item of bodyItems(fileBody(root))) {
		if (item.type !== 'block') continue;
		const block = blockParts(item);
		const name = block.labels[0];
		if (block.type !== 'variable' || name === undefined) continue;
		const v: DeclaredVariable = { name, hasDefault: false, type: null, description: null, line: item.startPosition.row + 1, defaultLine: null, defaultRange: null };
		for (const attr of bodyItems(block.body)) {
			if (attr.type !== 'attribute') continue;
			const parts = attributeParts(attr);
			if (!parts) continue;
			if (parts.name === 'default') {
				v.default = valueOf(parts.value, text);
				v.hasDefault = true;
				v.defaultLine = attr.startPosition.row + 1;
				v.defaultRange = { start: parts.value.startIndex, end: parts.value.endIndex };
			} else if (parts.name === 'type') {
				v.type = text.slice(parts.value.startIndex, parts.value.endIndex);
			} else if (parts.name === 'description') {
				const d = valueOf(parts.value, text);
				v.description = typeof d === 'string' ? d : null;
			}
		}
		variables[name] = v;
	}
	return { file, variables };
}
