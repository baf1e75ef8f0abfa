// Draining an ARC scale set: ARC has no pause, so the lever is spec.maxRunners = 0.
// The replaced value is kept in an annotation on the AutoscalingRunnerSet itself, so
// undrain restores it whichever replica (or restart) handles the request.
import { z } from 'zod';
import { messageOf } from '$lib/core/errors';
import { parseScaleSetId, scaleSetSchema, type ScaleSet } from '$lib/core/scale-sets';
import type { AppContext } from '../app';
import { roleAtLeast } from '../auth/roles';
import type { KubernetesSource } from '../sync/kubernetes-source';
import type { MetricsScraper } from '../sync/metrics-scraper';
import { withFreshness } from '../fleet/freshness';
import type { Actor } from './actor';
import { audit } from './audit';
import { DomainError } from './errors';

export const undrainBody = z
	.strictObject({
		max_runners: z
			.number()
			.int()
			.min(1)
			.max(10_000)
			.optional()
			.meta({ description: 'The maxRunners to restore instead of the remembered one; above the remembered value this needs the admin role.' })
	})
	.prefault({});

/** A scale set with its listener's job counts: jobs assigned but not running are what a drain strands. */
export const scaleSetViewSchema = scaleSetSchema.extend({
	assigned_jobs: z.number().int().nullable(),
	running_jobs: z.number().int().nullable(),
	waiting_jobs: z.number().int().nullable().meta({ description: 'Assigned but not running: what a drain strands.' }),
	jobs_as_of: z.string().nullable()
});
export type ScaleSetView = z.infer<typeof scaleSetViewSchema>;

export type ScaleSetDeps = Pick<AppContext, 'kubernetes' | 'scraper' | 'sources' | 'store'>;

// The view of a scale set, kept while neither it (rebuilt per cluster change) nor its job
// counts (new per scrape) change: the list is read per request, for every scale set.
const views = new WeakMap<ScaleSet, { jobs: ReturnType<MetricsScraper['arcJobs']>; view: ScaleSetView }>();

function withJobs(deps: Pick<ScaleSetDeps, 'scraper'>, s: ScaleSet): ScaleSetView {
	const jobs = deps.scraper?.arcJobs(s.namespace, s.name) ?? null;
	const kept = views.get(s);
	if (kept && kept.jobs === jobs) return kept.view;
	const view = {
		...s,
		assigned_jobs: jobs?.assigned ?? null,
		running_jobs: jobs?.running ?? null,
		waiting_jobs: jobs ? Math.max(0, jobs.assigned - jobs.running) : null,
		jobs_as_of: jobs?.as_of ?? null
	};
	views.set(s, { jobs, view });
	return view;
}

export function allScaleSets(deps: ScaleSetDeps): ScaleSetView[] {
	return [...deps.kubernetes.values()].flatMap((k) => k.scaleSets()).map((s) => withJobs(deps, s));
}

function findScaleSet(deps: ScaleSetDeps, id: string): { source: KubernetesSource; scaleSet: ScaleSetView } {
	const parsed = parseScaleSetId(id);
	if (!parsed) throw new DomainError('invalid', 'invalid_id', 'scale set ids look like <source>:<namespace>:<name>');
	const source = deps.kubernetes.get(parsed.source);
	const found = source?.scaleSets().find((s) => s.id === id);
	if (!source || !found) throw new DomainError('not_found', 'not_found', `no scale set ${id}`);
	return { source, scaleSet: withJobs(deps, found) };
}

export function scaleSetDetail(deps: ScaleSetDeps, id: string) {
	const { source, scaleSet } = findScaleSet(deps, id);
	return { ...withFreshness(deps.sources, [scaleSet])[0]!, ephemeral_runners_list: source.ephemeralRunners(scaleSet) };
}

export async function drain(deps: ScaleSetDeps, actor: Actor, id: string): Promise<ScaleSetView> {
	const { source, scaleSet } = findScaleSet(deps, id);
	if (scaleSet.drained) throw new DomainError('conflict', 'already_drained', `${scaleSet.name} already has maxRunners 0`);
	return patch(deps, actor, 'scale_set.drain', source, scaleSet, { maxRunners: 0, previousMax: scaleSet.max_runners });
}

/**
 * Restores the maxRunners a drain replaced. An explicit value is for when nothing was
 * remembered; raising capacity above what was there before is an admin's decision.
 */
export async function undrain(deps: ScaleSetDeps, actor: Actor, id: string, maxRunners?: number): Promise<ScaleSetView> {
	const { source, scaleSet } = findScaleSet(deps, id);
	if (!scaleSet.drained) throw new DomainError('conflict', 'not_drained', `${scaleSet.name} is not drained (maxRunners ${scaleSet.max_runners})`);
	const remembered = scaleSet.previous_max_runners;
	const restore = maxRunners ?? remembered;
	if (!restore) throw new DomainError('conflict', 'no_previous_value', `${scaleSet.name} has no remembered maxRunners; give max_runners`);
	const raises = maxRunners !== undefined && (remembered === null || maxRunners > remembered);
	if (raises && !roleAtLeast(actor.principal?.role ?? 'viewer', 'admin')) {
		await audit(deps.store, actor, 'scale_set.undrain', scaleSet.id, 'denied', { reason: 'above remembered max', requested: maxRunners, remembered });
		throw new DomainError(
			'forbidden',
			'forbidden',
			remembered === null
				? `${scaleSet.name} has no remembered maxRunners; setting one needs the admin role`
				: `raising ${scaleSet.name} above its remembered maxRunners ${remembered} needs the admin role`
		);
	}
	return patch(deps, actor, 'scale_set.undrain', source, scaleSet, { maxRunners: restore, previousMax: null });
}

async function patch(
	deps: ScaleSetDeps,
	actor: Actor,
	action: string,
	source: KubernetesSource,
	scaleSet: ScaleSetView,
	change: { maxRunners: number; previousMax: number | null }
): Promise<ScaleSetView> {
	const detail = { from_max_runners: scaleSet.max_runners, to_max_runners: change.maxRunners, pending: scaleSet.pending, running: scaleSet.running, waiting_jobs: scaleSet.waiting_jobs };
	try {
		await source.patchScaleSet(scaleSet.namespace, scaleSet.name, change);
	} catch (e) {
		const message = messageOf(e);
		await audit(deps.store, actor, action, scaleSet.id, 'failure', { ...detail, error: message });
		throw new DomainError('upstream', 'upstream_error', `patching ${scaleSet.name} failed: ${message}`);
	}
	await audit(deps.store, actor, action, scaleSet.id, 'success', detail);
	return { ...scaleSet, max_runners: change.maxRunners, drained: change.maxRunners === 0, previous_max_runners: change.previousMax };
}
