// The recorded answers of a run against the document the operations declare.
import { openApiDocument } from '../../src/lib/server/api/document';
import { contractChecker, describeFailures, type OpenApiDoc, type Verdict } from './responses';
import type { RecordedAnswer } from './recording';

export async function checkRecording(answers: RecordedAnswer[]): Promise<Verdict> {
	const doc = (await openApiDocument()) as unknown as OpenApiDoc;
	return contractChecker(doc).check(answers);
}

/** One paragraph: the counts, then the failures grouped, the first few places each. */
export function describeVerdict(v: Verdict): string {
	const head = `${v.answers} API answers recorded, ${v.validatedBodies} JSON bodies validated against the OpenAPI document, ${v.failures.length} problem${v.failures.length === 1 ? '' : 's'}`;
	return v.failures.length ? `${head}:\n${describeFailures(v.failures)}` : head;
}
