// The organisation, its repositories, and instance-level endpoints (API root, meta,
// rate limit) — the minimum a GitHub client touches around the runner endpoints.

import type { Router } from '../http/router.js';
import { findRepo, REPOS } from '../sim/github/catalog.js';
import { notFound, ok, type GitHubApi } from './context.js';
import { linkHeader, pageOf, readPaging } from './pagination.js';
import { metaEntity, orgEntity, repoEntity } from './entities.js';
import { checkOrg } from './runners.js';

// Fields of full-repository that minimal-repository (the list items) does not have.
const FULL_ONLY = [
	'organization', 'network_count', 'subscribers_count', 'allow_squash_merge', 'allow_merge_commit', 'allow_rebase_merge', 'allow_auto_merge', 'allow_update_branch',
	'use_squash_pr_title_as_default', 'squash_merge_commit_message', 'squash_merge_commit_title', 'merge_commit_message', 'merge_commit_title'
];

export function orgRoutes(router: Router, api: GitHubApi): void {
	router.get('/', (ctx) => {
		const b = api.bases(ctx);
		ok(ctx, {
			current_user_url: `${b.api}/user`,
			organization_url: `${b.api}/orgs/{org}`,
			organization_repositories_url: `${b.api}/orgs/{org}/repos{?type,page,per_page,sort}`,
			rate_limit_url: `${b.api}/rate_limit`,
			repository_url: `${b.api}/repos/{owner}/{repo}`
		});
	});
	router.get('/meta', (ctx) => ok(ctx, metaEntity()));
	router.get('/rate_limit', (ctx) => {
		const core = api.rate.peek();
		ok(ctx, { resources: { core, search: { limit: 30, remaining: 30, reset: core.reset, used: 0 } }, rate: core });
	});
	router.get('/orgs/:org', (ctx) => {
		checkOrg(ctx);
		ok(ctx, orgEntity(api.bases(ctx)));
	});
	// minimal-repository items: the full entity without what only GET /repos/{owner}/{repo} adds.
	router.get('/orgs/:org/repos', (ctx) => {
		checkOrg(ctx);
		const p = readPaging(ctx.url.searchParams);
		const link = linkHeader(ctx, p, REPOS.length);
		const items = pageOf([...REPOS], p).map((r) => {
			const full: Record<string, unknown> = repoEntity(r, api.bases(ctx), api.world.clock.originMs);
			for (const k of FULL_ONLY) delete full[k];
			return full;
		});
		ok(ctx, items, link ? { Link: link } : {});
	});
	router.get('/repos/:owner/:repo', (ctx) => {
		const repo = findRepo(ctx.params.owner ?? '', ctx.params.repo ?? '');
		if (!repo) throw notFound();
		ok(ctx, repoEntity(repo, api.bases(ctx), api.world.clock.originMs));
	});
}
