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

/** The dashboard's id for a runner: `<forge>:<source>:<upstream id>`. */
export function runnerId(forge: Forge, source: string, upstreamId: number | string): string {
	return `${forge}:${source}:${upstreamId}`;
}

export function parseRunnerId(id: string): { forge: Forge; source: string; upstreamId: number } | null {
	const m = /^(gitlab|github):([a-z0-9][a-z0-9-]*):(\d+)$/.exec(id);
	return m ? { forge: m[1] as Forge, source: m[2]!, upstreamId: Number(m[3]) } : null;
}
