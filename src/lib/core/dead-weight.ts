// Dead weight: runners nobody has heard from for days, which only clutter the fleet and
// the forge. GitLab says when it last heard from a runner (`contacted_at`); a runner that
// never contacted counts once GitLab calls it `stale` (registered over 7 days ago: GitLab's
// REST shows no registration time). GitHub shows no last contact, so its runners count
// from when the dashboard first saw them offline (`offlineSince`).
import { z } from 'zod';
import { parseRunnerId, runnerSchema, type Runner } from './runner';

const DAY_MS = 86_400_000;

export const deadRunnerSchema = runnerSchema
	.pick({ id: true, forge: true, source: true, name: true, status: true, type: true, version: true, contacted_at: true, paused: true })
	.extend({
		/** The last sign of life: GitLab's last contact, or when the dashboard first saw a GitHub runner offline. */
		silent_since: z.string().nullable(),
		silent_days: z.number().nullable().meta({ description: 'Days since `silent_since`; null for a runner that never contacted.' })
	});
export type DeadRunner = z.infer<typeof deadRunnerSchema>;

/** When a runner was last heard from, or null when it never was; undefined when nothing is known. */
function silentSince(r: Runner, offlineSince: (id: string) => number | undefined): number | null | undefined {
	if (r.forge === 'gitlab') return r.contacted_at ? Date.parse(r.contacted_at) : r.status === 'stale' ? null : undefined;
	return offlineSince(r.id);
}

/**
 * What to change in the stored first-seen-offline times of GitHub runners: runners offline
 * now and not stored yet get `now`; stored runners online again or gone are cleared — but
 * only for sources the fleet has read (`read`), so a restart's empty fleet forgets nothing.
 * Steady runners change nothing: writes happen on transitions only.
 */
export function offlineTransitions(
	stored: ReadonlyMap<string, number>,
	runners: Iterable<Runner>,
	read: (source: string) => boolean,
	now: number
): { set: [string, number][]; clear: string[] } {
	const offline = new Set<string>();
	const set: [string, number][] = [];
	for (const r of runners) {
		if (r.forge !== 'github' || r.status === 'online') continue;
		offline.add(r.id);
		if (!stored.has(r.id)) set.push([r.id, now]);
	}
	const clear: string[] = [];
	for (const id of stored.keys()) {
		const source = parseRunnerId(id)?.source;
		if (!offline.has(id) && (source === undefined || read(source))) clear.push(id);
	}
	return { set, clear };
}

/** Runners not online and silent for more than `days`, longest silent first (never contacted first of all). */
export function deadWeight(runners: Iterable<Runner>, days: number, now: number, offlineSince: (id: string) => number | undefined = () => undefined): DeadRunner[] {
	const out: DeadRunner[] = [];
	for (const r of runners) {
		if (r.status === 'online' || r.ephemeral) continue;
		const since = silentSince(r, offlineSince);
		if (since === undefined || (since !== null && now - since <= days * DAY_MS)) continue;
		out.push({
			id: r.id,
			forge: r.forge,
			source: r.source,
			name: r.name,
			status: r.status,
			type: r.type,
			version: r.version,
			contacted_at: r.contacted_at,
			paused: r.paused,
			silent_since: since === null ? null : new Date(since).toISOString(),
			silent_days: since === null ? null : Math.floor(((now - since) / DAY_MS) * 10) / 10
		});
	}
	return out.sort((a, b) => (a.silent_since ?? '').localeCompare(b.silent_since ?? '') || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The words an admin types to confirm deleting `count` runners. */
export function deleteConfirmation(count: number): string {
	return `delete ${count} runner${count === 1 ? '' : 's'}`;
}
