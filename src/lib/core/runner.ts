// One runner model across forges. Ids are stable: forge, source and upstream id.

export type Forge = 'gitlab' | 'github';
export type RunnerStatus = 'online' | 'offline' | 'stale' | 'never_contacted';
export type RunnerType = 'instance_type' | 'group_type' | 'project_type' | 'repository' | 'organization' | 'enterprise';

export interface RunnerManager {
	system_id: string;
	version: string | null;
	status: string | null;
	contacted_at: string | null;
	ip_address: string | null;
}

export interface Runner {
	id: string;
	forge: Forge;
	source: string;
	upstream_id: number;
	name: string;
	description: string;
	status: RunnerStatus;
	paused: boolean;
	busy: boolean | null;
	type: RunnerType;
	tags: string[];
	version: string | null;
	ip_address: string | null;
	contacted_at: string | null;
	ephemeral: boolean;
	scale_set: string | null;
	managers: RunnerManager[];
	simulated: boolean;
}

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
		a.simulated === b.simulated &&
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
