// Draining an ARC scale set: ARC has no pause, so the lever is spec.maxRunners = 0.
// The replaced value is kept in an annotation on the AutoscalingRunnerSet itself, so
// undrain restores it whichever replica (or restart) handles the request.
import type { RequestEvent } from '@sveltejs/kit';
import { z } from 'zod';
import { parseScaleSetId, type ScaleSet } from '$lib/core/scale-sets';
import { app } from '../app';
import { audit } from '../http/audit';
import { ApiError } from '../http/errors';
import { withFreshness } from '../fleet/freshness';

export const undrainBody = z.strictObject({ max_runners: z.number().int().min(1).max(10_000).optional() }).prefault({});

export type ScaleSetView = ScaleSet & { assigned_jobs: number | null; running_jobs: number | null; waiting_jobs: number | null; jobs_as_of: string | null };

/** A scale set with its listener's job counts: jobs assigned but not running are what a drain strands. */
function withJobs(s: ScaleSet): ScaleSetView {
	const jobs = app().scraper?.arcJobs(s.namespace, s.name) ?? null;
	return {
		...s,
		assigned_jobs: jobs?.assigned ?? null,
		running_jobs: jobs?.running ?? null,
		waiting_jobs: jobs ? Math.max(0, jobs.assigned - jobs.running) : null,
		jobs_as_of: jobs?.as_of ?? null
	};
}

export function allScaleSets(): ScaleSetView[] {
	return [...app().kubernetes.values()].flatMap((k) => k.scaleSets()).map(withJobs);
}

export function findScaleSet(id: string) {
	const parsed = parseScaleSetId(id);
	if (!parsed) throw new ApiError(400, 'invalid_id', 'scale set ids look like <source>:<namespace>:<name>');
	const source = app().kubernetes.get(parsed.source);
	const found = source?.scaleSets().find((s) => s.id === id);
	if (!source || !found) throw new ApiError(404, 'not_found', `no scale set ${id}`);
	return { source, scaleSet: withJobs(found) };
}

export function scaleSetDetail(id: string) {
	const { source, scaleSet } = findScaleSet(id);
	return { ...withFreshness([scaleSet])[0]!, ephemeral_runners_list: source.ephemeralRunners(scaleSet) };
}

export async function drain(event: RequestEvent, id: string): Promise<ScaleSetView> {
	const { source, scaleSet } = findScaleSet(id);
	if (scaleSet.drained) throw new ApiError(409, 'already_drained', `${scaleSet.name} already has maxRunners 0`);
	return patch(event, 'scale_set.drain', source, scaleSet, { maxRunners: 0, previousMax: scaleSet.max_runners });
}

export async function undrain(event: RequestEvent, id: string, maxRunners?: number): Promise<ScaleSetView> {
	const { source, scaleSet } = findScaleSet(id);
	if (!scaleSet.drained) throw new ApiError(409, 'not_drained', `${scaleSet.name} is not drained (maxRunners ${scaleSet.max_runners})`);
	const restore = maxRunners ?? scaleSet.previous_max_runners;
	if (!restore) throw new ApiError(409, 'no_previous_value', `${scaleSet.name} has no remembered maxRunners; give max_runners`);
	return patch(event, 'scale_set.undrain', source, scaleSet, { maxRunners: restore, previousMax: null });
}

async function patch(
	event: RequestEvent,
	action: string,
	source: ReturnType<typeof findScaleSet>['source'],
	scaleSet: ScaleSetView,
	change: { maxRunners: number; previousMax: number | null }
): Promise<ScaleSetView> {
	const detail = { from_max_runners: scaleSet.max_runners, to_max_runners: change.maxRunners, pending: scaleSet.pending, running: scaleSet.running, waiting_jobs: scaleSet.waiting_jobs };
	try {
		await source.patchScaleSet(scaleSet.namespace, scaleSet.name, change);
	} catch (e) {
		const message = e instanceof Error ? e.message : String(e);
		await audit(event, action, scaleSet.id, 'failure', { ...detail, error: message });
		throw new ApiError(502, 'upstream_error', `patching ${scaleSet.name} failed: ${message}`);
	}
	await audit(event, action, scaleSet.id, 'success', detail);
	return { ...scaleSet, max_runners: change.maxRunners, drained: change.maxRunners === 0, previous_max_runners: change.previousMax };
}
