// Self-hosted runner endpoints: org and repository runner lists (with the `name`
// filter), one runner, runner groups and a group's runners. Lists answer
// `{ total_count, runners }` one page at a time, with GitHub's Link header.

import type { Ctx, Router } from '../http/router.js';
import { ORG, RUNNER_GROUPS, findRepo, repoFullName } from '../sim/github/catalog.js';
import type { ListedRunner } from '../sim/github/sim.js';
import { GitHubError, notFound, ok, type GitHubApi } from './context.js';
import { runnerEntity, runnerGroupEntity } from './entities.js';
import { linkHeader, pageOf, readPaging } from './pagination.js';

export function checkOrg(ctx: Ctx): void {
	if ((ctx.params.org ?? '').toLowerCase() !== ORG.login) throw notFound();
}

function sendRunners(ctx: Ctx, api: GitHubApi, all: ListedRunner[]): void {
	const name = ctx.url.searchParams.get('name');
	const matching = name === null ? all : all.filter((r) => r.runner.name === name);
	const p = readPaging(ctx.url.searchParams);
	const link = linkHeader(ctx, p, matching.length);
	ok(
		ctx,
		{ total_count: matching.length, runners: pageOf(matching, p).map((r) => runnerEntity(r, api.world.github)) },
		link ? { Link: link } : {}
	);
}

function runnerId(ctx: Ctx): number {
	const raw = ctx.params.runner_id ?? '';
	if (!/^\d+$/.test(raw)) throw notFound();
	return Number(raw);
}

function groupOf(ctx: Ctx) {
	const raw = ctx.params.group_id ?? '';
	const g = /^\d+$/.test(raw) ? RUNNER_GROUPS.find((x) => x.id === Number(raw)) : undefined;
	if (!g) throw notFound();
	return g;
}

/** Deletes for real (204); a runner running a job is refused as GitHub refuses it. */
function removeRunner(ctx: Ctx, api: GitHubApi, listed: ListedRunner): void {
	if (!api.world.github.removeRunner(listed, api.world.stepTime())) {
		throw new GitHubError(422, `Bad request - Runner "${listed.runner.name}" is still running a job`);
	}
	ctx.res.statusCode = 204;
	ctx.res.end();
}

export function runnerRoutes(router: Router, api: GitHubApi): void {
	const gh = () => api.world.github;

	router.get('/orgs/:org/actions/runners', (ctx) => {
		checkOrg(ctx);
		sendRunners(ctx, api, gh().orgRunners());
	});
	router.get('/orgs/:org/actions/runners/:runner_id', (ctx) => {
		checkOrg(ctx);
		const id = runnerId(ctx);
		const plain = gh().runner(id);
		if (plain && plain.repo === null) return ok(ctx, runnerEntity({ kind: 'plain', runner: plain }, gh()));
		const eph = gh().ephemeralRunner(id);
		if (eph) return ok(ctx, runnerEntity({ kind: 'ephemeral', runner: eph }, gh()));
		throw notFound();
	});

	router.on('DELETE', '/orgs/:org/actions/runners/:runner_id', (ctx) => {
		checkOrg(ctx);
		const id = runnerId(ctx);
		const plain = gh().runner(id);
		const eph = gh().ephemeralRunner(id);
		const listed: ListedRunner | undefined = plain && plain.repo === null ? { kind: 'plain', runner: plain } : eph ? { kind: 'ephemeral', runner: eph } : undefined;
		if (!listed) throw notFound();
		removeRunner(ctx, api, listed);
	});
	router.on('DELETE', '/repos/:owner/:repo/actions/runners/:runner_id', (ctx) => {
		const repo = findRepo(ctx.params.owner ?? '', ctx.params.repo ?? '');
		if (!repo) throw notFound();
		const r = gh().runner(runnerId(ctx));
		if (!r || r.repo !== repoFullName(repo)) throw notFound();
		removeRunner(ctx, api, { kind: 'plain', runner: r });
	});

	router.get('/repos/:owner/:repo/actions/runners', (ctx) => {
		const repo = findRepo(ctx.params.owner ?? '', ctx.params.repo ?? '');
		if (!repo) throw notFound();
		sendRunners(ctx, api, gh().repoRunners(repoFullName(repo)));
	});
	router.get('/repos/:owner/:repo/actions/runners/:runner_id', (ctx) => {
		const repo = findRepo(ctx.params.owner ?? '', ctx.params.repo ?? '');
		if (!repo) throw notFound();
		const r = gh().runner(runnerId(ctx));
		if (!r || r.repo !== repoFullName(repo)) throw notFound();
		ok(ctx, runnerEntity({ kind: 'plain', runner: r }, gh()));
	});

	// GitHub documents `runner-groups`; older URLs (and its own examples) say `runner_groups`.
	for (const seg of ['runner-groups', 'runner_groups']) {
		router.get(`/orgs/:org/actions/${seg}`, (ctx) => {
			checkOrg(ctx);
			const p = readPaging(ctx.url.searchParams);
			const link = linkHeader(ctx, p, RUNNER_GROUPS.length);
			const b = api.bases(ctx);
			ok(ctx, { total_count: RUNNER_GROUPS.length, runner_groups: pageOf(RUNNER_GROUPS, p).map((g) => runnerGroupEntity(g, b)) }, link ? { Link: link } : {});
		});
		router.get(`/orgs/:org/actions/${seg}/:group_id`, (ctx) => {
			checkOrg(ctx);
			ok(ctx, runnerGroupEntity(groupOf(ctx), api.bases(ctx)));
		});
		router.get(`/orgs/:org/actions/${seg}/:group_id/runners`, (ctx) => {
			checkOrg(ctx);
			const g = groupOf(ctx);
			sendRunners(
				ctx,
				api,
				gh()
					.orgRunners()
					.filter((r) => r.runner.groupId === g.id)
			);
		});
	}
}
