// CSV as spreadsheets read it (RFC 4180): fields with a comma, quote or line break are
// quoted, quotes doubled, lines end in CRLF. A field a spreadsheet would run as a formula
// (starting with = + - @, a tab or a carriage return) is prefixed with a quote character:
// runner names, tags and job names come from people who are not the one opening the file.
export type CsvValue = string | number | boolean | null | undefined | readonly string[];

const FORMULA = /^[=+\-@\t\r]/;

export function csvField(v: CsvValue): string {
	if (v === null || v === undefined) return '';
	if (typeof v === 'number' || typeof v === 'boolean') return String(v);
	let s = Array.isArray(v) ? v.join(' ') : (v as string);
	if (FORMULA.test(s)) s = `'${s}`;
	return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: readonly CsvValue[]): string {
	return `${values.map(csvField).join(',')}\r\n`;
}

/** A column: its header and how a row gives its value. */
export interface CsvColumn<T> {
	header: string;
	value: (row: T) => CsvValue;
}

/** Columns that are a row's own fields, each headed by its name. */
export function fieldColumns<T>(...fields: (keyof T & string)[]): CsvColumn<T>[] {
	return fields.map((f) => ({ header: f, value: (row) => row[f] as CsvValue }));
}

/** The header line, then one line per row, in chunks of `chunk` rows (a stream writes each as it can). */
export function* csvChunks<T>(columns: readonly CsvColumn<T>[], rows: Iterable<T>, chunk = 500): Generator<string> {
	let buf = csvLine(columns.map((c) => c.header));
	let n = 0;
	for (const row of rows) {
		buf += csvLine(columns.map((c) => c.value(row)));
		if (++n % chunk === 0) {
			yield buf;
			buf = '';
		}
	}
	if (buf) yield buf;
}
