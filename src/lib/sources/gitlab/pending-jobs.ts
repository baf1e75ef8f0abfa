// Jobs waiting for a runner on a GitLab source. GitLab's REST API lists them per project
// only (`GET /projects/:id/jobs?scope[]=pending`, read_api and Reporter in the project);
// there is no group or instance listing in REST, so the projects in the source's scope are
// walked: every project the token reads (`GET /projects`), a group's
// (`GET /groups/:id/projects`, subgroups included) or the configured projects.
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { mapLimit } from '$lib/core/map-limit';
import type { PendingJob } from '$lib/core/waiting-jobs';
import { UpstreamError } from '../errors';
import type { GitlabClient } from './client';
import type { GitlabScope } from './runners';

const PER_PAGE = 100;
const CONCURRENCY = 6;

const projectItem = z.looseObject({ id: z.number(), path_with_namespace: z.string() });
/** Paths of projects configured by id (`source\0id`); a project is rarely renamed or moved. */
const pathOfId = new LRUCache<string, string>({ max: 10_000, ttl: 3_600_000 });
const pendingJob = z.looseObject({
	id: z.number(),
	name: z.string(),
	status: z.string(),
	created_at: z.string(),
	web_url: z.string().nullable().optional(),
	tag_list: z.array(z.string()).default([])
});

interface ProjectRef {
	id: number | string;
	path: string;
}

async function projectsInScope(client: GitlabClient, source: string, scope: GitlabScope): Promise<{ projects: ProjectRef[]; requests: number }> {
	const parse = (raw: unknown) => {
		const parsed = z.array(projectItem).safeParse(raw);
		if (!parsed.success) throw new UpstreamError(source, 'invalid_response', `unexpected project list from GitLab: ${parsed.error.issues[0]?.message}`);
		return parsed.data.map((p) => ({ id: p.id, path: p.path_with_namespace }));
	};
	if (scope === 'all') return { projects: parse(await client.Projects.all({ perPage: PER_PAGE, simple: true } as never)), requests: 1 };
	if ('projects' in scope) {
		// A project configured by id is named by its path, as runners' scopes name projects; read once an hour.
		let requests = 0;
		const projects = await mapLimit(scope.projects, CONCURRENCY, async (p): Promise<ProjectRef> => {
			if (typeof p === 'string' && p.includes('/')) return { id: p, path: p };
			const key = `${source}\u0000${p}`;
			let path = pathOfId.get(key);
			if (path === undefined) {
				requests++;
				const parsed = projectItem.safeParse(await client.Projects.show(p));
				if (!parsed.success) throw new UpstreamError(source, 'invalid_response', `unexpected project ${p} from GitLab: ${parsed.error.issues[0]?.message}`);
				pathOfId.set(key, (path = parsed.data.path_with_namespace));
			}
			return { id: p, path };
		});
		return { projects, requests };
	}
	const byId = new Map<number | string, ProjectRef>();
	for (const g of scope.groups) for (const p of parse(await client.Groups.allProjects(g, { perPage: PER_PAGE, simple: true, includeSubgroups: true } as never))) byId.set(p.id, p);
	return { projects: [...byId.values()], requests: scope.groups.length };
}

/** Every pending job of the projects in scope, with its tags and creation time. */
export async function listPendingJobs(client: GitlabClient, source: string, scope: GitlabScope): Promise<{ jobs: PendingJob[]; requests: number; projects: number }> {
	const { projects, requests } = await projectsInScope(client, source, scope);
	const perProject = await mapLimit(projects, CONCURRENCY, async (p) => {
		const raw = await client.Jobs.all(p.id, { scope: ['pending'], perPage: PER_PAGE } as never);
		const parsed = z.array(pendingJob).safeParse(raw);
		if (!parsed.success) throw new UpstreamError(source, 'invalid_response', `unexpected job list of project ${p.path} from GitLab: ${parsed.error.issues[0]?.message}`);
		return parsed.data
			.filter((j) => j.status === 'pending')
			.map(
				(j): PendingJob => ({
					forge: 'gitlab',
					source,
					upstream_id: j.id,
					name: j.name,
					project: p.path,
					url: j.web_url ?? null,
					tags: [...j.tag_list].sort(),
					created_at: j.created_at
				})
			);
	});
	return { jobs: perProject.flat(), requests: requests + projects.length, projects: projects.length };
}
