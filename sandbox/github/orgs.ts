// The organisation, its repositories, and instance-level endpoints (API root, meta,
// rate limit) — the minimum a GitHub client touches around the runner endpoints.

import type { Router } from '../http/router.js';
import { findRepo } from '../sim/github/catalog.js';
import { notFound, ok, type GitHubApi } from './context.js';
import { metaEntity, orgEntity, repoEntity } from './entities.js';
import { checkOrg } from './runners.js';

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
	router.get('/repos/:owner/:repo', (ctx) => {
		const repo = findRepo(ctx.params.owner ?? '', ctx.params.repo ?? '');
		if (!repo) throw notFound();
		ok(ctx, repoEntity(repo, api.bases(ctx), api.world.clock.originMs));
	});
}
