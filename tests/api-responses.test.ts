// Every answer the API gave during this run's tests is what the OpenAPI document says:
// a documented status, a documented media type, and a body that validates with no
// property the document does not name. Runs after all other test files (its own
// project, vite.config.ts), reading what tests/contract/recorder.ts wrote down.
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkRecording, describeVerdict } from './contract/check';
import { markChecked, readRecording, SUMMARY_FILE } from './contract/recording';

describe('the API answers of this test run', () => {
	it('all match the OpenAPI document', async () => {
		const answers = readRecording();
		const verdict = await checkRecording(answers);
		writeFileSync(SUMMARY_FILE, JSON.stringify(verdict, null, '\t'));
		markChecked();
		console.log(describeVerdict(verdict));
		expect(verdict.failures.length, describeVerdict(verdict)).toBe(0);
	});
});
