// Where a JSON text goes wrong. JSON.parse on Node 20 often names no position
// ("Unexpected token '}', ... is not valid JSON"); jsonc-parser, in strict mode,
// gives the offset of the first error, turned here into the line an operator opens.
import { parse, printParseErrorCode, type ParseError as JsonError } from 'jsonc-parser';

const MESSAGES: Partial<Record<ReturnType<typeof printParseErrorCode>, string>> = {
	InvalidNumberFormat: 'bad number',
	UnexpectedEndOfNumber: 'bad number',
	PropertyNameExpected: 'expected a property name',
	ValueExpected: 'expected a value',
	ColonExpected: "expected ':'",
	CommaExpected: "expected ',' or the end of the list or object",
	CloseBraceExpected: "expected '}'",
	CloseBracketExpected: "expected ']'",
	EndOfFileExpected: 'unexpected content after the JSON value',
	InvalidCommentToken: 'comments are not JSON',
	UnexpectedEndOfComment: 'comments are not JSON',
	InvalidUnicode: 'bad \\u escape',
	InvalidEscapeCharacter: 'bad escape in string',
	InvalidCharacter: 'control character in string'
};

/** The 1-based line and column and a message for the first syntax error in `text`, or null when it is valid JSON. */
export function jsonSyntaxError(text: string): { line: number | null; column: number | null; message: string } | null {
	const errors: JsonError[] = [];
	try {
		parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
	} catch {
		// The reader recurses per nesting level: a text nested too deep for it has no position to give.
		return { line: null, column: null, message: 'invalid JSON' };
	}
	const e = errors[0];
	if (!e) return null;
	const { line, column } = positionOf(text, e.offset);
	return { line, column, message: `invalid JSON: ${describe(text, e)}` };
}

function describe(text: string, e: JsonError): string {
	const code = printParseErrorCode(e.error);
	if (code === 'InvalidSymbol') return `unexpected ${JSON.stringify(text.slice(e.offset, e.offset + Math.min(Math.max(e.length, 1), 20)))}`;
	// A string stops at a line break (a raw control character) or at the end of the text.
	if (code === 'UnexpectedEndOfString') return e.offset + e.length < text.length ? 'control character in string' : 'unterminated string';
	return MESSAGES[code] ?? 'syntax error';
}

/** The 1-based line and column of a character offset. */
function positionOf(text: string, offset: number): { line: number; column: number } {
	let line = 1;
	let start = 0;
	const end = Math.min(offset, text.length);
	for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
		line++;
		start = i + 1;
	}
	return { line, column: end - start + 1 };
}
