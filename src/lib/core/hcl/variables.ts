// variables.tf: the stack's variable blocks, with defaults as JSON values, the
// lines an operator would open, and what an editor needs to accept a new value:
// the type constraint as data, `sensitive`, `nullable` and the `validation`
// conditions that can be checked without running OpenTofu.
import type { Node } from 'web-tree-sitter';
import { attributeParts, blockParts, bodyItems, fileBody } from './body';
import { compileCondition, type Condition } from './conditions';
import { ANY, typeFromNode, type TypeConstraint } from './types';
import { valueOf, type HclValue, type TextRange } from './values';

export interface DeclaredVariable {
	name: string;
	/** The default value; absent when the block has no `default`. */
	default?: HclValue;
	hasDefault: boolean;
	/** The type constraint as written (`list(string)`), or null. */
	type: string | null;
	/** The type constraint as data: `any` when none is written, null when the written one is not understood (see typeError). */
	constraint: TypeConstraint | null;
	/** Why `constraint` is null. */
	typeError: string | null;
	description: string | null;
	/** `sensitive = true`: the value is never shown or edited here. */
	sensitive: boolean;
	/** `nullable = false` refuses null (OpenTofu's default is true). */
	nullable: boolean;
	validations: VariableValidation[];
	/** 1-based line of the `variable` block. */
	line: number;
	/** 1-based line of the `default` attribute, or null. */
	defaultLine: number | null;
	/** Source range of the default's value expression, or null. */
	defaultRange: TextRange | null;
}

export interface VariableValidation {
	/** The condition as written. */
	condition: string;
	/** The error_message (its source text when it is not a plain string). */
	errorMessage: string;
	/** The compiled condition, or null when it can only be checked by `tofu plan` (see uncheckable). */
	check: Condition | null;
	/** Why `check` is null. */
	uncheckable: string | null;
	/** 1-based line of the `validation` block. */
	line: number;
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
		const v: DeclaredVariable = {
			name,
			hasDefault: false,
			type: null,
			constraint: ANY,
			typeError: null,
			description: null,
			sensitive: false,
			nullable: true,
			validations: [],
			line: item.startPosition.row + 1,
			defaultLine: null,
			defaultRange: null
		};
		for (const child of bodyItems(block.body)) {
			if (child.type === 'block') {
				const inner = blockParts(child);
				if (inner.type === 'validation') v.validations.push(validation(child, inner.body, text, name));
				continue;
			}
			const parts = attributeParts(child);
			if (!parts) continue;
			if (parts.name === 'default') {
				v.default = valueOf(parts.value, text);
				v.hasDefault = true;
				v.defaultLine = child.startPosition.row + 1;
				v.defaultRange = { start: parts.value.startIndex, end: parts.value.endIndex };
			} else if (parts.name === 'type') {
				v.type = text.slice(parts.value.startIndex, parts.value.endIndex);
				const t = typeFromNode(parts.value, text);
				v.constraint = t.ok ? t.type : null;
				v.typeError = t.ok ? null : t.message;
			} else if (parts.name === 'description') {
				const d = valueOf(parts.value, text);
				v.description = typeof d === 'string' ? d : null;
			} else if (parts.name === 'sensitive') {
				// Anything but a literal false counts as sensitive: a value is never exposed by mistake.
				v.sensitive = valueOf(parts.value, text) !== false;
			} else if (parts.name === 'nullable') {
				v.nullable = valueOf(parts.value, text) !== false;
			}
		}
		variables[name] = v;
	}
	return { file, variables };
}

function validation(block: Node, body: Node | null, text: string, self: string): VariableValidation {
	let conditionNode: Node | null = null;
	let errorMessage = '';
	for (const child of bodyItems(body)) {
		if (child.type !== 'attribute') continue;
		const parts = attributeParts(child);
		if (parts?.name === 'condition') conditionNode = parts.value;
		else if (parts?.name === 'error_message') {
			const m = valueOf(parts.value, text);
			errorMessage = typeof m === 'string' ? m : text.slice(parts.value.startIndex, parts.value.endIndex);
		}
	}
	const line = block.startPosition.row + 1;
	if (!conditionNode) return { condition: '', errorMessage, check: null, uncheckable: 'no condition', line };
	const condition = text.slice(conditionNode.startIndex, conditionNode.endIndex);
	const compiled = compileCondition(conditionNode, text, self);
	return compiled.ok
		? { condition, errorMessage, check: compiled.condition, uncheckable: null, line }
		: { condition, errorMessage, check: null, uncheckable: compiled.reason, line };
}
