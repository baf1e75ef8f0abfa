// The unified diff shown in a merge request and to the operator before a change
// is proposed: git's `--- a/path` / `+++ b/path` headers, 3 lines of context.
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';

/** A unified diff of one file; empty when nothing changed. */
export function unifiedDiff(path: string, before: string, after: string): string {
	if (before === after) return '';
	return createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after, undefined, undefined, { context: 3, headerOptions: FILE_HEADERS_ONLY });
}
