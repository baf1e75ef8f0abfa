// ARC's failures that its own status does not show: an EphemeralRunner whose pod is gone
// (a "phantom": the scale set still counts it, so one job fewer finds a runner) and an
// EphemeralRunner stuck in one phase (Pending on an image it cannot pull, for instance).
import { z } from 'zod';
import { SCALE_SET_LABEL, type ErObject } from './scale-sets';

export const arcRunnerProblemSchema = z.object({
	name: z.string(),
	phase: z.string(),
	/** Seconds since the runner was created (the phase's start is not recorded by ARC). */
	age_s: z.number().int(),
	detail: z.string()
});
export type ArcRunnerProblem = z.infer<typeof arcRunnerProblemSchema>;

export const scaleSetHealthSchema = z.object({
	source: z.string(),
	namespace: z.string(),
	scale_set: z.string(),
	phantom_runners: z.array(arcRunnerProblemSchema),
	stuck_runners: z.array(arcRunnerProblemSchema),
	healthy: z.boolean()
});
export type ScaleSetHealth = z.infer<typeof scaleSetHealthSchema>;

interface Named {
	metadata?: { name?: string; namespace?: string };
}

const ageOf = (er: ErObject & { metadata?: { creationTimestamp?: string | Date } }, now: number) => {
	const t = er.metadata?.creationTimestamp;
	const ms = t === undefined ? NaN : typeof t === 'string' ? Date.parse(t) : t.getTime();
	return Number.isFinite(ms) ? Math.max(0, Math.floor((now - ms) / 1000)) : 0;
};

/**
 * Per scale set: runners ARC counts whose pod does not exist (past `graceS`, the time
 * ARC takes to create one), and runners in a non-final phase other than Running for
 * longer than `stuckS`.
 */
export function scaleSetHealth(
	source: string,
	scaleSets: readonly { namespace: string; name: string }[],
	runners: readonly ErObject[],
	pods: readonly Named[],
	now: number,
	opts: { graceS: number; stuckS: number }
): ScaleSetHealth[] {
	const podNames = new Set(pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`));
	const out = new Map<string, ScaleSetHealth>();
	for (const s of scaleSets) out.set(`${s.namespace}/${s.name}`, { source, namespace: s.namespace, scale_set: s.name, phantom_runners: [], stuck_runners: [], healthy: true });
	for (const er of runners) {
		const ns = er.metadata?.namespace ?? '';
		const entry = out.get(`${ns}/${er.metadata?.labels?.[SCALE_SET_LABEL] ?? ''}`);
		if (!entry) continue;
		const name = er.metadata?.name ?? '';
		const phase = er.status?.phase ?? 'Pending';
		if (phase === 'Succeeded' || phase === 'Failed') continue;
		const age = ageOf(er as never, now);
		if (!podNames.has(`${ns}/${name}`) && age >= opts.graceS) {
			entry.phantom_runners.push({ name, phase, age_s: age, detail: `counted by the scale set, but its pod ${name} does not exist${er.status?.runnerId ? ` (GitHub runner ${er.status.runnerId})` : ''}` });
		} else if (phase !== 'Running' && age >= opts.stuckS) {
			entry.stuck_runners.push({ name, phase, age_s: age, detail: `${phase} for ${Math.round(age / 60)} min${er.status?.reason ? `: ${er.status.reason}` : ''}${er.status?.message ? ` ${er.status.message}` : ''}` });
		}
	}
	return [...out.values()].map((h) => ({ ...h, healthy: h.phantom_runners.length === 0 && h.stuck_runners.length === 0 }));
}
