import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamError } from '../errors';
import { prometheusClient } from './client';

let server: Server;
let url: string;
let answer: { status: number; body: string } = { status: 200, body: '{}' };
const seen: { path: string; body: string; auth?: string }[] = [];

beforeAll(async () => {
	server = createServer((req, res) => {
		let body = '';
		req.on('data', (d) => (body += d));
		req.on('end', () => {
			seen.push({ path: req.url ?? '', body, auth: req.headers.authorization });
			if (body.includes('slow')) return setTimeout(() => res.end('{}'), 500);
			res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const client = (timeoutMs = 2000) => prometheusClient({ source: 'prometheus', url, timeoutMs, authorization: 'Bearer s3cret' });
const ok = (data: unknown) => ({ status: 200, body: JSON.stringify({ status: 'success', data }) });

describe('the Prometheus client', () => {
	it('posts the query with its time and credentials, and parses vector values including NaN and ±Inf', async () => {
		answer = ok({
			resultType: 'vector',
			result: [
				{ metric: { runner_type: 'nix' }, value: [1700000000, '2.5'] },
				{ metric: {}, value: [1700000000, 'NaN'] },
				{ metric: { a: 'b' }, value: [1700000000, '+Inf'] },
				{ metric: { a: 'c' }, value: [1700000000, '-Inf'] }
			]
		});
		const r = await client().query('sum(x)', 1700000000);
		expect(r.map((s) => s.value)).toEqual([2.5, NaN, Infinity, -Infinity]);
		expect(r[0]!.metric).toEqual({ runner_type: 'nix' });
		const last = seen.at(-1)!;
		expect(last.path).toBe('/api/v1/query');
		expect(new URLSearchParams(last.body).get('time')).toBe('1700000000');
		expect(last.auth).toBe('Bearer s3cret');
	});

	it('parses matrices from query_range', async () => {
		answer = ok({ resultType: 'matrix', result: [{ metric: { x: '1' }, values: [[10, '1'], [25, '2']] }] });
		expect(await client().queryRange('x', 10, 25, 15)).toEqual([{ metric: { x: '1' }, values: [[10, 1], [25, 2]] }]);
		expect(new URLSearchParams(seen.at(-1)!.body).get('step')).toBe('15');
	});

	it('turns Prometheus errors, wrong result types, malformed answers and timeouts into UpstreamErrors', async () => {
		answer = { status: 400, body: JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error at char 3' }) };
		await expect(client().query('sum(', 1)).rejects.toThrow(/bad_data: parse error/);
		answer = ok({ resultType: 'scalar', result: [1, '1'] });
		await expect(client().query('time()', 1)).rejects.toThrow(/expected a vector/);
		answer = ok({ resultType: 'vector', result: [{ metric: {}, value: [1, 'banana'] }] });
		await expect(client().query('x', 1)).rejects.toBeInstanceOf(UpstreamError);
		answer = { status: 502, body: '<html>bad gateway</html>' };
		await expect(client().query('x', 1)).rejects.toThrow(/not JSON/);
		await expect(client(100).query('slow', 1)).rejects.toThrow(/did not answer within 100 ms/);
	});
});
