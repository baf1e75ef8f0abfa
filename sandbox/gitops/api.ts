// GitLab REST for the GitOps project: the project itself, repository files (JSON with
// base64 content, and raw), tree, branches, commits (list, show, create with actions)
// and the GitLab-managed OpenTofu state the http backend talks to (GET/POST state,
// POST/DELETE lock). Shapes and error wording follow GitLab's API.

import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { BodyError, readFields, readText } from '../http/body.js';
import { sendJson, sendText } from '../http/respond.js';
import type { Ctx, Router } from '../http/router.js';
import { iso } from '../sim/clock.js';
import { projectEntity } from '../gitlab/entities.js';
import { ApiError, notFound, ok, queryParams, sendPage, type GitLabApi } from '../gitlab/context.js';
import { Params } from '../gitlab/params.js';
import { API_AUTHOR, GITOPS_PATH, GITOPS_PROJECT, GitOpsError, type GitOps, type LockInfo } from './gitops.js';
import type { FaultOp } from './flow.js';
import { pipelineRoutes } from './gitlab-pipelines.js';
import { mergeRequestRoutes } from './merge-requests.js';
import { RepoError, blobId, type Commit, type FileAction, type Person } from './repo.js';

export const message = (status: number, text: string) => new ApiError(status, { message: text });

export function gitops(api: GitLabApi): GitOps {
	return api.world.gitops;
}

/** The project named by `:id` (numeric id or URL-encoded full path); only the GitOps project has a repository here. */
export function project(ctx: Ctx): void {
	const id = ctx.params.id ?? '';
	if (id !== String(GITOPS_PROJECT.id) && id !== GITOPS_PATH) throw notFound('Project');
}

function commitUrl(api: GitLabApi, id: string): string {
	return `${api.webBase}/${GITOPS_PATH}/-/commit/${id}`;
}

/** GitLab's Commit entity. */
export function commitEntity(api: GitLabApi, c: Commit) {
	const title = c.message.split('\n')[0] ?? '';
	return {
		id: c.id,
		short_id: c.id.slice(0, 8),
		created_at: iso(c.at),
		parent_ids: [...c.parentIds],
		title,
		message: c.message,
		author_name: c.author.name,
		author_email: c.author.email,
		authored_date: iso(c.at),
		committer_name: c.committer.name,
		committer_email: c.committer.email,
		committed_date: iso(c.at),
		trailers: {},
		extended_trailers: {},
		web_url: commitUrl(api, c.id)
	};
}

/** GitLab's CommitDetail entity (single commit, and the answer to a new commit). */
export function commitDetail(api: GitLabApi, c: Commit) {
	return { ...commitEntity(api, c), stats: gitops(api).repo.stats(c), status: null, project_id: GITOPS_PROJECT.id, last_pipeline: null };
}

export function resolveRef(api: GitLabApi, ref: string): Commit {
	const c = gitops(api).repo.resolve(ref);
	if (!c) throw message(404, '404 Commit Not Found');
	return c;
}

interface FileAt {
	path: string;
	content: string;
	ref: string;
	commit: Commit;
	last: Commit;
}

function fileAt(ctx: Ctx, api: GitLabApi, requireRef: boolean): FileAt {
	project(ctx);
	const p = queryParams(ctx);
	const ref = p.string('ref');
	if (requireRef && (ref === undefined || ref === '')) throw new ApiError(400, { error: 'ref is missing' });
	p.check();
	const path = ctx.params.file_path ?? '';
	const at = ref || gitops(api).repo.defaultBranch;
	const commit = resolveRef(api, at);
	const content = commit.files.get(path);
	if (content === undefined) throw message(404, '404 File Not Found');
	const last = gitops(api).repo.lastCommitFor(commit, path) as Commit;
	return { path, content, ref: at, commit, last };
}

function fileHeaders(f: FileAt): Record<string, string> {
	const size = Buffer.byteLength(f.content, 'utf8');
	return {
		'X-Gitlab-Blob-Id': blobId(f.content),
		'X-Gitlab-Commit-Id': f.commit.id,
		'X-Gitlab-Content-Sha256': createHash('sha256').update(f.content, 'utf8').digest('hex'),
		'X-Gitlab-Encoding': 'base64',
		'X-Gitlab-File-Name': f.path.split('/').pop() ?? f.path,
		'X-Gitlab-File-Path': f.path,
		'X-Gitlab-Last-Commit-Id': f.last.id,
		'X-Gitlab-Ref': f.ref,
		'X-Gitlab-Size': String(size),
		'X-Gitlab-Execute-Filemode': 'false'
	};
}

function fileEntity(f: FileAt) {
	return {
		file_name: f.path.split('/').pop() ?? f.path,
		file_path: f.path,
		size: Buffer.byteLength(f.content, 'utf8'),
		encoding: 'base64',
		content_sha256: createHash('sha256').update(f.content, 'utf8').digest('hex'),
		ref: f.ref,
		blob_id: blobId(f.content),
		commit_id: f.commit.id,
		last_commit_id: f.last.id,
		execute_filemode: false,
		content: Buffer.from(f.content, 'utf8').toString('base64')
	};
}

export function branchEntity(api: GitLabApi, name: string) {
	const repo = gitops(api).repo;
	const head = repo.head(name);
	const isDefault = name === repo.defaultBranch;
	return {
		name,
		commit: commitEntity(api, head),
		merged: !isDefault && repo.ancestors(repo.head().id).has(head.id),
		protected: isDefault,
		developers_can_push: false,
		developers_can_merge: false,
		can_push: true,
		default: isDefault,
		web_url: `${api.webBase}/${GITOPS_PATH}/-/tree/${encodeURIComponent(name)}`
	};
}

const ACTIONS = ['create', 'update', 'delete', 'move', 'chmod'] as const;

/** `actions[]` of a commit request, checked like Grape does, content decoded. */
function readActions(raw: unknown, errors: string[]): FileAction[] {
	if (!Array.isArray(raw) || raw.length === 0) {
		errors.push(raw === undefined ? 'actions is missing' : 'actions is invalid');
		return [];
	}
	const out: FileAction[] = [];
	raw.forEach((a: unknown, i) => {
		const at = `actions[${i}]`;
		if (typeof a !== 'object' || a === null) {
			errors.push(`${at} is invalid`);
			return;
		}
		const f = a as Record<string, unknown>;
		const action = f.action;
		const filePath = f.file_path;
		if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) errors.push(`${at}[action] does not have a valid value`);
		if (typeof filePath !== 'string' || filePath === '') errors.push(`${at}[file_path] is missing`);
		const encoding = f.encoding ?? 'text';
		if (encoding !== 'text' && encoding !== 'base64') errors.push(`${at}[encoding] does not have a valid value`);
		if (f.content !== undefined && f.content !== null && typeof f.content !== 'string') errors.push(`${at}[content] is invalid`);
		if (f.last_commit_id !== undefined && typeof f.last_commit_id !== 'string') errors.push(`${at}[last_commit_id] is invalid`);
		if (typeof action !== 'string' || typeof filePath !== 'string') return;
		const text = typeof f.content === 'string' ? (encoding === 'base64' ? Buffer.from(f.content, 'base64').toString('utf8') : f.content) : undefined;
		const lastCommitId = typeof f.last_commit_id === 'string' ? f.last_commit_id : undefined;
		if (action === 'create' || action === 'update') out.push({ action, filePath, content: text ?? '', lastCommitId });
		else if (action === 'delete') out.push({ action, filePath, lastCommitId });
		else if (action === 'move') {
			if (typeof f.previous_path !== 'string' || f.previous_path === '') errors.push(`${at}[previous_path] is missing`);
			else out.push({ action, filePath, previousPath: f.previous_path, content: text, lastCommitId });
		} else if (action === 'chmod') out.push({ action, filePath });
	});
	return out;
}

async function createCommit(ctx: Ctx, api: GitLabApi): Promise<void> {
	project(ctx);
	const fields = await readFields(ctx.req);
	injectedFault(api, 'create_commit');
	const p = Params.fromFields(fields, ctx.url.searchParams);
	const errors: string[] = [];
	const branch = p.string('branch');
	const commitMessage = p.string('commit_message');
	if (!branch) errors.push('branch is missing');
	if (!commitMessage) errors.push('commit_message is missing');
	const actions = readActions(fields.actions, errors);
	const startBranch = p.string('start_branch');
	const startSha = p.string('start_sha');
	const authorName = p.string('author_name');
	const authorEmail = p.string('author_email');
	errors.push(...p.errors);
	if (startBranch && startSha) errors.push('start_branch, start_sha are mutually exclusive');
	if (errors.length > 0) throw new ApiError(400, { error: errors.join(', ') });
	const author: Person = { name: authorName || API_AUTHOR.name, email: authorEmail || API_AUTHOR.email };
	const c = gitops(api).repo.write({
		branch: branch as string,
		startRef: startBranch || startSha || undefined,
		message: commitMessage as string,
		actions,
		author,
		at: api.world.now()
	});
	sendJson(ctx.res, 201, commitDetail(api, c));
}

function listCommits(ctx: Ctx, api: GitLabApi): void {
	project(ctx);
	const p = queryParams(ctx);
	const refName = p.string('ref_name') || gitops(api).repo.defaultBranch;
	const path = p.string('path');
	const since = p.string('since');
	const until = p.string('until');
	const all = p.bool('all');
	p.bool('with_stats');
	p.bool('first_parent');
	p.oneOf('order', ['default', 'topo'] as const);
	const sinceMs = since === undefined ? undefined : Date.parse(since);
	const untilMs = until === undefined ? undefined : Date.parse(until);
	if (sinceMs !== undefined && Number.isNaN(sinceMs)) p.errors.push('since is invalid');
	if (untilMs !== undefined && Number.isNaN(untilMs)) p.errors.push('until is invalid');
	p.check();
	const repo = gitops(api).repo;
	let commits: Commit[];
	if (all) {
		const seen = new Map<string, Commit>();
		for (const head of repo.branches.values()) for (const c of repo.log(repo.commit(head) as Commit)) seen.set(c.id, c);
		commits = [...seen.values()].sort((a, b) => b.at - a.at);
	} else commits = repo.log(resolveRef(api, refName));
	const matching = commits.filter(
		(c) => (sinceMs === undefined || c.at >= sinceMs) && (untilMs === undefined || c.at <= untilMs) && (!path || repo.touches(c, path.replace(/\/+$/, '')))
	);
	sendPage(ctx, p, matching, (c) => commitEntity(api, c));
}

function listTree(ctx: Ctx, api: GitLabApi): void {
	project(ctx);
	const p = queryParams(ctx);
	const path = p.string('path') ?? '';
	const ref = p.string('ref') || gitops(api).repo.defaultBranch;
	const recursive = p.bool('recursive') ?? false;
	p.check();
	const c = gitops(api).repo.resolve(ref);
	const entries = c ? gitops(api).repo.tree(c, path, recursive) : undefined;
	if (!entries) throw message(404, '404 Tree Not Found');
	sendPage(ctx, p, entries, (e) => e);
}

// --- OpenTofu state (the http backend) ---

function stateName(ctx: Ctx): string {
	project(ctx);
	const name = ctx.params.name ?? '';
	if (!/^[A-Za-z0-9._-]{1,255}$/.test(name)) throw new ApiError(400, { error: 'name is invalid' });
	return name;
}

function sendLock(res: ServerResponse, status: number, lock: LockInfo): void {
	sendJson(res, status, lock);
}

/** `ID` of the lock, from the query or a JSON/form body (the http backend sends the LockInfo as the body). */
async function lockIdOf(ctx: Ctx): Promise<string | undefined> {
	const q = ctx.url.searchParams.get('ID');
	if (q) return q;
	const text = await readText(ctx.req);
	if (!text.trim()) return undefined;
	try {
		const body = JSON.parse(text) as { ID?: unknown };
		return typeof body.ID === 'string' ? body.ID : undefined;
	} catch {
		return new URLSearchParams(text).get('ID') ?? undefined;
	}
}

/** A failure the control API asked for (`POST /_sandbox/gitops/fail-next`), answered before anything changes. */
export function injectedFault(api: GitLabApi, op: FaultOp): void {
	const status = api.world.changes.takeFault('gitlab', op);
	if (status !== undefined) throw message(status, status === 500 ? '500 Internal Server Error' : `${status} ${STATUS_TEXT[status] ?? 'Error'}`);
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad request', 403: 'Forbidden', 409: 'Conflict', 422: 'Unprocessable Entity', 502: 'Bad Gateway', 503: 'Service Unavailable' };

export function rethrow(err: unknown): never {
	if (err instanceof RepoError || err instanceof GitOpsError) throw message(err.status, err.message);
	throw err;
}

export function gitopsRoutes(router: Router, api: GitLabApi): void {
	const projectAnswer = (ctx: Ctx) => ok(ctx.res, { ...projectEntity(GITOPS_PROJECT, api.webBase), path_with_namespace: GITOPS_PATH });
	// Literal ids first: other projects are answered by the namespace routes.
	for (const id of [String(GITOPS_PROJECT.id), 'platform%2Fgitops', 'platform%2fgitops']) router.get(`/projects/${id}`, projectAnswer);

	const guarded = (fn: (ctx: Ctx) => void | Promise<void>) => async (ctx: Ctx) => {
		try {
			await fn(ctx);
		} catch (err) {
			rethrow(err);
		}
	};

	router.get('/projects/:id/repository/files/:file_path', (ctx) => {
		const f = fileAt(ctx, api, true);
		ok(ctx.res, fileEntity(f), fileHeaders(f));
	});
	router.on('HEAD', '/projects/:id/repository/files/:file_path', (ctx) => {
		const f = fileAt(ctx, api, true);
		for (const [k, v] of Object.entries(fileHeaders(f))) ctx.res.setHeader(k, v);
		ctx.res.statusCode = 200;
		ctx.res.end();
	});
	router.get('/projects/:id/repository/files/:file_path/raw', (ctx) => {
		const f = fileAt(ctx, api, false);
		sendText(ctx.res, 200, f.content, fileHeaders(f));
	});
	router.get('/projects/:id/repository/tree', (ctx) => listTree(ctx, api));
	router.get('/projects/:id/repository/branches', (ctx) => {
		project(ctx);
		const p = queryParams(ctx);
		const search = p.string('search')?.toLowerCase();
		const names = [...gitops(api).repo.branches.keys()].filter((n) => !search || n.toLowerCase().includes(search)).sort();
		sendPage(ctx, p, names, (n) => branchEntity(api, n));
	});
	router.get('/projects/:id/repository/branches/:branch', (ctx) => {
		project(ctx);
		const name = ctx.params.branch ?? '';
		if (!gitops(api).repo.branches.has(name)) throw message(404, '404 Branch Not Found');
		ok(ctx.res, branchEntity(api, name));
	});
	router.get('/projects/:id/repository/commits', (ctx) => listCommits(ctx, api));
	router.post('/projects/:id/repository/commits', guarded((ctx) => createCommit(ctx, api)));
	router.get('/projects/:id/repository/commits/:sha', (ctx) => {
		project(ctx);
		ok(ctx.res, commitDetail(api, resolveRef(api, ctx.params.sha ?? '')));
	});

	mergeRequestRoutes(router, api);
	pipelineRoutes(router, api);

	router.get('/projects/:id/terraform/state/:name', (ctx) => {
		const name = stateName(ctx);
		const text = gitops(api).stateText(name);
		if (text === undefined) throw message(404, '404 Not Found');
		if (text === '') {
			ctx.res.statusCode = 204;
			ctx.res.end();
			return;
		}
		// GitLab sends the stored file as is, typed as binary.
		sendText(ctx.res, 200, text, { 'Content-Type': 'application/octet-stream' });
	});
	router.post(
		'/projects/:id/terraform/state/:name',
		guarded(async (ctx) => {
			const name = stateName(ctx);
			const text = await readText(ctx.req);
			if (text.trim() === '') {
				ctx.res.statusCode = 204;
				ctx.res.end();
				return;
			}
			try {
				const parsed = JSON.parse(text) as unknown;
				if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
			} catch {
				throw new ApiError(400, { message: '400 Bad request - the state is not a JSON object' });
			}
			gitops(api).putState(name, text, ctx.url.searchParams.get('ID') ?? undefined);
			sendJson(ctx.res, 200, {});
		})
	);
	router.on(
		'DELETE',
		'/projects/:id/terraform/state/:name',
		guarded((ctx) => {
			const name = stateName(ctx);
			if (!gitops(api).deleteState(name)) throw message(404, '404 Not Found');
			sendJson(ctx.res, 202, { message: `State ${name} is scheduled for deletion` });
		})
	);
	router.post('/projects/:id/terraform/state/:name/lock', async (ctx) => {
		const name = stateName(ctx);
		let body: Partial<LockInfo> = {};
		const text = await readText(ctx.req);
		if (text.trim()) {
			try {
				const parsed = JSON.parse(text) as unknown;
				if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Partial<LockInfo>;
			} catch {
				throw new BodyError('request body is not valid JSON');
			}
		}
		const { ok: taken, lock } = gitops(api).lock(name, body);
		sendLock(ctx.res, taken ? 200 : 409, lock);
	});
	router.on(
		'DELETE',
		'/projects/:id/terraform/state/:name/lock',
		guarded(async (ctx) => {
			const name = stateName(ctx);
			gitops(api).unlock(name, await lockIdOf(ctx));
			sendJson(ctx.res, 200, {});
		})
	);
}
