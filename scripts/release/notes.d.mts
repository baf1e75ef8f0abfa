export interface ParsedCommit {
	hash: string;
	type: 'feat' | 'fix' | 'other';
	rawType?: string;
	scope: string | null;
	subject: string;
	breaking: boolean;
}
export function parseCommit(commit: { hash: string; subject: string; body?: string }): ParsedCommit;
export function renderNotes(input: { tag: string; previous: string | null; image: string; commits: ParsedCommit[] }): string;
export function previousTag(cwd: string, tag: string): string | null;
export function commitsBetween(cwd: string, previous: string | null, tag: string): ParsedCommit[];
