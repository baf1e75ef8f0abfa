import { describe, expect, it } from 'vitest';
import { csvChunks, csvField, csvLine, fieldColumns } from './csv';

describe('csv', () => {
	it('quotes what needs quoting and doubles quotes', () => {
		expect(csvLine(['a', 'b,c', 'say "hi"', 'two\nlines', 3, true, null, ['x', 'y']])).toBe('a,"b,c","say ""hi""","two\nlines",3,true,,x y\r\n');
	});

	it('keeps a spreadsheet from running a field as a formula', () => {
		expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
		expect(csvField('-1+2')).toBe("'-1+2");
		expect(csvField(-1)).toBe('-1');
	});

	it('writes the header, then rows in chunks', () => {
		const cols = [{ header: 'n', value: (r: number) => r }];
		expect([...csvChunks(cols, [1, 2, 3], 2)]).toEqual(['n\r\n1\r\n2\r\n', '3\r\n']);
		expect([...csvChunks(cols, [])]).toEqual(['n\r\n']);
	});

	it('makes columns of a row’s own fields, headed by their names', () => {
		const rows = [{ name: 'r1', tags: ['a', 'b'], busy: false, ip: null }];
		expect([...csvChunks(fieldColumns<(typeof rows)[number]>('name', 'tags', 'busy', 'ip'), rows)]).toEqual(['name,tags,busy,ip\r\nr1,a b,false,\r\n']);
	});
});
