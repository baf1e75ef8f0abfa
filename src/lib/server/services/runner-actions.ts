// Pausing and resuming runners. Each runner is its own upstream call with its own
// audit record and outcome: a failed call is reported as failed, never as done, and
// one failure does not stop the others.
import { z } from 'zod';
import { gitlabRunnerDetails, normalizeGitlabRunner } from '$lib/core/gitlab-runner';
import { mapLimit } from '$lib/core/map-limit';
import { parseRunnerId, type Runner } from '$lib/core/runner';
import { messageOf } from '$lib/core/errors';
import type { AppContext } from '../app';
import type { Actor } from './actor';
import { audit } from './audit';

export const MAX_BULK = 500;
const CONCURRENCY = 8;

export const pauseBody = z.strictObject({ note: z.string().max(1024).optional() }).prefault({});
export const bulkActionSchema = z.enum(['pause', 'resume']);
export const bulkBody = z.strictObject({
	action: bulkActionSchema,
	ids: z.array(z.string().max(300)).min(1, 'give at least one runner id').max(MAX_BULK, `at most ${MAX_BULK} runners at once`),
	note: z.string().max(1024).optional()
});

export const ACTION_RESULTS = ['done', 'not_found', 'unsupported', 'upstream_error', 'invalid_id'] as const;

export interface ActionOutcome {
	id: string;
	ok: boolean;
	/** `done`, or why not: `not_found`, `unsupported`, `upstream_error`, `invalid_id`. */
	result: (typeof ACTION_RESULTS)[number];
	message?: string;
	runner?: Runner;
}

export type RunnerActionDeps = Pick<AppContext, 'fleet' | 'gitlab' | 'bus' | 'logger' | 'store'>;

async function setPaused(deps: RunnerActionDeps, actor: Actor, id: string, paused: boolean, note: string | undefined): Promise<ActionOutcome> {
	const action = paused ? 'runner.pause' : 'runner.resume';
	const parsed = parseRunnerId(id);
	if (!parsed) return { id, ok: false, result: 'invalid_id', message: 'runner ids look like gitlab:<source>:<number>' };
	const { fleet, gitlab, bus, logger, store } = deps;
	const current = fleet.get(id);
	if (!current) return { id, ok: false, result: 'not_found', message: `no runner ${id}` };
	if (parsed.forge !== 'gitlab') {
		const message = 'GitHub has no API to pause a self-hosted runner; drain its scale set or remove it instead';
		await audit(store, actor, action, id, 'failure', { reason: 'unsupported' });
		return { id, ok: false, result: 'unsupported', message };
	}
	const source = gitlab.get(parsed.source);
	if (!source) return { id, ok: false, result: 'not_found', message: `no GitLab source ${parsed.source}` };
	try {
		const raw = await source.client.Runners.edit(parsed.upstreamId, { paused, ...(note !== undefined ? { maintenanceNote: note } : {}) } as never);
		const details = gitlabRunnerDetails.parse(raw);
		// Show the new state at once; the next sync refetches the details.
		const runner = { ...normalizeGitlabRunner(parsed.source, current.simulated, { ...details, status: current.status }, details), managers: current.managers };
		fleet.upsert(runner);
		source.sync.invalidate(parsed.upstreamId);
		bus.publish('runners.delta', { source: parsed.source, upserted: [runner], removed: [] });
		await audit(store, actor, action, id, 'success', { name: current.name, ...(note ? { note } : {}) });
		return { id, ok: true, result: 'done', runner };
	} catch (e) {
		const message = messageOf(e);
		logger.warn({ runner: id, err: message }, `${action} failed`);
		await audit(store, actor, action, id, 'failure', { name: current.name, error: message });
		return { id, ok: false, result: 'upstream_error', message };
	}
}

/** Pause or resume many runners with bounded concurrency; outcomes in the order of `ids`. */
export async function setPausedMany(deps: RunnerActionDeps, actor: Actor, ids: string[], paused: boolean, note?: string): Promise<ActionOutcome[]> {
	return mapLimit([...new Set(ids)], CONCURRENCY, (id) => setPaused(deps, actor, id, paused, note));
}
