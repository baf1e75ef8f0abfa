// Streams a CSV answer: chunks are written as the socket takes them (waiting for `drain`),
// so an export of tens of thousands of runners never sits in memory as one string, and a
// client that goes away stops the writing.
import type { ServerResponse } from 'node:http';
import { once } from 'node:events';
import { csvChunks, type CsvColumn } from '$lib/core/csv';

export async function streamCsv<T>(res: ServerResponse, filename: string, columns: readonly CsvColumn<T>[], rows: Iterable<T>): Promise<void> {
	res.writeHead(200, {
		'content-type': 'text/csv; charset=utf-8',
		'content-disposition': `attachment; filename="${filename}"`
	});
	for (const chunk of csvChunks(columns, rows)) {
		if (res.destroyed) return;
		if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
	}
	res.end();
}
