// GitLab runner objects (list item + details + managers) to the dashboard's runner model.
import { z } from 'zod';
import { RUNNER_STATUSES, runnerId, type Runner, type RunnerStatus, type RunnerType } from './runner';

export const gitlabRunnerListItem = z.looseObject({
	id: z.number(),
	description: z.string().nullable().optional(),
	name: z.string().nullable().optional(),
	ip_address: z.string().nullable().optional(),
	paused: z.boolean().optional(),
	active: z.boolean().optional(),
	runner_type: z.enum(['instance_type', 'group_type', 'project_type']),
	online: z.boolean().nullable().optional(),
	status: z.string()
});

export const gitlabRunnerDetails = gitlabRunnerListItem.extend({
	tag_list: z.array(z.string()).default([]),
	version: z.string().nullable().optional(),
	contacted_at: z.string().nullable().optional(),
	maintenance_note: z.string().nullable().optional(),
	run_untagged: z.boolean().optional(),
	/** A project runner's projects. */
	projects: z.array(z.looseObject({ path_with_namespace: z.string() })).optional(),
	/** A group runner's group; GitLab gives its web URL (`…/groups/<full path>`), not its path. */
	groups: z.array(z.looseObject({ web_url: z.string() })).optional()
});

export const gitlabRunnerManager = z.looseObject({
	system_id: z.string(),
	version: z.string().nullable().optional(),
	status: z.string().nullable().optional(),
	contacted_at: z.string().nullable().optional(),
	ip_address: z.string().nullable().optional()
});

export type GitlabRunnerListItem = z.infer<typeof gitlabRunnerListItem>;
export type GitlabRunnerDetails = z.infer<typeof gitlabRunnerDetails>;


/** GitLab reports paused separately; `active` is the deprecated inverse. */
export function isPaused(r: GitlabRunnerListItem): boolean {
	return r.paused ?? (r.active === undefined ? false : !r.active);
}

/**
 * What, in a list item, means the cached details are out of date. A status change
 * counts: the list has no contacted_at, and a runner going offline or coming back is
 * exactly when its last contact matters. Steady runners cost nothing per cycle.
 */
export function listFingerprint(r: GitlabRunnerListItem): string {
	return JSON.stringify([r.description, r.name, r.runner_type, isPaused(r), r.ip_address, r.status]);
}

/** A group's full path from its web URL (`https://host/groups/a/b` → `a/b`), or null. */
export function groupPathOf(webUrl: string): string | null {
	const i = webUrl.indexOf('/groups/');
	return i < 0 ? null : decodeURIComponent(webUrl.slice(i + '/groups/'.length).replace(/\/+$/, '')) || null;
}

/** Whose jobs a runner takes, from its details: project runners their projects, group runners their groups, instance runners anyone's (empty). */
function scopeOf(type: string, details: GitlabRunnerDetails | undefined): string[] {
	if (!details) return [];
	if (type === 'project_type') return (details.projects ?? []).map((p) => p.path_with_namespace).sort();
	if (type === 'group_type') return (details.groups ?? []).flatMap((g) => groupPathOf(g.web_url) ?? []).sort();
	return [];
}

/** Merge a fresh list item (status, paused) with the last fetched details (tags, version). */
export function normalizeGitlabRunner(
	source: string,
	simulated: boolean,
	item: GitlabRunnerListItem,
	details: GitlabRunnerDetails | undefined
): Runner {
	const status = (RUNNER_STATUSES as readonly string[]).includes(item.status) ? (item.status as RunnerStatus) : 'offline';
	const name = item.description || item.name || `runner ${item.id}`;
	return {
		id: runnerId('gitlab', source, item.id),
		forge: 'gitlab',
		source,
		upstream_id: item.id,
		name,
		description: item.description ?? '',
		status,
		paused: isPaused(item),
		busy: null,
		type: item.runner_type as RunnerType,
		tags: details ? [...details.tag_list].sort() : [],
		version: details?.version ?? null,
		ip_address: item.ip_address ?? details?.ip_address ?? null,
		contacted_at: details?.contacted_at ?? null,
		ephemeral: false,
		scale_set: null,
		run_untagged: details?.run_untagged ?? null,
		scope: scopeOf(item.runner_type, details),
		managers: [],
		simulated
	};
}
