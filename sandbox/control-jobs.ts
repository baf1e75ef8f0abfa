// /_sandbox/jobs: the waiting jobs as the simulation knows them (GET), and jobs added
// out of band (POST) — e.g. jobs asking for tags no runner has, already waiting some
// minutes — so a test can make "no runner has tags [x, y]" happen on demand.

import { z } from 'zod';
import { BodyError } from './http/body.js';
import { sendJson } from './http/respond.js';
import type { Ctx, Router } from './http/router.js';
import { PROJECTS, projectFullPath } from './sim/catalog.js';
import { DAY, iso } from './sim/clock.js';
import { REPOS, repoFullName } from './sim/github/catalog.js';
import type { World } from './sim/world.js';
import { waitingTruth } from './truth.js';

type ReadBody = <T>(ctx: Ctx, schema: z.ZodType<T>) => Promise<T>;

export const MAX_ADDED_JOBS = 1000;
/** Older jobs would be failed (GitLab) or cancelled (GitHub) as stuck on the next step. */
export const MAX_AGE_S = DAY / 1000 - 3600;

const names = (what: string) => z.array(z.string({ error: `${what} items must be strings` }).trim().min(1, `${what} items must not be empty`), { error: `${what} must be an array of strings` });
const common = {
	count: z
		.number({ error: 'count must be a number' })
		.int('count must be a whole number')
		.min(1, 'count must be at least 1')
		.max(MAX_ADDED_JOBS, `count must be at most ${MAX_ADDED_JOBS}`)
		.optional(),
	age_s: z
		.number({ error: 'age_s must be a number' })
		.finite()
		.min(0, 'age_s must be at least 0')
		.max(MAX_AGE_S, `age_s must be at most ${MAX_AGE_S} (23 hours)`)
		.optional(),
	name: z.string({ error: 'name must be a string' }).trim().min(1, 'name must not be empty').max(255, 'name must be at most 255 characters').optional()
};

const GitLabJobs = z.strictObject({
	forge: z.literal('gitlab'),
	project: z.union([z.string(), z.number()], { error: `project is required: an id or full path (${PROJECTS.map(projectFullPath).join(', ')})` }),
	tags: names('tags'),
	ref: z.string({ error: 'ref must be a string' }).trim().min(1, 'ref must not be empty').optional(),
	...common
});

const GitHubJobs = z.strictObject({
	forge: z.literal('github'),
	repo: z.string({ error: `repo is required: ${REPOS.map(repoFullName).join(' or ')}` }),
	labels: names('labels').min(1, 'labels must name at least one label'),
	...common
});

const Forge = z.looseObject({ forge: z.enum(['gitlab', 'github'], { error: 'forge must be gitlab or github' }) });

export function jobControlRoutes(router: Router, world: World, body: ReadBody): void {
	router.get('/jobs', (ctx) => sendJson(ctx.res, 200, waitingTruth(world)));

	router.post('/jobs', async (ctx) => {
		// Read once: the body stream cannot be read twice, so check `forge` on the parsed object.
		const raw = await body(ctx, z.looseObject({}));
		const forge = Forge.safeParse(raw);
		if (!forge.success) throw new BodyError('forge must be gitlab or github');
		const schema: z.ZodType<z.infer<typeof GitLabJobs> | z.infer<typeof GitHubJobs>> = forge.data.forge === 'gitlab' ? GitLabJobs : GitHubJobs;
		const parsed = schema.safeParse(raw);
		if (!parsed.success) throw new BodyError(parsed.error.issues.map((i) => (i.path.length && !i.message.includes(String(i.path[0])) ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
		const b = parsed.data;
		const count = b.count ?? 1;
		const at = world.now() - Math.round((b.age_s ?? 0) * 1000);

		if (b.forge === 'gitlab') {
			const key = String(b.project);
			const project = PROJECTS.find((p) => String(p.id) === key || projectFullPath(p) === key);
			if (!project) throw new BodyError(`no project ${key}; projects: ${PROJECTS.map((p) => `${projectFullPath(p)} (${p.id})`).join(', ')}`);
			const jobs = world.gitlab.addPending({ project, tags: b.tags, name: b.name ?? 'build', ref: b.ref }, count, at);
			if (typeof jobs === 'string') throw new BodyError(jobs, 409);
			return sendJson(ctx.res, 200, { forge: 'gitlab', project: projectFullPath(project), tags: b.tags, created_at: iso(at), job_ids: jobs.map((j) => j.id) });
		}
		const repo = REPOS.find((r) => repoFullName(r).toLowerCase() === b.repo.toLowerCase());
		if (!repo) throw new BodyError(`no repository ${b.repo}; repositories: ${REPOS.map(repoFullName).join(', ')}`);
		const jobs = world.github.addQueued(repoFullName(repo), b.labels, b.name ?? 'build', count, at);
		if (typeof jobs === 'string') throw new BodyError(jobs, 409);
		const target = jobs[0]?.target;
		sendJson(ctx.res, 200, {
			forge: 'github',
			repo: repoFullName(repo),
			labels: b.labels,
			scale_set: target?.kind === 'scale_set' ? target.name : null,
			created_at: iso(at),
			job_ids: jobs.map((j) => j.id),
			run_ids: jobs.map((j) => j.runId)
		});
	});
}
