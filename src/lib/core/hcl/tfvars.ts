// .tfvars: top-level attributes with their values, lines and source ranges. The
// ranges let a later edit replace one value and keep everything else byte for byte.
import type { Node } from 'web-tree-sitter';
import { attributeParts, bodyItems, fileBody } from './body';
import { valueOf, type HclValue, type TextRange } from './values';

export interface TfvarsAttribute {
	name: string;
	value: HclValue;
	/** 1-based line of the attribute. */
	line: number;
	/** Range of the value expression. */
	range: TextRange;
	/** Range of the whole attribute, name to end of value. */
	attributeRange: TextRange;
}

export interface TfvarsFile {
	file: string;
	values: Record<string, TfvarsAttribute>;
}

/** Reads every top-level `name = value` attribute from a parsed .tfvars file. */
export function tfvarsFromTree(root: Node, text: string, file: string): TfvarsFile {
	const values: Record<string, TfvarsAttribute> = {};
	for (const item of bodyItems(fileBody(root))) {
		if (item.type !== 'attribute') continue;
		const parts = attributeParts(item);
		if (!parts) continue;
		values[parts.name] = {
			name: parts.name,
			value: valueOf(parts.value, text),
			line: item.startPosition.row + 1,
			range: { start: parts.value.startIndex, end: parts.value.endIndex },
			attributeRange: { start: item.startIndex, end: item.endIndex }
		};
	}
	return { file, values };
}
