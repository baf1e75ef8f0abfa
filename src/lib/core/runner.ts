// One runner model across forges. Ids are stable: forge, source and upstream id.
// The schema is the API's contract too: types, OpenAPI and the typed client come from it.

import { z } from 'zod';

export const FORGES = ['gitlab', 'github'] as const;
export const forgeSchema = z.enum(FORGES);
export type Forge = z.infer<typeof forgeSchema>;

/** GitLab's runner statuses; GitHub runners are `online` or `offline`. */
export const RUNNER_STATUSES = ['online', 'offline', 'stale', 'never_contacted'] as const;
export type RunnerStatus = (typeof RUNNER_STATUSES)[number];
export const RUNNER_TYPES = ['instance_type', 'group_type', 'project_type', 'repository', 'organization', 'enterprise'] as const;
export type RunnerType = (typeof RUNNER_TYPES)[number];

export const runnerManagerSchema = z.object({
	system_id: z.string(),
	version: z.string().nullable(),
	status: z.string().nullable(),
	contacted_at: z.string().nullable(),
	ip_address: z.string().nullable()
});
export type RunnerManager = z.infer<typeof runnerManagerSchema>;

export const runnerSchema = z.object({
	id: z.string().meta({ description: '`<forge>:<source>:<upstream id>`', example: 'gitlab:sandbox-gitlab:1001' }),
	forge: forgeSchema,
	source: z.string(),
	upstream_id: z.number().int(),
	name: z.string(),
	description: z.string(),
	status: z.enum(RUNNER_STATUSES),
	paused: z.boolean(),
	/** GitHub's `busy`; GitLab runners have no such flag (null). */
	busy: z.boolean().nullable(),
	type: z.enum(RUNNER_TYPES),
	tags: z.array(z.string()),
	version: z.string().nullable(),
	ip_address: z.string().nullable(),
	contacted_at: z.string().nullable(),
	ephemeral: z.boolean(),
	/** The ARC scale set of an ephemeral runner, else null. */
	scale_set: z.string().nullable(),
	/** GitLab's run_untagged: whether it takes jobs without tags (null: GitHub, or details not read yet). */
	run_untagged: z.boolean().nullable(),
	/** Whose jobs a GitLab project or group runner takes: its projects' or groups' full paths (a group's include its subgroups); empty for instance runners and GitHub. */
	scope: z.array(z.string()),
	managers: z.array(runnerManagerSchema),
	simulated: z.boolean()
});
export type Runner = z.infer<typeof runnerSchema>;

const sameList = <T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean) => a.length === b.length && a.every((x, i) => same(x, b[i]!));
const sameManager = (a: RunnerManager, b: RunnerManager) =>
	a.system_id === b.system_id && a.version === b.version && a.status === b.status && a.contacted_at === b.contacted_at && a.ip_address === b.ip_address;

/** Whether two readings of a runner are equal in every field (cheaper than comparing serialisations at fleet scale). */
export function sameRunner(a: Runner, b: Runner): boolean {
	return (
		a.id === b.id &&
		a.forge === b.forge &&
		a.source === b.source &&
		a.upstream_id === b.upstream_id &&
		a.name === b.name &&
		a.description === b.description &&
		a.status === b.status &&
		a.paused === b.paused &&
		a.busy === b.busy &&
		a.type === b.type &&
		a.version === b.version &&
		a.ip_address === b.ip_address &&
		a.contacted_at === b.contacted_at &&
		a.ephemeral === b.ephemeral &&
		a.scale_set === b.scale_set &&
		a.run_untagged === b.run_untagged &&
		a.simulated === b.simulated &&
		sameList(a.scope, b.scope, (x, y) => x === y) &&
		sameList(a.tags, b.tags, (x, y) => x === y) &&
		sameList(a.managers, b.managers, sameManager)
	);
}

/** The dashboard's id for a runner: `<forge>:<source>:<upstream id>`. */
export function runnerId(forge: Forge, source: string, upstreamId: number | string): string {
	return `${forge}:${source}:${upstreamId}`;
}

export function parseRunnerId(id: string): { forge: Forge; source: string; upstreamId: number } | null {
	const m = /^(gitlab|github):([a-z0-9][a-z0-9-]*):(\d+)$/.exec(id);
	return m ? { forge: m[1] as Forge, source: m[2]!, upstreamId: Number(m[3]) } : null;
}
