// Writes down one answer of the dashboard's API as a test received it (through fetch,
// or in a browser page the tests drive), for tests/api-responses.test.ts.
//
// An answer is the dashboard's when its path is under /api/ (or one of the probes) and
// it carries the guard's x-request-id: other servers the tests start answer under
// /api/v1/ too (Prometheus' query API) and never send that header.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { RECORDING_DIR, type RecordedAnswer } from './recording';

const PROBES = new Set(['/healthz', '/readyz', '/metrics']);
const file = join(RECORDING_DIR, `${process.pid}.jsonl`);
const pending = new Set<Promise<void>>();

export interface Answer {
	method: string;
	url: string;
	status: number;
	header(name: string): string | null;
	/** The body as text; read only when the answer is JSON (a stream never ends). */
	text(): Promise<string>;
}

/** Whether an answer from `url` with these headers is the dashboard's API answering. */
export function isApiAnswer(url: string, header: (name: string) => string | null): boolean {
	try {
		const path = new URL(url).pathname;
		return (path.startsWith('/api/') || PROBES.has(path)) && header('x-request-id') !== null;
	} catch {
		return false;
	}
}

/** Records `a` when it is the dashboard's API answering; never throws, never delays the caller. */
export function recordAnswer(a: Answer): void {
	try {
		if (!isApiAnswer(a.url, a.header)) return;
		const p = write(a, new URL(a.url).pathname, where()).catch(() => undefined);
		pending.add(p);
		void p.finally(() => pending.delete(p));
	} catch {
		// Recording never changes what the test sees.
	}
}

/** Waits for the bodies still being read (before a test file's worker may end). */
export async function recorded(): Promise<void> {
	await Promise.all([...pending]);
}

function where(): string {
	const { testPath, currentTestName } = expect.getState();
	const at = testPath ? testPath.slice(testPath.lastIndexOf('/tests/') + 1 || testPath.lastIndexOf('/') + 1) : '?';
	return currentTestName ? `${at} > ${currentTestName}` : at;
}

async function write(a: Answer, path: string, seenIn: string): Promise<void> {
	const type = a.header('content-type')?.split(';')[0]!.trim().toLowerCase() ?? null;
	let body: unknown = null;
	if (type === 'application/json' && a.method !== 'HEAD') {
		const text = await a.text();
		try {
			body = text === '' ? null : JSON.parse(text);
		} catch {
			body = { unparseable: text.slice(0, 200) };
		}
	}
	const line: RecordedAnswer = { method: a.method, path, status: a.status, type, body, seenIn };
	mkdirSync(RECORDING_DIR, { recursive: true });
	appendFileSync(file, JSON.stringify(line) + '\n');
}
