// Syntax errors as operators read them: the first ERROR or MISSING node of the
// tree, with its file and 1-based line.
import type { Node } from 'web-tree-sitter';
import type { ParseError } from './values';

/** The first syntax error in the tree, or null when the text parsed cleanly. */
export function parseErrorOf(root: Node, text: string, file: string): ParseError | null {
	if (!root.hasError) return null;
	const bad = firstBad(root);
	if (!bad) return { file, line: null, message: 'syntax error' };
	const line = bad.startPosition.row + 1;
	// A missing token is placed where the next token starts, often the next line;
	// the operator's mistake is on the line of the last thing they wrote.
	// An unclosed string, list or object is reported where it was opened.
	if (bad.isMissing) {
		const opened = bad.parent && bad.parent.startIndex < bad.startIndex ? bad.parent.startPosition.row + 1 : lineBefore(text, bad.startIndex);
		return { file, line: opened, message: `syntax error: missing ${describe(bad.type)}` };
	}
	const snippet = bad.text.split('\n')[0]?.trim().slice(0, 40) ?? '';
	return { file, line, message: snippet ? `syntax error: unexpected ${JSON.stringify(snippet)}` : 'syntax error' };
}

// Depth first, in document order, with an explicit stack: a deeply nested file must not exhaust the call stack.
function firstBad(root: Node): Node | null {
	const stack: Node[] = [root];
	while (stack.length) {
		const node = stack.pop()!;
		if (node.isError || node.isMissing) return node;
		if (!node.hasError) continue;
		const kids = node.children;
		for (let i = kids.length - 1; i >= 0; i--) {
			const c = kids[i];
			if (c) stack.push(c);
		}
	}
	return null;
}

const TOKENS: Record<string, string> = {
	identifier: 'an expression',
	quoted_template_end: 'the closing quote',
	tuple_end: "']'",
	object_end: "'}'",
	block_end: "'}'",
	heredoc_identifier: 'the heredoc end marker'
};

function describe(type: string): string {
	return TOKENS[type] ?? JSON.stringify(type);
}

function lineBefore(text: string, index: number): number {
	let i = Math.min(index, text.length) - 1;
	while (i >= 0 && /\s/.test(text[i] ?? '')) i--;
	let line = 1;
	for (let j = 0; j <= i; j++) if (text.charCodeAt(j) === 10) line++;
	return line;
}
