import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamError, type RequestOutcome } from './errors';
import { observedRequest } from './http';

// One server, a path per behaviour.
let server: Server;
let base: string;
beforeAll(async () => {
	server = createServer((req, res) => {
		if (req.url === '/json') return res.writeHead(200, { 'content-type': 'application/json', 'X-Next-Page': '2' }).end('{"id":1}');
		if (req.url === '/moved') return res.writeHead(302, { location: 'http://elsewhere.invalid/x' }).end();
		if (req.url === '/huge') return res.writeHead(200, { 'content-length': String(2 * 2 ** 20) }).end(Buffer.alloc(2 * 2 ** 20));
		if (req.url === '/limited') return res.writeHead(429, { 'retry-after': '3' }).end();
		if (req.url === '/stalls') {
			res.writeHead(200, { 'content-type': 'application/json' });
			return res.write('{"id":');
		}
		// /silent: never answers
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
	server.closeAllConnections();
	return new Promise<void>((r) => server.close(() => r()));
});

function client() {
	const outcomes: RequestOutcome[] = [];
	const get = observedRequest({ source: 's', upstream: 'GitLab', timeoutMs: 300, maxBodyBytes: 2 ** 20, observe: (o) => outcomes.push(o) });
	return { get, outcomes };
}

const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as UpstreamError);

describe('observedRequest', () => {
	it('answers with status, headers in lower case and the body, and counts the request', async () => {
		const { get, outcomes } = client();
		const res = await get(`${base}/json`, { headers: { 'PRIVATE-TOKEN': 't' } });
		expect(res.status).toBe(200);
		expect(res.ok).toBe(true);
		expect(res.header('x-next-page')).toBe('2');
		expect(res.headers()).toMatchObject({ 'content-type': 'application/json', 'x-next-page': '2' });
		expect(await res.json()).toEqual({ id: 1 });
		expect(outcomes).toEqual(['ok']);
	});

	it('refuses a redirect and an answer over the size limit without reading them', async () => {
		const { get, outcomes } = client();
		expect(await failure(get(`${base}/moved`))).toMatchObject({
			kind: 'http',
			message: 'GitLab answered 302 redirecting to http://elsewhere.invalid/x; not followed (credentials would go along): configure the final URL'
		});
		expect(await failure(get(`${base}/huge`))).toMatchObject({ kind: 'http', message: 'GitLab answered with 2 MiB, over the 1 MiB limit; not read' });
		expect(outcomes).toEqual(['http', 'http']);
	});

	it('counts a rate limit as one and leaves the answer to the caller', async () => {
		const { get, outcomes } = client();
		const res = await get(`${base}/limited`);
		expect([res.status, res.header('retry-after')]).toEqual([429, '3']);
		await res.discard();
		expect(outcomes).toEqual(['rate_limited']);
	});

	it('gives up on an upstream that does not answer, or stops in the middle of its body, and names it', async () => {
		const { get, outcomes } = client();
		const silent = await failure(get(`${base}/silent`));
		expect(silent).toBeInstanceOf(UpstreamError);
		expect(silent).toMatchObject({ kind: 'timeout', message: 'GitLab did not answer within 300 ms' });
		const stalled = await get(`${base}/stalls`);
		expect(await failure(stalled.json())).toMatchObject({ kind: 'timeout', message: 'GitLab did not answer within 300 ms' });
		expect(outcomes).toEqual(['timeout', 'ok']);
	});

	it('reports an unreachable upstream', async () => {
		const { get, outcomes } = client();
		expect(await failure(get('http://127.0.0.1:1/x'))).toMatchObject({ kind: 'network', message: expect.stringMatching(/^GitLab unreachable: .*ECONNREFUSED/) });
		expect(outcomes).toEqual(['network']);
	});
});
