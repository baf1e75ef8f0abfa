// Instance-level GitLab endpoints: version, current user, groups and projects.
// Groups and projects are addressable by numeric id or URL-encoded full path.

import { GROUPS, PROJECTS, projectFullPath, type Group, type Project } from '../sim/catalog.js';
import type { Router } from '../http/router.js';
import { groupEntity, projectEntity } from './entities.js';
import { notFound, ok, queryParams, sendPage, type GitLabApi } from './context.js';

export const GITLAB_VERSION = { version: '17.5.2', revision: 'c6eae8a4', kas: { enabled: false, externalUrl: null, version: null }, enterprise: false };

export function findGroup(idOrPath: string): Group {
	const g = /^\d+$/.test(idOrPath) ? GROUPS.find((x) => x.id === Number(idOrPath)) : GROUPS.find((x) => x.path === idOrPath);
	if (!g) throw notFound('Group');
	return g;
}

export function findProject(idOrPath: string): Project {
	const p = /^\d+$/.test(idOrPath) ? PROJECTS.find((x) => x.id === Number(idOrPath)) : PROJECTS.find((x) => projectFullPath(x) === idOrPath);
	if (!p) throw notFound('Project');
	return p;
}

function matches(search: string | undefined, ...fields: string[]): boolean {
	if (!search) return true;
	const s = search.toLowerCase();
	return fields.some((f) => f.toLowerCase().includes(s));
}

export function namespaceRoutes(router: Router, api: GitLabApi): void {
	router.get('/version', ({ res }) => ok(res, GITLAB_VERSION));
	router.get('/metadata', ({ res }) => ok(res, GITLAB_VERSION));

	router.get('/groups', (ctx) => {
		const p = queryParams(ctx);
		const search = p.string('search');
		sendPage(ctx, p, GROUPS.filter((g) => matches(search, g.name, g.path)), (g) => groupEntity(g, api.webBase));
	});
	router.get('/groups/:id', (ctx) => ok(ctx.res, groupEntity(findGroup(ctx.params.id ?? ''), api.webBase)));
	// Groups have no subgroups here, so `include_subgroups` changes nothing.
	router.get('/groups/:id/projects', (ctx) => {
		const g = findGroup(ctx.params.id ?? '');
		const p = queryParams(ctx);
		const search = p.string('search');
		sendPage(ctx, p, PROJECTS.filter((x) => x.groupId === g.id && matches(search, x.name, projectFullPath(x))), (x) => projectEntity(x, api.webBase));
	});

	router.get('/projects', (ctx) => {
		const p = queryParams(ctx);
		const search = p.string('search');
		sendPage(ctx, p, PROJECTS.filter((x) => matches(search, x.name, projectFullPath(x))), (x) => projectEntity(x, api.webBase));
	});
	router.get('/projects/:id', (ctx) => ok(ctx.res, projectEntity(findProject(ctx.params.id ?? ''), api.webBase)));
}
