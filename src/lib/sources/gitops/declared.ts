// Reading a stack's declared configuration (variables.tf, <env>.tfvars) at a git ref:
// the forge's head commit for the ref is checked first and the files are read again
// only when it moved, at that commit, so one check sees one consistent revision. A file
// over the size cap is refused before it is decoded.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GithubClient } from '../github/client';
import { githubError } from '../github/client';
import type { GitlabClient } from '../gitlab/client';
import { UpstreamError } from '../errors';
import { DEFAULT_READ_LIMITS, refuseOver, TooLargeError } from './limits';

export interface DeclaredFile {
	/** Path inside the repository (or on disk for a local checkout). */
	path: string;
	text: string;
	/** The forge's web view of the file at the commit read; `#L<line>` points at a line. Null for a local checkout. */
	webUrl: string | null;
}

export interface DeclaredSnapshot {
	/** Commit the files were read at (null for a local checkout). */
	revision: string | null;
	/** By file name within the stack directory (`variables.tf`, `dev.tfvars`); null when the file does not exist. */
	files: Map<string, DeclaredFile | null>;
}

/** A file that could not be read; the stack's check reports it against that file. */
export class DeclaredReadError extends Error {
	override name = 'DeclaredReadError';
	constructor(
		readonly file: string,
		message: string,
		override readonly cause?: unknown
	) {
		super(message);
	}
}

export interface DeclaredReader {
	/** Where the files come from, for messages. */
	readonly where: string;
	read(names: string[]): Promise<DeclaredSnapshot>;
	/** The files at one commit (a change's base, the head a proposal is made from); only forges have commits. */
	readAt?(names: string[], revision: string): Promise<DeclaredSnapshot>;
}

const joinPath = (dir: string, name: string) => `${dir.replace(/\/+$/, '')}/${name}`;
const encodePath = (p: string) => p.split('/').map(encodeURIComponent).join('/');

/** Keeps the last snapshot and re-reads only when the revision moved or new names are asked for. */
abstract class RevisionCache implements DeclaredReader {
	private last: DeclaredSnapshot | null = null;
	abstract readonly where: string;
	protected abstract readonly ref: string;
	/** The commit the ref points at now; null when the forge cannot say (the files are then read at the ref every time). */
	protected abstract head(): Promise<string | null>;
	/** The file at a revision, or null when it does not exist there. */
	protected abstract file(path: string, revision: string): Promise<DeclaredFile | null>;
	constructor(
		protected dir: string,
		protected maxBytes: number
	) {}

	async read(names: string[]): Promise<DeclaredSnapshot> {
		const revision = await this.head();
		const last = revision === null ? null : this.last;
		if (last && last.revision === revision && names.every((n) => last.files.has(n))) return last;
		const files = new Map<string, DeclaredFile | null>();
		for (const name of names) {
			const cached = last?.revision === revision ? last.files.get(name) : undefined;
			files.set(name, cached !== undefined ? cached : await this.file(joinPath(this.dir, name), revision ?? this.ref));
		}
		this.last = { revision, files };
		return this.last;
	}

	async readAt(names: string[], revision: string): Promise<DeclaredSnapshot> {
		// A commit's files never change: those the last read holds at this commit are not read again.
		const last = this.last?.revision === revision ? this.last : null;
		const files = new Map<string, DeclaredFile | null>();
		for (const name of names) {
			const cached = last?.files.get(name);
			files.set(name, cached !== undefined ? cached : await this.file(joinPath(this.dir, name), revision));
		}
		return { revision, files };
	}
}

export class GitlabDeclared extends RevisionCache {
	readonly where: string;
	private webUrl: string | undefined;

	constructor(
		private client: GitlabClient,
		private project: string | number,
		protected readonly ref: string,
		dir: string,
		maxBytes = DEFAULT_READ_LIMITS.declaredFileBytes
	) {
		super(dir, maxBytes);
		this.where = `GitLab project ${project} at ${ref}`;
	}

	protected async head(): Promise<string> {
		try {
			return (await this.client.Branches.show(this.project, this.ref)).commit.id as string;
		} catch (e) {
			// A tag or commit is also a ref; only a missing branch falls through to the commit lookup.
			if (!(e instanceof UpstreamError && e.status === 404)) throw e;
			try {
				return (await this.client.Commits.show(this.project, this.ref)).id as string;
			} catch (e2) {
				if (e2 instanceof UpstreamError && e2.status === 404) throw new DeclaredReadError(this.dir, `${this.where}: no branch, tag or commit "${this.ref}"`, e2);
				throw e2;
			}
		}
	}

	protected async file(path: string, revision: string): Promise<DeclaredFile | null> {
		this.webUrl ??= (await this.client.Projects.show(this.project)).web_url as string;
		try {
			const f = await this.client.RepositoryFiles.show(this.project, path, revision);
			refuseOver(path, 'declared file', Number(f.size), this.maxBytes);
			const text = Buffer.from(String(f.content), (f.encoding as string) === 'text' ? 'utf8' : 'base64').toString('utf8');
			return { path, text, webUrl: `${this.webUrl}/-/blob/${revision}/${encodePath(path)}` };
		} catch (e) {
			if (e instanceof UpstreamError && e.status === 404) return null;
			throw e;
		}
	}
}

export class GithubDeclared extends RevisionCache {
	readonly where: string;
	private owner: string;
	private repo: string;

	constructor(
		private client: GithubClient,
		private source: string,
		repo: string,
		protected readonly ref: string,
		dir: string,
		maxBytes = DEFAULT_READ_LIMITS.declaredFileBytes
	) {
		super(dir, maxBytes);
		[this.owner, this.repo] = repo.split('/') as [string, string];
		this.where = `GitHub repository ${repo} at ${ref}`;
	}

	protected async head(): Promise<string | null> {
		try {
			return (await this.client.repos.getCommit({ owner: this.owner, repo: this.repo, ref: this.ref, per_page: 1 })).data.sha;
		} catch (e) {
			const err = githubError(this.source, e);
			// Some servers (and tokens limited to contents) cannot resolve the ref: read at the ref itself, every time.
			if (err.status === 404 || err.status === 403 || err.status === 422) return null;
			throw err;
		}
	}

	protected async file(path: string, revision: string): Promise<DeclaredFile | null> {
		try {
			const { data } = await this.client.repos.getContent({ owner: this.owner, repo: this.repo, path, ref: revision });
			if (Array.isArray(data) || data.type !== 'file' || typeof data.content !== 'string') throw new DeclaredReadError(path, `${path} in ${this.where} is not a file`);
			refuseOver(path, 'declared file', data.size, this.maxBytes);
			return { path, text: Buffer.from(data.content, 'base64').toString('utf8'), webUrl: data.html_url ?? null };
		} catch (e) {
			if (e instanceof DeclaredReadError || e instanceof TooLargeError) throw e;
			const err = githubError(this.source, e);
			if (err.status === 404) return null;
			throw err;
		}
	}
}

/** A checkout on disk: read every time (it is local and small), no revision. */
export class LocalDeclared implements DeclaredReader {
	readonly where: string;
	constructor(
		private dir: string,
		private maxBytes = DEFAULT_READ_LIMITS.declaredFileBytes
	) {
		this.where = `local checkout ${dir}`;
	}

	async read(names: string[]): Promise<DeclaredSnapshot> {
		const files = new Map<string, DeclaredFile | null>();
		for (const name of names) {
			const path = join(this.dir, name);
			try {
				refuseOver(path, 'declared file', (await stat(path)).size, this.maxBytes);
				files.set(name, { path, text: await readFile(path, 'utf8'), webUrl: null });
			} catch (e) {
				if (e instanceof TooLargeError) throw e;
				if ((e as NodeJS.ErrnoException).code === 'ENOENT') files.set(name, null);
				else throw new DeclaredReadError(path, `${path} cannot be read: ${(e as Error).message}`, e);
			}
		}
		return { revision: null, files };
	}
}
