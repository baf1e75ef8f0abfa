// GitHub REST for changing `sandbox-org/gitops` through pull requests: the repository,
// branches, git refs (create, read, move, delete `refs/heads/…`), the contents API's
// writes (one commit per file on a branch, with the blob `sha` check), pull requests
// (create, list, get, update/close, files, merge with `sha`), and issue labels and
// comments on them. Answers and errors as GHES 3.17 words them.

import { readJson } from '../http/body.js';
import { sendJson } from '../http/respond.js';
import type { Ctx, Router } from '../http/router.js';
import { DOCS, GitHubError, JSON_TYPE, notFound, ok, type GitHubApi } from '../github/context.js';
import type { Bases } from '../github/entities.js';
import { linkHeader, pageOf, readPaging } from '../github/pagination.js';
import { ORG } from '../sim/github/catalog.js';
import { fileChanges } from './diff.js';
import { FlowError, type ChangeFlow, type FaultOp } from './flow.js';
import {
	GITOPS_REPO,
	commentEntity,
	gitRefEntity,
	gitopsFullRepository,
	labelEntity,
	pullEntity,
	repoApi,
	repoWeb
} from './github-entities.js';
import type { Proposal } from './proposals.js';
import { RepoError, blobId, type Commit } from './repo.js';

const flowOf = (api: GitHubApi): ChangeFlow => api.world.changes;

/** Only `sandbox-org/gitops` has pull requests and writable contents here. */
export function checkRepo(ctx: Ctx): void {
	// Routes registered at the repository's literal path (its Actions routes, which share their
	// pattern with the catalog repositories' ones) carry no owner/repo parameters.
	if (ctx.params.owner === undefined && ctx.params.repo === undefined) return;
	if ((ctx.params.owner ?? '').toLowerCase() !== ORG.login || (ctx.params.repo ?? '').toLowerCase() !== GITOPS_REPO.name) throw notFound();
}

/** A failure the control API asked for, answered before anything changes. */
export function githubFault(api: GitHubApi, op: FaultOp): void {
	const status = flowOf(api).takeFault('github', op);
	if (status === undefined) return;
	throw new GitHubError(status, status === 500 ? 'Server Error' : status === 422 ? 'Validation Failed' : status === 409 ? 'Conflict' : status === 403 ? 'Forbidden' : 'Service Unavailable');
}

/** A 422 with GitHub's `errors` list (what Octokit surfaces as `response.data.errors`). */
function validationFailed(ctx: Ctx, errors: Record<string, string>[]): void {
	sendJson(ctx.res, 422, { message: 'Validation Failed', errors, documentation_url: DOCS, status: '422' }, { 'Content-Type': JSON_TYPE });
}

/** GitHub says "Invalid request" naming the missing fields. */
function missing(names: string[]): GitHubError {
	const list = names.map((n) => `"${n}"`).join(', ');
	return new GitHubError(422, `Invalid request.\n\n${list} ${names.length === 1 ? "wasn't" : "weren't"} supplied.`);
}

async function body(ctx: Ctx): Promise<Record<string, unknown>> {
	const raw = await readJson(ctx.req);
	if (raw === undefined) return {};
	if (typeof raw !== 'object' || raw === null) throw new GitHubError(400, 'Problems parsing JSON');
	return raw as Record<string, unknown>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** `heads/x` or `refs/heads/x` → the branch name; undefined for anything but a branch ref. */
function branchOfRef(ref: string): string | undefined {
	const m = /^(?:refs\/)?heads\/(.+)$/.exec(ref);
	return m?.[1];
}

/** GitHub pages lists with Link headers, not a wrapping object. */
function sendList<T>(ctx: Ctx, all: readonly T[], render: (x: T) => unknown): void {
	const paging = readPaging(ctx.url.searchParams);
	const link = linkHeader(ctx, paging, all.length);
	ok(ctx, pageOf(all, paging).map(render), link ? { Link: link } : {});
}

function pullOf(ctx: Ctx, api: GitHubApi): Proposal {
	checkRepo(ctx);
	const n = Number(ctx.params.number);
	const p = Number.isSafeInteger(n) ? flowOf(api).proposals.get('github', n) : undefined;
	if (!p) throw notFound();
	return p;
}

function fileCommitEntity(c: Commit, path: string | null, b: Bases, ref: string) {
	const person = { date: new Date(c.at).toISOString().replace(/\.\d{3}Z$/, 'Z'), name: c.author.name, email: c.author.email };
	const content = path === null ? undefined : c.files.get(path);
	const api = repoApi(b);
	return {
		content:
			content === undefined || path === null
				? null
				: {
						name: path.split('/').pop() ?? path,
						path,
						sha: blobId(content),
						size: Buffer.byteLength(content, 'utf8'),
						url: `${api}/contents/${path}?ref=${encodeURIComponent(ref)}`,
						html_url: `${repoWeb(b)}/blob/${ref}/${path}`,
						git_url: `${api}/git/blobs/${blobId(content)}`,
						download_url: `${repoWeb(b)}/raw/${ref}/${path}`,
						type: 'file',
						_links: { self: `${api}/contents/${path}?ref=${encodeURIComponent(ref)}`, git: `${api}/git/blobs/${blobId(content)}`, html: `${repoWeb(b)}/blob/${ref}/${path}` }
					},
		commit: {
			sha: c.id,
			node_id: Buffer.from(`06:Commit${c.id}`).toString('base64').replace(/=+$/, ''),
			url: `${api}/git/commits/${c.id}`,
			html_url: `${repoWeb(b)}/commit/${c.id}`,
			author: person,
			committer: person,
			message: c.message,
			tree: { url: `${api}/git/trees/${c.treeId}`, sha: c.treeId },
			parents: c.parentIds.map((id) => ({ url: `${api}/git/commits/${id}`, html_url: `${repoWeb(b)}/commit/${id}`, sha: id })),
			verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null }
		}
	};
}

export function pullRoutes(router: Router, api: GitHubApi): void {
	const flow = () => flowOf(api);
	const repo = () => api.world.gitops.repo;

	// A literal path: the catalog's /repos/:owner/:repo answers the other repositories.
	router.get(`/repos/${ORG.login}/${GITOPS_REPO.name}`, (ctx) => ok(ctx, gitopsFullRepository(api.bases(ctx))));
	router.get('/repos/:owner/:repo/branches', (ctx) => {
		checkRepo(ctx);
		const r = repo();
		const b = api.bases(ctx);
		const names = [...r.branches.keys()].sort();
		sendList(ctx, names, (name) => ({ name, commit: { sha: r.branches.get(name), url: `${repoApi(b)}/commits/${r.branches.get(name)}` }, protected: name === r.defaultBranch }));
	});

	// --- git refs ---

	const refOf = (ctx: Ctx) => {
		checkRepo(ctx);
		const ref = ctx.params.ref ?? '';
		const branch = branchOfRef(ref);
		const sha = branch === undefined ? undefined : repo().branches.get(branch);
		return { ref, branch, sha };
	};
	const getRef = (ctx: Ctx) => {
		const { branch, sha } = refOf(ctx);
		if (branch === undefined || sha === undefined) throw notFound();
		ok(ctx, gitRefEntity(`refs/heads/${branch}`, sha, api.bases(ctx)));
	};
	router.get('/repos/:owner/:repo/git/ref/*ref', getRef);
	router.get('/repos/:owner/:repo/git/refs/*ref', getRef);
	router.get('/repos/:owner/:repo/git/matching-refs/*ref', (ctx) => {
		checkRepo(ctx);
		const prefix = `refs/${ctx.params.ref ?? ''}`;
		const b = api.bases(ctx);
		const refs = [...repo().branches]
			.map(([name, sha]) => ({ ref: `refs/heads/${name}`, sha }))
			.filter((r) => r.ref.startsWith(prefix))
			.sort((x, y) => (x.ref < y.ref ? -1 : 1));
		ok(ctx, refs.map((r) => gitRefEntity(r.ref, r.sha, b)));
	});
	router.post('/repos/:owner/:repo/git/refs', async (ctx) => {
		checkRepo(ctx);
		const b = await body(ctx);
		const ref = str(b.ref);
		const sha = str(b.sha);
		const absent = [!ref && 'ref', !sha && 'sha'].filter((x): x is string => !!x);
		if (absent.length > 0) throw missing(absent);
		if (!/^refs\/.+\/.+/.test(ref as string)) throw new GitHubError(422, 'Reference name must start with refs/ and have at least two slashes.');
		const branch = branchOfRef(ref as string);
		if (branch === undefined) throw new GitHubError(422, 'Reference update failed: only branches (refs/heads/…) can be created here');
		githubFault(api, 'create_ref');
		const r = repo();
		if (r.branches.has(branch)) throw new GitHubError(422, 'Reference already exists');
		if (!/^[0-9a-f]{40}$/.test(sha as string) || !r.commit(sha as string)) throw new GitHubError(422, 'Object does not exist');
		try {
			r.moveBranch(branch, sha as string);
		} catch (err) {
			if (err instanceof RepoError) throw new GitHubError(422, `Reference update failed: ${err.message}`);
			throw err;
		}
		sendJson(ctx.res, 201, gitRefEntity(`refs/heads/${branch}`, sha as string, api.bases(ctx)), { 'Content-Type': JSON_TYPE, Location: `${repoApi(api.bases(ctx))}/git/refs/heads/${branch}` });
	});
	router.on('PATCH', '/repos/:owner/:repo/git/refs/*ref', async (ctx) => {
		const { branch, sha: current } = refOf(ctx);
		const b = await body(ctx);
		const sha = str(b.sha);
		if (!sha) throw missing(['sha']);
		githubFault(api, 'update_ref');
		if (branch === undefined || current === undefined) throw new GitHubError(422, 'Reference does not exist');
		const r = repo();
		if (!r.commit(sha)) throw new GitHubError(422, 'Object does not exist');
		if (b.force !== true && !r.ancestors(sha).has(current)) throw new GitHubError(422, 'Update is not a fast forward');
		r.moveBranch(branch, sha);
		ok(ctx, gitRefEntity(`refs/heads/${branch}`, sha, api.bases(ctx)));
	});
	router.on('DELETE', '/repos/:owner/:repo/git/refs/*ref', (ctx) => {
		const { branch, sha } = refOf(ctx);
		if (branch === undefined || sha === undefined) throw new GitHubError(422, 'Reference does not exist');
		if (branch === repo().defaultBranch) throw new GitHubError(422, 'Cannot delete this protected branch');
		githubFault(api, 'delete_ref');
		repo().deleteBranch(branch);
		ctx.res.statusCode = 204;
		ctx.res.end();
	});

	// --- contents (writes; reads are the contents API in github.ts) ---

	const writeFile = async (ctx: Ctx, del: boolean) => {
		checkRepo(ctx);
		const path = (ctx.params.path ?? '').replace(/^\/+|\/+$/g, '');
		const b = await body(ctx);
		const message = str(b.message);
		const content = str(b.content);
		const sha = str(b.sha);
		const absent = [!message && 'message', !del && content === undefined && 'content', del && !sha && 'sha'].filter((x): x is string => !!x);
		if (absent.length > 0) throw missing(absent);
		const r = repo();
		const branch = str(b.branch) ?? r.defaultBranch;
		const head = r.resolve(branch);
		if (!head || !r.branches.has(branch)) throw new GitHubError(404, `Branch ${branch} not found`);
		const existing = head.files.get(path);
		if (existing !== undefined && sha === undefined) throw missing(['sha']);
		if (existing === undefined && del) throw notFound();
		if (existing !== undefined && sha !== blobId(existing)) throw new GitHubError(409, `${path} does not match ${sha}`);
		githubFault(api, 'put_contents');
		const who = (v: unknown) => (typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string' && typeof (v as { email?: unknown }).email === 'string' ? (v as { name: string; email: string }) : undefined);
		const author = who(b.author) ?? who(b.committer) ?? { name: 'Sandbox Admin', email: 'sandbox-admin@sandbox.invalid' };
		let c: Commit;
		try {
			c = r.write({
				branch,
				message: message as string,
				actions: del ? [{ action: 'delete', filePath: path }] : [{ action: existing === undefined ? 'create' : 'update', filePath: path, content: Buffer.from(content as string, 'base64').toString('utf8') }],
				author,
				at: flow().now()
			});
		} catch (err) {
			if (err instanceof RepoError) throw new GitHubError(422, err.message);
			throw err;
		}
		const answer = fileCommitEntity(c, del ? null : path, api.bases(ctx), branch);
		if (existing === undefined && !del) sendJson(ctx.res, 201, answer, { 'Content-Type': JSON_TYPE });
		else ok(ctx, answer);
	};
	router.put('/repos/:owner/:repo/contents/*path', (ctx) => writeFile(ctx, false));
	router.on('DELETE', '/repos/:owner/:repo/contents/*path', (ctx) => writeFile(ctx, true));

	// --- pull requests ---

	router.get('/repos/:owner/:repo/pulls', (ctx) => {
		checkRepo(ctx);
		const q = ctx.url.searchParams;
		const state = q.get('state') ?? 'open';
		if (!['open', 'closed', 'all'].includes(state)) throw new GitHubError(422, 'Validation Failed');
		const head = q.get('head');
		const headBranch = head?.includes(':') ? head.split(':').slice(1).join(':') : head;
		const headOwner = head?.includes(':') ? head.split(':')[0]?.toLowerCase() : ORG.login;
		const base = q.get('base');
		const sort = q.get('sort') ?? 'created';
		const direction = q.get('direction') ?? (sort === 'created' ? 'desc' : 'asc');
		const list = flow()
			.proposals.list('github')
			.filter(
				(p) =>
					(state === 'all' || (state === 'open') === (p.state === 'opened')) &&
					(!head || (headOwner === ORG.login && p.sourceBranch === headBranch)) &&
					(!base || p.targetBranch === base)
			);
		const key = (p: Proposal) => (sort === 'updated' ? p.updatedAt : p.createdAt);
		list.sort((a, b) => (direction === 'asc' ? key(a) - key(b) || a.number - b.number : key(b) - key(a) || b.number - a.number));
		const b = api.bases(ctx);
		sendList(ctx, list, (p) => pullEntity(flow(), p, b));
	});
	router.post('/repos/:owner/:repo/pulls', async (ctx) => {
		checkRepo(ctx);
		const b = await body(ctx);
		const title = str(b.title);
		const head = str(b.head);
		const base = str(b.base);
		const absent = [!head && 'head', !base && 'base'].filter((x): x is string => !!x);
		if (absent.length > 0) throw missing(absent);
		if (!title) return validationFailed(ctx, [{ resource: 'Issue', code: 'missing_field', field: 'title' }]);
		const [owner, branch] = (head as string).includes(':') ? [(head as string).split(':')[0] ?? '', (head as string).split(':').slice(1).join(':')] : [ORG.login, head as string];
		if (owner.toLowerCase() !== ORG.login) return validationFailed(ctx, [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
		githubFault(api, 'create_pull_request');
		try {
			const p = flow().open('github', { source: branch, target: base as string, title, description: str(b.body), draft: b.draft === true });
			sendJson(ctx.res, 201, pullEntity(flow(), p, api.bases(ctx), true), { 'Content-Type': JSON_TYPE, Location: `${repoApi(api.bases(ctx))}/pulls/${p.number}` });
		} catch (err) {
			if (!(err instanceof FlowError)) throw err;
			if (err.code === 'source_missing') return validationFailed(ctx, [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
			if (err.code === 'target_missing') return validationFailed(ctx, [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
			if (err.code === 'duplicate') return validationFailed(ctx, [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${ORG.login}:${branch}.` }]);
			if (err.code === 'no_commits' || err.code === 'same_branch') return validationFailed(ctx, [{ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${branch}` }]);
			throw new GitHubError(422, err.message);
		}
	});
	router.get('/repos/:owner/:repo/pulls/:number', (ctx) => ok(ctx, pullEntity(flow(), pullOf(ctx, api), api.bases(ctx), true)));
	router.on('PATCH', '/repos/:owner/:repo/pulls/:number', async (ctx) => {
		const p = pullOf(ctx, api);
		const b = await body(ctx);
		const state = str(b.state);
		if (state !== undefined && state !== 'open' && state !== 'closed') return validationFailed(ctx, [{ resource: 'PullRequest', field: 'state', code: 'invalid' }]);
		githubFault(api, 'update_pull_request');
		try {
			flow().update('github', p.number, {
				title: str(b.title),
				description: str(b.body),
				targetBranch: str(b.base),
				state: state === 'closed' ? 'close' : state === 'open' ? 'reopen' : undefined
			});
		} catch (err) {
			if (!(err instanceof FlowError)) throw err;
			if (err.code === 'target_missing') return validationFailed(ctx, [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
			throw new GitHubError(422, err.code === 'source_missing' ? 'state cannot be changed. The head branch was deleted.' : err.message);
		}
		ok(ctx, pullEntity(flow(), p, api.bases(ctx), true));
	});
	router.get('/repos/:owner/:repo/pulls/:number/files', (ctx) => {
		const p = pullOf(ctx, api);
		const { base, head } = flow().diffRefs(p);
		const b = api.bases(ctx);
		sendList(ctx, fileChanges(base.files, head.files), (f) => {
			const at = f.status === 'removed' ? base.id : head.id;
			return {
				sha: blobId(f.after ?? f.before ?? ''),
				filename: f.path,
				status: f.status,
				additions: f.additions,
				deletions: f.deletions,
				changes: f.additions + f.deletions,
				blob_url: `${repoWeb(b)}/blob/${at}/${f.path}`,
				raw_url: `${repoWeb(b)}/raw/${at}/${f.path}`,
				contents_url: `${repoApi(b)}/contents/${f.path}?ref=${at}`,
				patch: f.diff.replace(/\n$/, '')
			};
		});
	});
	router.get('/repos/:owner/:repo/pulls/:number/merge', (ctx) => {
		const p = pullOf(ctx, api);
		if (p.state !== 'merged') throw notFound();
		ctx.res.statusCode = 204;
		ctx.res.end();
	});
	router.put('/repos/:owner/:repo/pulls/:number/merge', async (ctx) => {
		const p = pullOf(ctx, api);
		const b = await body(ctx);
		const method = str(b.merge_method) ?? 'merge';
		if (!['merge', 'squash', 'rebase'].includes(method)) return validationFailed(ctx, [{ resource: 'PullRequest', field: 'merge_method', code: 'invalid' }]);
		githubFault(api, 'merge');
		const title = str(b.commit_title);
		const text = str(b.commit_message);
		const message = title !== undefined || text !== undefined ? [title ?? (method === 'squash' ? `${p.title} (#${p.number})` : `Merge pull request #${p.number} from ${ORG.login}/${p.sourceBranch}`), text].filter((x) => x !== undefined).join('\n\n') : undefined;
		try {
			flow().merge('github', p.number, { sha: str(b.sha), message, squash: method === 'squash', rebase: method === 'rebase' });
		} catch (err) {
			if (!(err instanceof FlowError)) throw err;
			if (err.code === 'sha_mismatch') throw new GitHubError(409, err.message);
			if (err.code === 'method_not_allowed') throw new GitHubError(405, err.message);
			if (err.code === 'ci_running' || err.code === 'ci_failed') {
				const plan = flow().mergeability(p).pipeline?.jobs.find((j) => j.name === 'plan');
				const how = plan?.status === 'failed' || plan?.status === 'canceled' ? 'is failing' : plan?.status === 'running' ? 'is in progress' : 'is expected';
				throw new GitHubError(405, `Required status check "plan" ${how}.`);
			}
			throw new GitHubError(405, 'Pull Request is not mergeable');
		}
		ok(ctx, { sha: p.mergeCommitSha, merged: true, message: 'Pull Request successfully merged' });
	});

	// --- labels and comments (pull requests are issues) ---

	const issueOf = (ctx: Ctx) => {
		checkRepo(ctx);
		const n = Number(ctx.params.number);
		const p = Number.isSafeInteger(n) ? flow().proposals.get('github', n) : undefined;
		if (!p) throw notFound();
		return p;
	};
	const labelsAnswer = (ctx: Ctx, p: Proposal) => ok(ctx, p.labels.map((l) => labelEntity(l, api.bases(ctx))));
	const labelsOf = (b: unknown): string[] | undefined => {
		const list = Array.isArray(b) ? b : typeof b === 'object' && b !== null ? (b as { labels?: unknown }).labels : undefined;
		if (!Array.isArray(list)) return undefined;
		const names = list.map((l) => (typeof l === 'string' ? l : typeof l === 'object' && l !== null ? (l as { name?: unknown }).name : undefined));
		return names.every((n): n is string => typeof n === 'string' && n.length > 0) ? names : undefined;
	};
	router.get('/repos/:owner/:repo/issues/:number/labels', (ctx) => labelsAnswer(ctx, issueOf(ctx)));
	const setLabels = (replace: boolean) => async (ctx: Ctx) => {
		const p = issueOf(ctx);
		const names = labelsOf(await readJson(ctx.req));
		if (!names) return validationFailed(ctx, [{ resource: 'Label', field: 'labels', code: 'invalid' }]);
		githubFault(api, 'add_labels');
		flow().update('github', p.number, replace ? { labels: names } : { addLabels: names });
		labelsAnswer(ctx, p);
	};
	router.post('/repos/:owner/:repo/issues/:number/labels', setLabels(false));
	router.put('/repos/:owner/:repo/issues/:number/labels', setLabels(true));
	router.on('DELETE', '/repos/:owner/:repo/issues/:number/labels/:name', (ctx) => {
		const p = issueOf(ctx);
		const name = ctx.params.name ?? '';
		if (!p.labels.includes(name)) throw new GitHubError(404, 'Label does not exist');
		flow().update('github', p.number, { removeLabels: [name] });
		labelsAnswer(ctx, p);
	});
	router.get('/repos/:owner/:repo/issues/:number/comments', (ctx) => {
		const p = issueOf(ctx);
		const b = api.bases(ctx);
		sendList(ctx, p.notes, (n) => commentEntity(p, n, b));
	});
	router.post('/repos/:owner/:repo/issues/:number/comments', async (ctx) => {
		const p = issueOf(ctx);
		const text = str((await body(ctx)).body);
		if (!text) throw missing(['body']);
		const n = flow().comment('github', p.number, text);
		sendJson(ctx.res, 201, commentEntity(p, n, api.bases(ctx)), { 'Content-Type': JSON_TYPE });
	});
}
