// The API thread's side of the background reader against a stand-in worker (a few lines
// of plain JS speaking the same messages), so restarts and failures can be provoked.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import client from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { UpstreamError } from '$lib/sources/errors';
import { createLogger } from '../telemetry/logger';
import { ReaderThread } from './reader-thread';

const dir = mkdtempSync(join(tmpdir(), 'rd-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Answers `runners` whole when asked to or on a source's first reading in this worker, as
// the real one's change trackers do (so the test sees which it got), fails on a source
// named "limited" as the real one fails on a 429, and dies on a source named "crash".
const standIn = join(dir, 'worker.mjs');
writeFileSync(
	standIn,
	`import { parentPort } from 'node:worker_threads';
const opened = [];
const read = new Set();
parentPort.on('message', ({ id, req }) => {
	if (req.op === 'open') { opened.push(req.source.name); return parentPort.postMessage({ id, ok: true, value: null, counts: [] }); }
	if (req.source === 'crash') process.exit(3);
	if (req.source === 'limited')
		return parentPort.postMessage({ id, ok: false, failure: { message: 'GitLab rate limit: retry after 30 s', upstream: { source: 'limited', kind: 'rate_limited', status: 429, retryAfterMs: 30000 } }, counts: [['limited', 'rate_limited', 1]] });
	const whole = req.all || !read.has(req.source);
	read.add(req.source);
	parentPort.postMessage({ id, ok: true, value: { changes: { kind: whole ? 'all' : 'delta', opened }, requests: 2 }, counts: [[req.source, 'ok', 2]] });
});
`
);

function thread() {
	const registry = new client.Registry();
	const upstreamRequests = new client.Counter({ name: 'upstream_requests_total', help: 'h', labelNames: ['source', 'outcome'], registers: [registry] });
	const reader = new ReaderThread({ name: 'test-reader', metrics: { upstreamRequests }, logger: createLogger('silent'), workerFile: standIn });
	const count = async (source: string, outcome: string) => (await upstreamRequests.get()).values.find((v) => v.labels.source === source && v.labels.outcome === outcome)?.value ?? 0;
	return { reader, count };
}

describe('ReaderThread', () => {
	it('opens sources before the first reading, reads a source whole first and then as changes, and counts its requests', async () => {
		const { reader, count } = thread();
		reader.open({ kind: 'gitlab', name: 'corp', url: 'http://gitlab.invalid', token: 't', scope: 'all', simulated: false });
		const first = (await reader.runners('corp', false)) as unknown as { changes: { kind: string; opened: string[] } };
		expect(first.changes).toEqual({ kind: 'all', opened: ['corp'] });
		expect(((await reader.runners('corp', false)) as unknown as { changes: { kind: string } }).changes.kind).toBe('delta');
		expect(((await reader.runners('corp', true)) as unknown as { changes: { kind: string } }).changes.kind).toBe('all');
		expect(await count('corp', 'ok')).toBe(6);
		await reader.close();
		await expect(reader.runners('corp', false)).rejects.toThrow(/closed/);
	});

	it('passes an upstream failure on with its kind and Retry-After', async () => {
		const { reader, count } = thread();
		reader.open({ kind: 'gitlab', name: 'limited', url: 'http://gitlab.invalid', token: 't', scope: 'all', simulated: false });
		const e = await reader.runners('limited', false).catch((x: unknown) => x);
		expect(e).toBeInstanceOf(UpstreamError);
		expect(e).toMatchObject({ source: 'limited', kind: 'rate_limited', status: 429, retryAfterMs: 30000, message: 'GitLab rate limit: retry after 30 s' });
		expect(await count('limited', 'rate_limited')).toBe(1);
		await reader.close();
	});

	it('a worker that dies fails the reading in flight; the next call starts one again with every source open, read whole', async () => {
		const { reader } = thread();
		reader.open({ kind: 'gitlab', name: 'corp', url: 'http://gitlab.invalid', token: 't', scope: 'all', simulated: false });
		reader.open({ kind: 'gitlab', name: 'crash', url: 'http://gitlab.invalid', token: 't', scope: 'all', simulated: false });
		await reader.runners('corp', false);
		expect(((await reader.runners('corp', false)) as unknown as { changes: { kind: string } }).changes.kind).toBe('delta');
		await expect(reader.runners('crash', false)).rejects.toThrow('the background reader stopped (exit code 3)');
		const again = (await reader.runners('corp', false)) as unknown as { changes: { kind: string; opened: string[] } };
		expect(again.changes).toEqual({ kind: 'all', opened: ['corp', 'crash'] });
		await reader.close();
	});
});
