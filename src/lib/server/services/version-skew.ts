// Version skew as operators read it: each runner marked outdated or not against its
// forge's reference version, the references themselves, and the count per runner type
// (the Capacity page's groups: GitLab runner HPAs' types and ARC scale sets).
import { z } from 'zod';
import { deploymentOf } from '$lib/core/autoscalers/views';
import { forgeSchema, type Runner } from '$lib/core/runner';
import { skewByRunnerType, skewByTypeSchema, skewCountSchema, type RunnerTypeOf } from '$lib/core/version-skew';
import { outdatedSchema, type Outdated } from '$lib/core/versions';
import type { AppContext } from '../app';

export const outdatedFields = { outdated: outdatedSchema };

/** Runners as the API lists them: each with whether it is behind its forge. */
export function withOutdated<T extends Runner>(items: T[], outdatedOf: (r: Runner) => Outdated): (T & { outdated: Outdated })[] {
	return items.map((r) => ({ ...r, outdated: outdatedOf(r) }));
}

export type SkewDeps = Pick<AppContext, 'config' | 'fleet' | 'forgeVersions' | 'autoscalers' | 'kubernetes'>;

/** The runner types the watched clusters show: each GitLab runner HPA's Deployment, each ARC scale set. */
export function runnerTypes(app: Pick<AppContext, 'autoscalers' | 'kubernetes'>): RunnerTypeOf[] {
	const out: RunnerTypeOf[] = [];
	for (const a of app.autoscalers.list()) if (a.kind === 'hpa') out.push({ forge: 'gitlab', group: a.group, match: [deploymentOf(a)] });
	// ARC labels its runners with the scale set's runnerScaleSetName; the capacity group is the object's name.
	for (const k of app.kubernetes.values()) for (const s of k.scaleSets()) out.push({ forge: 'github', group: s.name, match: [...new Set([s.name, s.scale_set_name])] });
	return out;
}

export const versionSkewSchema = z.object({
	references: z.array(
		z.object({
			source: z.string(),
			forge: forgeSchema,
			version: z.string().nullable().meta({ description: 'What the source’s runners are held against; null while not known.' })
		})
	),
	by_runner_type: z.array(skewByTypeSchema),
	outside_types: z.object({ gitlab: skewCountSchema, github: skewCountSchema }).meta({ description: 'Runners in no runner type the clusters show (plain GitHub runners, runners of unwatched Deployments).' })
});
export type VersionSkew = z.infer<typeof versionSkewSchema>;

// Kept while the fleet, the references and the runner types stay: a count walks every runner.
const kept = new WeakMap<object, { key: string; answer: VersionSkew }>();

export function versionSkew(app: SkewDeps): VersionSkew {
	const types = runnerTypes(app);
	const key = `${app.fleet.version}\u0000${app.forgeVersions.generation()}\u0000${JSON.stringify(types)}`;
	const hit = kept.get(app.fleet);
	if (hit?.key === key) return hit.answer;
	const references = app.config.sources
		.filter((s) => s.kind === 'gitlab' || s.kind === 'github')
		.map((s) => ({ source: s.name, forge: s.kind as 'gitlab' | 'github', version: app.forgeVersions.reference(s.name) }));
	const answer = { references, ...skewByRunnerType(app.fleet.values(), types, (r) => app.forgeVersions.outdated(r)) };
	kept.set(app.fleet, { key, answer });
	return answer;
}
