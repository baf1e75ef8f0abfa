// Where a JSON text goes wrong. JSON.parse on Node 20 often names no position
// ("Unexpected token '}', ... is not valid JSON"), so a small validating scanner
// finds the offset and the 1-based line an operator can open.

/** The 1-based line and a message for the first syntax error in `text`, or null when it is valid JSON. */
export function jsonSyntaxError(text: string): { line: number; message: string } | null {
	const s = new Scanner(text);
	try {
		s.ws();
		s.value();
		s.ws();
		if (s.i < text.length) s.fail('unexpected content after the JSON value');
		return null;
	} catch (e) {
		if (!(e instanceof JsonSyntax)) throw e;
		return { line: lineAt(text, e.offset), message: `invalid JSON: ${e.message}` };
	}
}

/** The 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
	let line = 1;
	const end = Math.min(offset, text.length);
	for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
	return line;
}

class JsonSyntax extends Error {
	constructor(
		message: string,
		readonly offset: number
	) {
		super(message);
	}
}

class Scanner {
	i = 0;
	constructor(readonly t: string) {}

	fail(message: string): never {
		throw new JsonSyntax(message, this.i);
	}

	ws(): void {
		while (this.i < this.t.length && ' \t\n\r'.includes(this.t[this.i] ?? '')) this.i++;
	}

	token(): string {
		return this.i < this.t.length ? JSON.stringify(this.t[this.i]) : 'end of input';
	}

	expect(c: string): void {
		if (this.t[this.i] !== c) this.fail(`expected '${c}', found ${this.token()}`);
		this.i++;
	}

	value(): void {
		const c = this.t[this.i];
		if (c === '{') return this.object();
		if (c === '[') return this.array();
		if (c === '"') return this.string();
		if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
		for (const word of ['true', 'false', 'null']) {
			if (this.t.startsWith(word, this.i)) {
				this.i += word.length;
				return;
			}
		}
		this.fail(`unexpected ${this.token()}`);
	}

	object(): void {
		this.expect('{');
		this.ws();
		if (this.t[this.i] === '}') {
			this.i++;
			return;
		}
		for (;;) {
			this.ws();
			if (this.t[this.i] !== '"') this.fail(`expected a property name, found ${this.token()}`);
			this.string();
			this.ws();
			this.expect(':');
			this.ws();
			this.value();
			this.ws();
			if (this.t[this.i] === ',') {
				this.i++;
				continue;
			}
			this.expect('}');
			return;
		}
	}

	array(): void {
		this.expect('[');
		this.ws();
		if (this.t[this.i] === ']') {
			this.i++;
			return;
		}
		for (;;) {
			this.ws();
			this.value();
			this.ws();
			if (this.t[this.i] === ',') {
				this.i++;
				continue;
			}
			this.expect(']');
			return;
		}
	}

	string(): void {
		this.expect('"');
		for (;;) {
			if (this.i >= this.t.length) this.fail('unterminated string');
			const c = this.t.charCodeAt(this.i);
			if (c === 34) {
				this.i++;
				return;
			}
			if (c < 32) this.fail('control character in string');
			if (c === 92) {
				const e = this.t[this.i + 1] ?? '';
				if (e === 'u') {
					if (!/^[0-9a-fA-F]{4}$/.test(this.t.slice(this.i + 2, this.i + 6))) this.fail('bad \\u escape');
					this.i += 6;
					continue;
				}
				if (!'"\\/bfnrt'.includes(e) || e === '') this.fail('bad escape in string');
				this.i += 2;
				continue;
			}
			this.i++;
		}
	}

	number(): void {
		const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.t.slice(this.i, this.i + 400));
		if (!m) this.fail(`bad number at ${this.token()}`);
		this.i += m[0].length;
	}
}
