// GitHub self-hosted runners (org, repo or enterprise scope) to the dashboard's runner model.
import { z } from 'zod';
import { runnerId, type Runner, type RunnerType } from './runner';

export const githubRunner = z.looseObject({
	id: z.number(),
	name: z.string(),
	os: z.string().nullable().optional(),
	status: z.string(),
	busy: z.boolean(),
	ephemeral: z.boolean().optional(),
	runner_group_id: z.number().nullable().optional(),
	version: z.string().nullable().optional(),
	labels: z.array(z.looseObject({ name: z.string(), type: z.string().optional() })).default([])
});

export type GithubRunner = z.infer<typeof githubRunner>;

export type GithubScopeKind = 'organization' | 'repository' | 'enterprise';

/** GitHub knows only online and offline; busy is separate. */
export function normalizeGithubRunner(source: string, simulated: boolean, scope: GithubScopeKind, r: GithubRunner): Runner {
	return {
		id: runnerId('github', source, r.id),
		forge: 'github',
		source,
		upstream_id: r.id,
		name: r.name,
		description: r.os ? `${r.os} runner` : '',
		status: r.status === 'online' ? 'online' : 'offline',
		paused: false,
		busy: r.busy,
		type: scope as RunnerType,
		tags: r.labels.map((l) => l.name).sort(),
		version: r.version ?? null,
		ip_address: null,
		contacted_at: null,
		ephemeral: r.ephemeral ?? false,
		scale_set: null,
		run_untagged: null,
		scope: [],
		managers: [],
		simulated
	};
}
