import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition } from '$lib/core/exposition';
import { scraper } from './scrape';

// An exposition body sent in small pieces that cut lines, label values and a multi-byte
// character in two: the scraper parses it as it arrives and must see what one parse of the whole sees.
const body = [
	'# HELP gitlab_runner_jobs_total Jobs.',
	'# TYPE gitlab_runner_jobs_total counter',
	...Array.from({ length: 5_000 }, (_, i) => `gitlab_runner_jobs_total{runner="r${i}",runner_name="dökker-${i}"} ${i}`),
	'gitlab_runner_version_info{version="17.5.2"} 1',
	'gitlab_runner_concurrent 40'
].join('\n');

let server: Server;
let url: string;
beforeAll(async () => {
	server = createServer(async (_req, res) => {
		res.setHeader('content-type', 'text/plain; version=0.0.4');
		const bytes = Buffer.from(body);
		for (let i = 0; i < bytes.length; i += 997) {
			res.write(bytes.subarray(i, i + 997));
			await new Promise((r) => setImmediate(r));
		}
		res.end();
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('scraper', () => {
	it('parses a body cut anywhere into chunks exactly as the whole body', async () => {
		const r = await scraper({ source: 't', timeoutMs: 5000 }).scrape({ url, labels: {} });
		expect(r.error).toBeNull();
		expect(r.samples).toEqual(parseExposition(body).samples);
		expect(r.samples).toHaveLength(5_002);
		expect(r.samples[4_999]).toEqual({ name: 'gitlab_runner_jobs_total', labels: { runner: 'r4999', runner_name: 'dökker-4999' }, value: 4999 });
	});

	it('keeps only the families asked for', async () => {
		const r = await scraper({ source: 't', timeoutMs: 5000, keep: (n) => n === 'gitlab_runner_concurrent' }).scrape({ url, labels: {} });
		expect(r.samples).toEqual([{ name: 'gitlab_runner_concurrent', labels: {}, value: 40 }]);
	});
});
