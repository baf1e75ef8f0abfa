// Test setup (vitest setupFiles): every answer the dashboard's API gives to a test's
// fetch is written down, so that tests/api-responses.test.ts can hold each one to the
// OpenAPI document after all other test files ran.
//
// An answer is the dashboard's when its path is under /api/ (or one of the probes) and
// it carries the guard's x-request-id: other servers the tests start answer under
// /api/v1/ too (Prometheus' query API) and never send that header.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { RECORDING_DIR, type RecordedAnswer } from './recording';

const WRAPPED = Symbol.for('runner-dashboard.tests.fetch-recorder');
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

const file = join(RECORDING_DIR, `${process.pid}.jsonl`);
const pending = new Set<Promise<void>>();

function methodOf(input: RequestInfo | URL, init?: RequestInit): string {
	return (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
}

function where(): string {
	const { testPath, currentTestName } = expect.getState();
	const file = testPath ? testPath.slice(testPath.indexOf('/tests/') + 1 || testPath.lastIndexOf('/') + 1) : '?';
	return currentTestName ? `${file} > ${currentTestName}` : file;
}

async function record(method: string, res: Response, seenIn: string): Promise<void> {
	const url = new URL(res.url);
	const type = res.headers.get('content-type')?.split(';')[0]!.trim().toLowerCase() ?? null;
	let body: unknown = null;
	// Only JSON is read: a stream (the live events) never ends.
	if (type === 'application/json' && method !== 'HEAD') {
		const text = await res.clone().text();
		try {
			body = text === '' ? null : JSON.parse(text);
		} catch {
			body = { unparseable: text.slice(0, 200) };
		}
	}
	const line: RecordedAnswer = { method, path: url.pathname, status: res.status, type, body, seenIn };
	mkdirSync(RECORDING_DIR, { recursive: true });
	appendFileSync(file, JSON.stringify(line) + '\n');
}

const g = globalThis as typeof globalThis & { [WRAPPED]?: true };
if (!g[WRAPPED]) {
	g[WRAPPED] = true;
	const original = globalThis.fetch;
	globalThis.fetch = async function recordingFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
		const res = await original(input, init);
		try {
			const path = res.url ? new URL(res.url).pathname : '';
			if ((path.startsWith('/api/') || PROBES.has(path)) && res.headers.has('x-request-id')) {
				// A 303 followed is a GET of the place it names.
				const method = res.redirected ? 'GET' : methodOf(input, init);
				const p = record(method, res, where()).catch(() => undefined);
				pending.add(p);
				void p.finally(() => pending.delete(p));
			}
		} catch {
			// Recording never changes what the test sees.
		}
		return res;
	};
}

// The last bodies are read before the file's worker may end.
afterAll(async () => {
	await Promise.all([...pending]);
});
