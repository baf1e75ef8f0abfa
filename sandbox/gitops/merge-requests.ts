// GitLab REST for changing the GitOps project through merge requests: branches (create,
// delete), merge requests (create, list, get, update, close/reopen), notes, changes and
// diffs, commits, merge (with `sha`, auto-merge), and compare. Wording and status codes
// follow GitLab 17.5's API.

import { readFields } from '../http/body.js';
import { sendJson } from '../http/respond.js';
import type { Ctx, Router } from '../http/router.js';
import { ApiError, intId, ok, queryParams, sendPage, type GitLabApi } from '../gitlab/context.js';
import { Params } from '../gitlab/params.js';
import { branchEntity, commitEntity, gitops, injectedFault, message, project, resolveRef, rethrow } from './api.js';
import { fileChanges, type FileChange } from './diff.js';
import { FlowError, type ChangeFlow } from './flow.js';
import { mergeRequestEntity, noteEntity, projectUrl } from './gitlab-entities.js';
import type { Proposal } from './proposals.js';
import type { Commit } from './repo.js';

const flowOf = (api: GitLabApi): ChangeFlow => api.world.changes;

/** A flow refusal in GitLab's words. */
export function gitlabFlowError(err: unknown): never {
	if (!(err instanceof FlowError)) rethrow(err);
	switch (err.code) {
		case 'not_found':
			throw message(404, '404 Not found');
		case 'duplicate':
		case 'same_branch':
		case 'source_missing':
		case 'target_missing':
			throw new ApiError(409, { message: [err.message] });
		case 'invalid':
			throw new ApiError(400, { message: err.message });
		case 'sha_mismatch':
			throw message(409, err.message);
		case 'merge_failed':
		case 'limit':
			throw message(422, err.message);
		default:
			// Not mergeable now (closed, draft, conflicts, the pipeline): GitLab answers 405 without saying why.
			throw message(405, '405 Method Not Allowed');
	}
}

const guard =
	(fn: (ctx: Ctx) => void | Promise<void>) =>
	async (ctx: Ctx): Promise<void> => {
		try {
			await fn(ctx);
		} catch (err) {
			if (err instanceof ApiError) throw err;
			gitlabFlowError(err);
		}
	};

function mr(ctx: Ctx, api: GitLabApi): Proposal {
	project(ctx);
	const p = flowOf(api).proposals.get('gitlab', intId(ctx, 'iid'));
	if (!p) throw message(404, '404 Not found');
	return p;
}

const detail = (api: GitLabApi, p: Proposal) => mergeRequestEntity(flowOf(api), p, api.webBase, true);

/** GitLab's diff object (`/changes`, `/diffs`, compare). */
function diffEntity(f: FileChange) {
	return {
		old_path: f.path,
		new_path: f.path,
		a_mode: f.status === 'added' ? '0' : '100644',
		b_mode: f.status === 'removed' ? '0' : '100644',
		new_file: f.status === 'added',
		renamed_file: false,
		deleted_file: f.status === 'removed',
		generated_file: false,
		diff: f.diff
	};
}

/** Commits on `head` not on `base`, newest first. */
function commitsBetween(api: GitLabApi, base: Commit, head: Commit): Commit[] {
	const repo = gitops(api).repo;
	const exclude = repo.ancestors(base.id);
	return [...repo.ancestors(head.id)]
		.filter((id) => !exclude.has(id))
		.map((id) => repo.commit(id) as Commit)
		.sort((a, b) => b.at - a.at);
}

/** `labels` given as `a,b` or a list; `undefined` when absent. */
function labelsParam(p: Params, name: string): string[] | undefined {
	return p.list(name);
}

function bodyParams(fields: Record<string, unknown>, ctx: Ctx): Params {
	return Params.fromFields(fields, ctx.url.searchParams);
}

export function mergeRequestRoutes(router: Router, api: GitLabApi): void {
	const flow = () => flowOf(api);

	router.post(
		'/projects/:id/repository/branches',
		guard(async (ctx) => {
			project(ctx);
			const p = bodyParams(await readFields(ctx.req), ctx);
			const branch = p.string('branch');
			const ref = p.string('ref');
			const missing = [!branch && 'branch is missing', !ref && 'ref is missing'].filter(Boolean);
			if (missing.length > 0) throw new ApiError(400, { error: missing.join(', ') });
			p.check();
			injectedFault(api, 'create_branch');
			try {
				gitops(api).repo.createBranch(branch as string, ref as string);
			} catch (err) {
				// GitLab names the reference it could not find.
				if (err instanceof Error && err.message === 'Invalid reference name') throw message(400, `Invalid reference name: ${ref}`);
				rethrow(err);
			}
			sendJson(ctx.res, 201, branchEntity(api, branch as string));
		})
	);
	router.on(
		'DELETE',
		'/projects/:id/repository/branches/:branch',
		guard((ctx) => {
			project(ctx);
			const name = ctx.params.branch ?? '';
			const repo = gitops(api).repo;
			if (!repo.branches.has(name)) throw message(404, '404 Branch Not Found');
			if (name === repo.defaultBranch) throw message(405, 'The default branch of a project cannot be deleted.');
			injectedFault(api, 'delete_branch');
			repo.deleteBranch(name);
			ctx.res.statusCode = 204;
			ctx.res.end();
		})
	);

	router.get('/projects/:id/merge_requests', (ctx) => {
		project(ctx);
		const p = queryParams(ctx);
		const state = p.oneOf('state', ['opened', 'closed', 'merged', 'locked', 'all'] as const);
		const source = p.string('source_branch');
		const target = p.string('target_branch');
		const labels = labelsParam(p, 'labels');
		const iids = p.list('iids');
		const search = p.string('search')?.toLowerCase();
		const orderBy = p.oneOf('order_by', ['created_at', 'updated_at', 'title', 'merged_at'] as const) ?? 'created_at';
		const sort = p.oneOf('sort', ['asc', 'desc'] as const) ?? 'desc';
		p.check();
		const list = flow()
			.proposals.list('gitlab')
			.filter(
				(m) =>
					(!state || state === 'all' || m.state === state) &&
					(!source || m.sourceBranch === source) &&
					(!target || m.targetBranch === target) &&
					(!labels || labels.every((l) => m.labels.includes(l))) &&
					(!iids || iids.includes(String(m.number))) &&
					(!search || m.title.toLowerCase().includes(search) || m.description.toLowerCase().includes(search))
			);
		const key = (m: Proposal): number | string => (orderBy === 'title' ? m.title : orderBy === 'updated_at' ? m.updatedAt : orderBy === 'merged_at' ? (m.mergedAt ?? 0) : m.createdAt);
		list.sort((a, b) => {
			const x = key(a);
			const y = key(b);
			const c = x < y ? -1 : x > y ? 1 : a.number - b.number;
			return sort === 'asc' ? c : -c;
		});
		sendPage(ctx, p, list, (m) => mergeRequestEntity(flow(), m, api.webBase));
	});

	router.post(
		'/projects/:id/merge_requests',
		guard(async (ctx) => {
			project(ctx);
			const p = bodyParams(await readFields(ctx.req), ctx);
			const source = p.string('source_branch');
			const target = p.string('target_branch');
			const title = p.string('title');
			const missing = [!source && 'source_branch is missing', !target && 'target_branch is missing', !title && 'title is missing'].filter(Boolean);
			if (missing.length > 0) throw new ApiError(400, { error: missing.join(', ') });
			const description = p.string('description');
			const labels = labelsParam(p, 'labels');
			const removeSourceBranch = p.bool('remove_source_branch');
			p.bool('squash');
			const draft = p.bool('draft');
			p.check();
			injectedFault(api, 'create_merge_request');
			const m = flow().open('gitlab', { source: source as string, target: target as string, title: title as string, description, labels, draft, removeSourceBranch });
			sendJson(ctx.res, 201, detail(api, m));
		})
	);

	router.get('/projects/:id/merge_requests/:iid', (ctx) => ok(ctx.res, detail(api, mr(ctx, api))));

	router.put(
		'/projects/:id/merge_requests/:iid',
		guard(async (ctx) => {
			const m = mr(ctx, api);
			const p = bodyParams(await readFields(ctx.req), ctx);
			const stateEvent = p.oneOf('state_event', ['close', 'reopen'] as const);
			const change = {
				title: p.string('title'),
				description: p.string('description'),
				labels: labelsParam(p, 'labels'),
				addLabels: labelsParam(p, 'add_labels'),
				removeLabels: labelsParam(p, 'remove_labels'),
				targetBranch: p.string('target_branch'),
				removeSourceBranch: p.bool('remove_source_branch'),
				state: stateEvent
			};
			p.check();
			if (Object.values(change).every((v) => v === undefined)) {
				throw new ApiError(400, { error: 'assignee_id, assignee_ids, reviewer_ids, description, state_event, target_branch, title, labels, add_labels, remove_labels, remove_source_branch are missing, at least one parameter must be provided' });
			}
			injectedFault(api, 'update_merge_request');
			flow().update('gitlab', m.number, change);
			ok(ctx.res, detail(api, m));
		})
	);

	router.get('/projects/:id/merge_requests/:iid/notes', (ctx) => {
		const m = mr(ctx, api);
		const p = queryParams(ctx);
		const sort = p.oneOf('sort', ['asc', 'desc'] as const) ?? 'desc';
		p.oneOf('order_by', ['created_at', 'updated_at'] as const);
		p.check();
		const notes = [...m.notes].sort((a, b) => (sort === 'asc' ? a.id - b.id : b.id - a.id));
		sendPage(ctx, p, notes, (n) => noteEntity(m, n, api.webBase));
	});
	router.post(
		'/projects/:id/merge_requests/:iid/notes',
		guard(async (ctx) => {
			const m = mr(ctx, api);
			const p = bodyParams(await readFields(ctx.req), ctx);
			const body = p.string('body');
			if (!body) throw new ApiError(400, { error: 'body is missing' });
			p.check();
			const n = flow().comment('gitlab', m.number, body);
			sendJson(ctx.res, 201, noteEntity(m, n, api.webBase));
		})
	);

	router.get('/projects/:id/merge_requests/:iid/changes', (ctx) => {
		const m = mr(ctx, api);
		const { base, head } = flow().diffRefs(m);
		ok(ctx.res, { ...detail(api, m), changes: fileChanges(base.files, head.files).map(diffEntity), overflow: false });
	});
	router.get('/projects/:id/merge_requests/:iid/diffs', (ctx) => {
		const m = mr(ctx, api);
		const p = queryParams(ctx);
		p.bool('unidiff');
		const { base, head } = flow().diffRefs(m);
		sendPage(ctx, p, fileChanges(base.files, head.files), (f) => ({ ...diffEntity(f), collapsed: false, too_large: false }));
	});
	router.get('/projects/:id/merge_requests/:iid/commits', (ctx) => {
		const m = mr(ctx, api);
		const p = queryParams(ctx);
		const { base, head } = flow().diffRefs(m);
		sendPage(ctx, p, commitsBetween(api, base, head), (c) => commitEntity(api, c));
	});

	router.put(
		'/projects/:id/merge_requests/:iid/merge',
		guard(async (ctx) => {
			const m = mr(ctx, api);
			const p = bodyParams(await readFields(ctx.req), ctx);
			const opts = {
				sha: p.string('sha'),
				message: p.string('merge_commit_message') || undefined,
				squash: p.bool('squash'),
				removeSourceBranch: p.bool('should_remove_source_branch'),
				auto: p.bool('auto_merge') ?? p.bool('merge_when_pipeline_succeeds')
			};
			p.string('squash_commit_message');
			p.check();
			injectedFault(api, 'merge');
			flow().merge('gitlab', m.number, opts);
			ok(ctx.res, detail(api, m));
		})
	);

	router.get('/projects/:id/repository/compare', (ctx) => {
		project(ctx);
		const p = queryParams(ctx);
		const from = p.string('from');
		const to = p.string('to');
		const straight = p.bool('straight') ?? false;
		const missing = [!from && 'from is missing', !to && 'to is missing'].filter(Boolean);
		if (missing.length > 0) throw new ApiError(400, { error: missing.join(', ') });
		p.check();
		const repo = gitops(api).repo;
		const a = resolveRef(api, from as string);
		const b = resolveRef(api, to as string);
		// Like `git diff from...to`, unless straight (from..to).
		const base = straight ? a : (repo.mergeBase(a.id, b.id) ?? a);
		const commits = commitsBetween(api, base, b);
		ok(ctx.res, {
			commit: commits[0] ? commitEntity(api, commits[0]) : null,
			commits: commits.map((c) => commitEntity(api, c)).reverse(),
			diffs: fileChanges(base.files, b.files).map(diffEntity),
			compare_timeout: false,
			compare_same_ref: a.id === b.id,
			web_url: `${projectUrl(api.webBase)}/-/compare/${a.id}...${b.id}`
		});
	});
}

