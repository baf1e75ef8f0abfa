// The same GitOps repository on the simulated GitHub as `sandbox-org/gitops`: the
// contents API (`GET /repos/{owner}/{repo}/contents/{path}?ref=`), a file as base64
// JSON (or raw with `Accept: application/vnd.github.raw+json`), a directory as a list.

import { sendText } from '../http/respond.js';
import type { Ctx, Router } from '../http/router.js';
import { GitHubError, ok, type GitHubApi } from '../github/context.js';
import { ORG } from '../sim/github/catalog.js';
import { checkRoutes } from './checks.js';
import { pullRoutes } from './pulls.js';
import { blobId } from './repo.js';

export const GITHUB_GITOPS_REPO = 'gitops';

/** The change flow on the repository: refs, contents writes, pull requests, labels, comments, checks, workflow runs. */
export function gitopsGitHubRoutes(router: Router, api: GitHubApi): void {
	pullRoutes(router, api);
	checkRoutes(router, api);
}

const CONTENTS = /^\/repos\/([^/]+)\/([^/]+)\/contents(?:\/(.*))?$/;

/** Whether a GitHub API path (below /api/v3) is the GitOps repository's contents API. */
export function isGitopsContents(path: string): boolean {
	const m = CONTENTS.exec(path);
	return !!m && (m[1] ?? '').toLowerCase() === ORG.login && (m[2] ?? '').toLowerCase() === GITHUB_GITOPS_REPO;
}

/** Base64 wrapped at 60 characters, as the contents API sends it. */
function wrapped(text: string): string {
	return (Buffer.from(text, 'utf8').toString('base64').match(/.{1,60}/g) ?? []).map((l) => `${l}\n`).join('');
}

export function gitopsContents(ctx: Ctx, api: GitHubApi): void {
	const m = CONTENTS.exec(ctx.path) as RegExpExecArray;
	let path: string;
	try {
		path = decodeURIComponent(m[3] ?? '').replace(/^\/+|\/+$/g, '');
	} catch {
		throw new GitHubError(404, 'Not Found');
	}
	const repo = api.world.gitops.repo;
	const ref = ctx.url.searchParams.get('ref') || repo.defaultBranch;
	const commit = repo.resolve(ref);
	if (!commit) throw new GitHubError(404, `No commit found for the ref ${ref}`);
	const b = api.bases(ctx);
	const full = `${ORG.login}/${GITHUB_GITOPS_REPO}`;
	const q = `?ref=${encodeURIComponent(ref)}`;
	const entry = (p: string, type: 'file' | 'dir', sha: string, size: number) => {
		const self = `${b.api}/repos/${full}/contents/${p}${q}`;
		const git = `${b.api}/repos/${full}/git/${type === 'file' ? 'blobs' : 'trees'}/${sha}`;
		const html = `${b.web}/${full}/${type === 'file' ? 'blob' : 'tree'}/${ref}/${p}`;
		return {
			name: p.split('/').pop() ?? p,
			path: p,
			sha,
			size,
			url: self,
			html_url: html,
			git_url: git,
			download_url: type === 'file' ? `${b.web}/${full}/raw/${ref}/${p}` : null,
			type,
			_links: { self, git, html }
		};
	};
	const content = commit.files.get(path);
	if (content !== undefined) {
		const accept = String(ctx.req.headers.accept ?? '');
		if (accept.includes('application/vnd.github.raw')) {
			sendText(ctx.res, 200, content, { 'Content-Type': 'text/plain; charset=utf-8' });
			return;
		}
		const size = Buffer.byteLength(content, 'utf8');
		const e = entry(path, 'file', blobId(content), size);
		ok(ctx, { type: 'file', encoding: 'base64', size, name: e.name, path, content: wrapped(content), sha: e.sha, url: e.url, git_url: e.git_url, html_url: e.html_url, download_url: e.download_url, _links: e._links });
		return;
	}
	const listing = repo.tree(commit, path, false);
	if (!listing) throw new GitHubError(404, 'Not Found');
	const files = listing.map((t) => entry(t.path, t.type === 'tree' ? 'dir' : 'file', t.id, t.type === 'blob' ? Buffer.byteLength(commit.files.get(t.path) ?? '', 'utf8') : 0));
	// GitHub lists a directory by name, files and directories together.
	files.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
	ok(ctx, files);
}
