// Test run setup (vitest globalSetup): each run starts with an empty recording of API
// answers. tests/api-responses.test.ts checks the recording after every other file
// (its project runs last). A run that leaves that file out (a few files named on the
// command line) is checked here at the end, and fails the run the same way.
import { existsSync, writeFileSync } from 'node:fs';
import { CHECKED_MARKER, clearRecording, readRecording, SUMMARY_FILE } from './recording';
import { checkRecording, describeVerdict } from './check';

export function setup(): void {
	clearRecording();
}

export async function teardown(): Promise<void> {
	if (existsSync(CHECKED_MARKER)) return;
	const answers = readRecording();
	if (answers.length === 0) return;
	const verdict = await checkRecording(answers);
	writeFileSync(SUMMARY_FILE, JSON.stringify(verdict, null, '\t'));
	const text = describeVerdict(verdict);
	if (verdict.failures.length === 0) {
		console.log(text);
		return;
	}
	// Vitest logs an error thrown here but keeps the exit status: set it, then throw.
	process.exitCode = 1;
	throw new Error(text);
}
