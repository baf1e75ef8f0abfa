// Version skew per runner type, as the Capacity page groups runners: a GitLab runner
// belongs to the runner type whose Deployment its name starts with (`docker-runner-12` →
// the `docker-runner` Deployment's type), an ARC runner to its scale set. Runners outside
// every type (plain GitHub runners, runners of Deployments not watched) are counted apart.
import { z } from 'zod';
import { forgeSchema, type Forge, type Runner } from './runner';
import type { Outdated } from './versions';

/** One capacity group the cluster shows: a GitLab runner type with its Deployment, or a scale set. */
export interface RunnerTypeOf {
	forge: Forge;
	/** The capacity group (runner type or scale set name). */
	group: string;
	/** GitLab: the Deployment whose name starts the runners' names. ARC: the scale set names the runners carry. */
	match: string[];
}

export interface RunnerTypeIndex {
	/** GitLab Deployment names, longest first, with their group. */
	gitlab: { prefix: string; group: string }[];
	/** A scale set name (either ARC name) → its group. */
	arc: Map<string, string>;
}

export function runnerTypeIndex(types: readonly RunnerTypeOf[]): RunnerTypeIndex {
	const gitlab: RunnerTypeIndex['gitlab'] = [];
	const arc = new Map<string, string>();
	for (const t of types) {
		if (t.forge === 'gitlab') for (const m of t.match) gitlab.push({ prefix: m, group: t.group });
		else for (const m of t.match) arc.set(m, t.group);
	}
	gitlab.sort((a, b) => b.prefix.length - a.prefix.length || a.prefix.localeCompare(b.prefix));
	return { gitlab, arc };
}

/** The runner type (capacity group) a runner serves, or null when it is in none. */
export function runnerTypeOfRunner(r: Pick<Runner, 'forge' | 'name' | 'scale_set'>, index: RunnerTypeIndex): string | null {
	if (r.forge === 'github') return r.scale_set === null ? null : (index.arc.get(r.scale_set) ?? null);
	// A Deployment's pods and runners are named `<deployment>-…`.
	return index.gitlab.find((t) => r.name.startsWith(`${t.prefix}-`))?.group ?? null;
}

export const skewCountSchema = z.object({
	runners: z.number().int(),
	outdated: z.number().int().meta({ description: 'Runners behind their forge’s reference version.' }),
	unknown: z.number().int().meta({ description: 'Runners whose version or forge reference is not known.' })
});
export type SkewCount = z.infer<typeof skewCountSchema>;

export const skewByTypeSchema = skewCountSchema.extend({ forge: forgeSchema, group: z.string().meta({ description: 'Runner type (GitLab) or scale set (ARC), as on the Capacity page.' }) });
export type SkewByType = z.infer<typeof skewByTypeSchema>;

/** Outdated and unknown runners per runner type (GitLab first, then by group, as Capacity lists them), and those in no type. */
export function skewByRunnerType(runners: Iterable<Runner>, types: readonly RunnerTypeOf[], outdatedOf: (r: Runner) => Outdated): { by_runner_type: SkewByType[]; outside_types: Record<Forge, SkewCount> } {
	const index = runnerTypeIndex(types);
	const groups = new Map<string, SkewByType>();
	const entry = (forge: Forge, group: string) => {
		const key = `${forge}/${group}`;
		let e = groups.get(key);
		if (!e) groups.set(key, (e = { forge, group, runners: 0, outdated: 0, unknown: 0 }));
		return e;
	};
	// Every known type is listed, even with no runners (a type whose runners are all gone is worth seeing).
	for (const t of types) entry(t.forge, t.group);
	const outside: Record<Forge, SkewCount> = { gitlab: { runners: 0, outdated: 0, unknown: 0 }, github: { runners: 0, outdated: 0, unknown: 0 } };
	for (const r of runners) {
		const group = runnerTypeOfRunner(r, index);
		const e = group === null ? outside[r.forge] : entry(r.forge, group);
		const o = outdatedOf(r);
		e.runners++;
		if (o === 'true') e.outdated++;
		else if (o === 'unknown') e.unknown++;
	}
	const by_runner_type = [...groups.values()].sort((a, b) => (a.forge === b.forge ? a.group.localeCompare(b.group) : a.forge === 'gitlab' ? -1 : 1));
	return { by_runner_type, outside_types: outside };
}
