// Test setup (vitest setupFiles): every answer of the dashboard's API that a test's
// fetch receives is written down (record.ts), so that tests/api-responses.test.ts can
// hold each one to the OpenAPI document after all other test files ran.
import { afterAll } from 'vitest';
import { isApiAnswer, recordAnswer, recorded } from './record';

// The fetch before any wrapping: a worker that runs several files wraps it once per file.
const ORIGINAL = Symbol.for('runner-dashboard.tests.fetch');
const g = globalThis as typeof globalThis & { [ORIGINAL]?: typeof fetch };
const original = (g[ORIGINAL] ??= globalThis.fetch);

globalThis.fetch = async function recordingFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
	const res = await original(input, init);
	const header = (name: string) => res.headers.get(name);
	if (!isApiAnswer(res.url, header)) return res;
	const requested = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
	// The clone is taken now, before the test reads the body.
	const copy = res.headers.get('content-type')?.includes('json') ? res.clone() : null;
	recordAnswer({
		// A followed redirect ends in a GET of the place it names.
		method: res.redirected ? 'GET' : requested,
		url: res.url,
		status: res.status,
		header,
		text: () => (copy ? copy.text() : Promise.resolve(''))
	});
	return res;
};

afterAll(recorded);
