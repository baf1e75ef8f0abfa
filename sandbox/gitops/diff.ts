// What changed between two trees of the GitOps repository, as the forges show it (per
// file: status, unified-diff hunks without file headers, line counts), and git's
// three-way merge of two trees over their merge base (line-level; changes on the same
// or adjacent lines of a file conflict, as in git's default merge).

import { diffArrays, structuredPatch } from 'diff';

export type FileStatus = 'added' | 'modified' | 'removed';

export interface FileChange {
	path: string;
	status: FileStatus;
	/** Hunks (`@@ -a,b +c,d @@` and the lines), no `---`/`+++` headers: GitLab's `diff`, GitHub's `patch`. */
	diff: string;
	additions: number;
	deletions: number;
	before: string | undefined;
	after: string | undefined;
}

/** Unified-diff hunks (3 lines of context) from `before` to `after`; either side may be absent. */
export function hunks(before: string | undefined, after: string | undefined): { text: string; additions: number; deletions: number } {
	const patch = structuredPatch('a', 'b', before ?? '', after ?? '', undefined, undefined, { context: 3 });
	let additions = 0;
	let deletions = 0;
	const out: string[] = [];
	for (const h of patch.hunks) {
		out.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`);
		for (const l of h.lines) {
			if (l.startsWith('+')) additions++;
			else if (l.startsWith('-')) deletions++;
			out.push(l);
		}
	}
	return { text: out.length > 0 ? `${out.join('\n')}\n` : '', additions, deletions };
}

function range(start: number, lines: number): string {
	return lines === 1 ? String(start) : `${start},${lines}`;
}

/** Every file that differs between two trees, by path. */
export function fileChanges(from: ReadonlyMap<string, string>, to: ReadonlyMap<string, string>): FileChange[] {
	const paths = [...new Set([...from.keys(), ...to.keys()])].sort();
	const out: FileChange[] = [];
	for (const path of paths) {
		const before = from.get(path);
		const after = to.get(path);
		if (before === after) continue;
		const h = hunks(before, after);
		out.push({ path, status: before === undefined ? 'added' : after === undefined ? 'removed' : 'modified', diff: h.text, additions: h.additions, deletions: h.deletions, before, after });
	}
	return out;
}

interface Edit {
	/** Base lines [start, end) are replaced by `lines`. */
	start: number;
	end: number;
	lines: string[];
}

function edits(base: string[], side: string[]): Edit[] {
	const out: Edit[] = [];
	let i = 0;
	let cur: Edit | null = null;
	for (const part of diffArrays(base, side)) {
		const n = part.count ?? part.value.length;
		if (!part.added && !part.removed) {
			if (cur) out.push(cur);
			cur = null;
			i += n;
			continue;
		}
		cur ??= { start: i, end: i, lines: [] };
		if (part.removed) {
			cur.end += n;
			i += n;
		} else cur.lines.push(...part.value);
	}
	if (cur) out.push(cur);
	return out;
}

/** Three-way merge of one file's text; undefined text means the file is absent on that side. `null`: a conflict. */
export function mergeText(base: string | undefined, ours: string | undefined, theirs: string | undefined): { text: string | undefined } | null {
	if (ours === theirs) return { text: ours };
	if (base === ours) return { text: theirs };
	if (base === theirs) return { text: ours };
	// Both sides changed the file differently; adding or deleting it on one side cannot be reconciled.
	if (base === undefined || ours === undefined || theirs === undefined) return null;
	const b = base.split('\n');
	const all = [...edits(b, ours.split('\n')).map((e) => ({ ...e, side: 0 })), ...edits(b, theirs.split('\n')).map((e) => ({ ...e, side: 1 }))];
	all.sort((x, y) => x.start - y.start || x.end - y.end || x.side - y.side);
	const merged: Edit[] = [];
	for (const e of all) {
		const prev = merged[merged.length - 1];
		// Overlapping or touching edits conflict unless both sides made exactly the same one.
		if (prev && e.start <= prev.end) {
			if (prev.start === e.start && prev.end === e.end && prev.lines.join('\n') === e.lines.join('\n')) continue;
			return null;
		}
		merged.push(e);
	}
	const out: string[] = [];
	let at = 0;
	for (const e of merged) {
		out.push(...b.slice(at, e.start), ...e.lines);
		at = e.end;
	}
	out.push(...b.slice(at));
	return { text: out.join('\n') };
}

/** Three-way merge of whole trees; null when any file conflicts. */
export function mergeTrees(base: ReadonlyMap<string, string>, ours: ReadonlyMap<string, string>, theirs: ReadonlyMap<string, string>): Map<string, string> | null {
	const out = new Map<string, string>();
	for (const path of new Set([...base.keys(), ...ours.keys(), ...theirs.keys()])) {
		const m = mergeText(base.get(path), ours.get(path), theirs.get(path));
		if (!m) return null;
		if (m.text !== undefined) out.set(path, m.text);
	}
	return out;
}

/** Paths of the files in conflict (for messages and the forges' conflict flags). */
export function conflictingPaths(base: ReadonlyMap<string, string>, ours: ReadonlyMap<string, string>, theirs: ReadonlyMap<string, string>): string[] {
	return [...new Set([...base.keys(), ...ours.keys(), ...theirs.keys()])].filter((p) => mergeText(base.get(p), ours.get(p), theirs.get(p)) === null).sort();
}
