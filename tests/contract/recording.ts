// Where the API answers seen during a test run are kept: one JSON line per answer,
// one file per test worker process, under .test-results/api-responses/.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../helpers/app';

export const RECORDING_DIR = join(root, '.test-results/api-responses');
/** Written by the check once it has read the recording; the global teardown checks itself when it is missing. */
export const CHECKED_MARKER = join(RECORDING_DIR, 'checked');
export const SUMMARY_FILE = join(root, '.test-results/api-responses-summary.json');

export interface RecordedAnswer {
	method: string;
	/** The URL's pathname, as sent (still percent-encoded). */
	path: string;
	status: number;
	/** The media type without parameters; null when the answer has no Content-Type. */
	type: string | null;
	/** The parsed JSON body; null for answers that are not JSON. */
	body: unknown;
	/** Where the answer was seen: test file and test name. */
	seenIn: string;
}

/** Starts a run with an empty recording. */
export function clearRecording(): void {
	rmSync(RECORDING_DIR, { recursive: true, force: true });
	mkdirSync(RECORDING_DIR, { recursive: true });
}

/** Notes that this run's recording was checked (by tests/api-responses.test.ts). */
export function markChecked(): void {
	mkdirSync(RECORDING_DIR, { recursive: true });
	writeFileSync(CHECKED_MARKER, '');
}

export function readRecording(): RecordedAnswer[] {
	if (!existsSync(RECORDING_DIR)) return [];
	return readdirSync(RECORDING_DIR)
		.filter((f) => f.endsWith('.jsonl'))
		.flatMap((f) =>
			readFileSync(join(RECORDING_DIR, f), 'utf8')
				.split('\n')
				.filter(Boolean)
				.map((line) => JSON.parse(line) as RecordedAnswer)
		);
}
