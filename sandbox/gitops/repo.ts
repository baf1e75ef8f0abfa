// A small git repository in memory: blobs, trees and commits hashed exactly as git
// hashes them (SHA-1 of `<type> <size>\0<body>`), branches pointing at commits. Every
// commit holds its whole tree (a few files), so reading a file at any commit is a
// lookup, and a file's last commit is found by walking first parents.

import { createHash } from 'node:crypto';

export interface Person {
	name: string;
	email: string;
}

export interface Commit {
	id: string;
	parentIds: string[];
	/** SHA-1 of the root tree object. */
	treeId: string;
	message: string;
	author: Person;
	committer: Person;
	/** Epoch ms (authored and committed at the same moment). */
	at: number;
	/** Path → file content (UTF-8 text). */
	files: ReadonlyMap<string, string>;
}

export type FileAction =
	| { action: 'create' | 'update'; filePath: string; content: string; lastCommitId?: string }
	| { action: 'delete'; filePath: string; lastCommitId?: string }
	| { action: 'move'; filePath: string; previousPath: string; content?: string; lastCommitId?: string }
	| { action: 'chmod'; filePath: string };

/** A refused change, with GitLab's wording. */
export class RepoError extends Error {
	constructor(
		readonly status: number,
		message: string
	) {
		super(message);
	}
}

function gitHash(type: string, body: Buffer): string {
	return createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest('hex');
}

export function blobId(content: string): string {
	return gitHash('blob', Buffer.from(content, 'utf8'));
}

export interface TreeEntry {
	id: string;
	name: string;
	type: 'tree' | 'blob';
	path: string;
	mode: '040000' | '100644';
}

interface DirNode {
	dirs: Map<string, DirNode>;
	blobs: Map<string, string>;
}

function dirTree(files: ReadonlyMap<string, string>): DirNode {
	const root: DirNode = { dirs: new Map(), blobs: new Map() };
	for (const [path, content] of files) {
		const parts = path.split('/');
		let node = root;
		for (const dir of parts.slice(0, -1)) {
			let next = node.dirs.get(dir);
			if (!next) node.dirs.set(dir, (next = { dirs: new Map(), blobs: new Map() }));
			node = next;
		}
		node.blobs.set(parts[parts.length - 1] as string, content);
	}
	return root;
}

/** Git's tree object id: entries sorted by name (directories compare as `name/`). */
function treeHash(node: DirNode): string {
	const entries: { sortKey: string; mode: string; name: string; id: string }[] = [];
	for (const [name, child] of node.dirs) entries.push({ sortKey: `${name}/`, mode: '40000', name, id: treeHash(child) });
	for (const [name, content] of node.blobs) entries.push({ sortKey: name, mode: '100644', name, id: blobId(content) });
	entries.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
	const body = Buffer.concat(entries.map((e) => Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.id, 'hex')])));
	return gitHash('tree', body);
}

function signature(p: Person, at: number): string {
	return `${p.name} <${p.email}> ${Math.floor(at / 1000)} +0000`;
}

/** Branches the sandbox keeps at most (the default branch included). */
export const MAX_BRANCHES = 1000;

/** Branch names git accepts (the rules of `git check-ref-format --branch` that matter here). */
export function validBranchName(name: string): boolean {
	if (name.length === 0 || name.length > 255 || name === 'HEAD' || name === '@') return false;
	// eslint-disable-next-line no-control-regex
	if (/[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{|\/\/|^[-/.]|\/\.|[/.]$|\.lock$|\.lock\//.test(name)) return false;
	return true;
}

export class Repo {
	private commits = new Map<string, Commit>();
	private branchHeads = new Map<string, string>();
	private listeners: ((branch: string, before: string | undefined, after: string | undefined) => void)[] = [];

	constructor(readonly defaultBranch: string) {}

	get branches(): ReadonlyMap<string, string> {
		return this.branchHeads;
	}

	commit(id: string): Commit | undefined {
		return this.commits.get(id);
	}

	/** A branch name, `HEAD`, or a full or abbreviated (7+ hex) commit id. */
	resolve(ref: string): Commit | undefined {
		const head = this.branchHeads.get(ref === 'HEAD' ? this.defaultBranch : ref);
		if (head) return this.commits.get(head);
		if (/^[0-9a-f]{40}$/.test(ref)) return this.commits.get(ref);
		if (/^[0-9a-f]{7,39}$/.test(ref)) {
			const found = [...this.commits.keys()].filter((id) => id.startsWith(ref));
			return found.length === 1 ? this.commits.get(found[0] as string) : undefined;
		}
		return undefined;
	}

	head(branch = this.defaultBranch): Commit {
		const c = this.resolve(branch);
		if (!c) throw new Error(`no branch ${branch}`);
		return c;
	}

	/** Writes a commit on `branch` (created from `startRef` when new). */
	write(opts: { branch: string; startRef?: string; message: string; actions: FileAction[]; author: Person; at: number }): Commit {
		const existing = this.branchHeads.get(opts.branch);
		let base: Commit | undefined;
		if (existing) {
			if (opts.startRef !== undefined && opts.startRef !== opts.branch) {
				throw new RepoError(400, `A branch called '${opts.branch}' already exists. Switch to that branch in order to make changes`);
			}
			base = this.commits.get(existing);
		} else {
			if (this.commits.size > 0) this.checkNewBranch(opts.branch);
			if (opts.startRef !== undefined) {
				base = this.resolve(opts.startRef);
				if (!base) throw new RepoError(400, `Invalid reference name: ${opts.startRef}`);
			} else if (this.commits.size > 0) {
				throw new RepoError(400, 'You can only create or edit files when you are on a branch');
			}
		}
		const files = new Map(base?.files ?? []);
		for (const a of opts.actions) this.act(files, a, base);
		if (base && treeHash(dirTree(files)) === base.treeId && opts.actions.every((a) => a.action !== 'chmod')) {
			// GitLab refuses a commit that changes nothing.
			throw new RepoError(400, 'No changes were made');
		}
		const commit = this.commitTree({ files, parentIds: base ? [base.id] : [], message: opts.message, author: opts.author, at: opts.at });
		this.moveBranch(opts.branch, commit.id);
		return commit;
	}

	/** Stores a commit of `files` on `parentIds` without moving any branch (merges, GitHub's contents API). */
	commitTree(opts: { files: ReadonlyMap<string, string>; parentIds: string[]; message: string; author: Person; at: number }): Commit {
		const treeId = treeHash(dirTree(opts.files));
		const sig = signature(opts.author, opts.at);
		const text = [`tree ${treeId}`, ...opts.parentIds.map((p) => `parent ${p}`), `author ${sig}`, `committer ${sig}`, '', opts.message].join('\n');
		const id = gitHash('commit', Buffer.from(text, 'utf8'));
		const commit: Commit = { id, parentIds: [...opts.parentIds], treeId, message: opts.message, author: opts.author, committer: opts.author, at: opts.at, files: new Map(opts.files) };
		this.commits.set(id, commit);
		return commit;
	}

	/** Calls `fn(branch, before, after)` whenever a branch is created, moved or deleted (`after` undefined). */
	onBranchMove(fn: (branch: string, before: string | undefined, after: string | undefined) => void): void {
		this.listeners.push(fn);
	}

	/** Points `branch` at commit `id` (creating the branch when new). */
	moveBranch(branch: string, id: string): void {
		if (!this.commits.has(id)) throw new RepoError(404, `no commit ${id}`);
		const before = this.branchHeads.get(branch);
		if (before === undefined) this.checkNewBranch(branch);
		this.branchHeads.set(branch, id);
		if (before !== id) for (const fn of this.listeners) fn(branch, before, id);
	}

	/** A new branch at `ref` (branch name or commit id), as `POST /repository/branches` makes it. */
	createBranch(name: string, ref: string): Commit {
		if (this.branchHeads.has(name)) throw new RepoError(400, 'Branch already exists');
		const at = this.resolve(ref);
		if (!at) throw new RepoError(400, 'Invalid reference name');
		this.moveBranch(name, at.id);
		return at;
	}

	/** Deletes a branch (never the default one); false when there is no such branch. */
	deleteBranch(name: string): boolean {
		const before = this.branchHeads.get(name);
		if (before === undefined) return false;
		if (name === this.defaultBranch) throw new RepoError(405, 'The default branch of a project cannot be deleted');
		this.branchHeads.delete(name);
		for (const fn of this.listeners) fn(name, before, undefined);
		return true;
	}

	private checkNewBranch(name: string): void {
		if (!validBranchName(name)) throw new RepoError(400, 'Branch name is invalid');
		if (this.branchHeads.size >= MAX_BRANCHES) throw new RepoError(400, `The sandbox keeps at most ${MAX_BRANCHES} branches; delete some first`);
	}

	/** Every commit reachable from `id` (itself included). */
	ancestors(id: string): Set<string> {
		const seen = new Set<string>();
		const queue = [id];
		while (queue.length > 0) {
			const c = this.commits.get(queue.pop() as string);
			if (!c || seen.has(c.id)) continue;
			seen.add(c.id);
			queue.push(...c.parentIds);
		}
		return seen;
	}

	/** The nearest common ancestor of two commits (breadth first from `b`), as `git merge-base` finds it in these histories. */
	mergeBase(a: string, b: string): Commit | undefined {
		const fromA = this.ancestors(a);
		const seen = new Set<string>();
		const queue = [b];
		while (queue.length > 0) {
			const id = queue.shift() as string;
			if (seen.has(id)) continue;
			seen.add(id);
			if (fromA.has(id)) return this.commits.get(id);
			queue.push(...(this.commits.get(id)?.parentIds ?? []));
		}
		return undefined;
	}

	private act(files: Map<string, string>, a: FileAction, base: Commit | undefined): void {
		const path = a.filePath;
		if (!path || path.startsWith('/') || path.endsWith('/') || path.split('/').some((p) => p === '' || p === '.' || p === '..')) {
			throw new RepoError(400, `Your changes could not be committed, because the file path is invalid: ${path}`);
		}
		const checkLast = (p: string) => {
			if (a.action === 'chmod' || a.lastCommitId === undefined || !base) return;
			const last = this.lastCommitFor(base, p);
			if (last && last.id !== a.lastCommitId) throw new RepoError(400, `The file has changed since you started editing it: ${p}`);
		};
		switch (a.action) {
			case 'create':
				if (files.has(path)) throw new RepoError(400, 'A file with this name already exists');
				if ([...files.keys()].some((p) => p.startsWith(`${path}/`))) throw new RepoError(400, 'A directory with this name already exists');
				files.set(path, a.content);
				return;
			case 'update':
				if (!files.has(path)) throw new RepoError(400, "A file with this name doesn't exist");
				checkLast(path);
				files.set(path, a.content);
				return;
			case 'delete':
				if (!files.has(path)) throw new RepoError(400, "A file with this name doesn't exist");
				checkLast(path);
				files.delete(path);
				return;
			case 'move': {
				const from = files.get(a.previousPath);
				if (from === undefined) throw new RepoError(400, "A file with this name doesn't exist");
				if (files.has(path)) throw new RepoError(400, 'A file with this name already exists');
				checkLast(a.previousPath);
				files.delete(a.previousPath);
				files.set(path, a.content ?? from);
				return;
			}
			case 'chmod':
				if (!files.has(path)) throw new RepoError(400, "A file with this name doesn't exist");
		}
	}

	/** The newest commit reachable from `from` (first parents) that changed `path`. */
	lastCommitFor(from: Commit, path: string): Commit | undefined {
		const content = from.files.get(path);
		if (content === undefined) return undefined;
		let c = from;
		for (;;) {
			const parent = c.parentIds[0] ? this.commits.get(c.parentIds[0]) : undefined;
			if (!parent || parent.files.get(path) !== content) return c;
			c = parent;
		}
	}

	/** Commits reachable from `from`, newest first (git log order for a linear history). */
	log(from: Commit): Commit[] {
		const seen = new Set<string>();
		const out: Commit[] = [];
		const queue = [from];
		while (queue.length > 0) {
			const c = queue.shift() as Commit;
			if (seen.has(c.id)) continue;
			seen.add(c.id);
			out.push(c);
			for (const p of c.parentIds) {
				const parent = this.commits.get(p);
				if (parent) queue.push(parent);
			}
		}
		return out.sort((a, b) => b.at - a.at);
	}

	/** Whether `c` changed `path` relative to its first parent. */
	touches(c: Commit, path: string): boolean {
		const parent = c.parentIds[0] ? this.commits.get(c.parentIds[0]) : undefined;
		const prefix = path.endsWith('/') ? path : `${path}/`;
		const names = new Set([...c.files.keys(), ...(parent?.files.keys() ?? [])]);
		for (const p of names) {
			if ((p === path || p.startsWith(prefix)) && c.files.get(p) !== parent?.files.get(p)) return true;
		}
		return false;
	}

	/** Lines added and removed against the first parent (a line-set approximation of git's diff stat). */
	stats(c: Commit): { additions: number; deletions: number; total: number } {
		const parent = c.parentIds[0] ? this.commits.get(c.parentIds[0]) : undefined;
		let additions = 0;
		let deletions = 0;
		const paths = new Set([...c.files.keys(), ...(parent?.files.keys() ?? [])]);
		for (const p of paths) {
			const before = parent?.files.get(p);
			const after = c.files.get(p);
			if (before === after) continue;
			const a = lines(before);
			const b = lines(after);
			const common = lcsLength(a, b);
			additions += b.length - common;
			deletions += a.length - common;
		}
		return { additions, deletions, total: additions + deletions };
	}

	/** Entries directly in `dir` ('' = root), or every entry below it when `recursive`; undefined when `dir` is not a directory. */
	tree(c: Commit, dir: string, recursive: boolean): TreeEntry[] | undefined {
		let node: DirNode | undefined = dirTree(c.files);
		const clean = dir.replace(/^\/+|\/+$/g, '');
		if (clean) for (const part of clean.split('/')) node = node?.dirs.get(part);
		if (!node) return undefined;
		const out: TreeEntry[] = [];
		const walk = (n: DirNode, prefix: string) => {
			// Directories first, then files, each by name (as Gitaly lists them).
			for (const name of [...n.dirs.keys()].sort()) {
				const child = n.dirs.get(name) as DirNode;
				const path = prefix ? `${prefix}/${name}` : name;
				out.push({ id: treeHash(child), name, type: 'tree', path, mode: '040000' });
				if (recursive) walk(child, path);
			}
			for (const name of [...n.blobs.keys()].sort()) {
				const path = prefix ? `${prefix}/${name}` : name;
				out.push({ id: blobId(n.blobs.get(name) as string), name, type: 'blob', path, mode: '100644' });
			}
		};
		walk(node, clean);
		return out;
	}
}

function lines(text: string | undefined): string[] {
	if (text === undefined || text === '') return [];
	return text.replace(/\n$/, '').split('\n');
}

/** Length of the longest common subsequence of two line lists (files here are small). */
function lcsLength(a: string[], b: string[]): number {
	let prev = new Array<number>(b.length + 1).fill(0);
	for (let i = 1; i <= a.length; i++) {
		const cur = new Array<number>(b.length + 1).fill(0);
		for (let j = 1; j <= b.length; j++) cur[j] = a[i - 1] === b[j - 1] ? (prev[j - 1] as number) + 1 : Math.max(prev[j] as number, cur[j - 1] as number);
		prev = cur;
	}
	return prev[b.length] as number;
}
