// ARC runner scale sets and their ephemeral runners, from the Kubernetes objects
// (AutoscalingRunnerSet, EphemeralRunnerSet, EphemeralRunner) to what operators read.
import { z } from 'zod';

export const SCALE_SET_LABEL = 'actions.github.com/scale-set-name';
/** Where a drain remembers the maxRunners it replaced, on the object itself so it survives restarts and replicas. */
export const PREVIOUS_MAX_ANNOTATION = 'runner-dashboard.io/previous-max-runners';

interface Meta {
	name?: string;
	namespace?: string;
	labels?: Record<string, string>;
	annotations?: Record<string, string>;
	creationTimestamp?: string | Date;
}
export interface ArsObject {
	metadata?: Meta;
	spec?: { minRunners?: number; maxRunners?: number; runnerScaleSetName?: string; githubConfigUrl?: string; runnerGroup?: string };
	status?: { currentRunners?: number; pendingEphemeralRunners?: number; runningEphemeralRunners?: number; failedEphemeralRunners?: number; phase?: string; state?: string };
}
export interface ErsObject {
	metadata?: Meta;
	spec?: { replicas?: number };
	status?: { currentReplicas?: number };
}
export interface ErObject {
	metadata?: Meta;
	status?: {
		phase?: string;
		ready?: boolean;
		reason?: string;
		message?: string;
		runnerId?: number;
		runnerName?: string;
		failures?: Record<string, unknown> | number;
		jobRequestId?: number;
		jobId?: string;
		jobRepositoryName?: string;
		jobWorkflowRef?: string;
		workflowRunId?: number;
		jobDisplayName?: string;
	};
}

export const ephemeralRunnerSchema = z.object({
	name: z.string(),
	phase: z.string(),
	ready: z.boolean(),
	runner_id: z.number().int().nullable(),
	failures: z.number().int(),
	job: z
		.object({
			id: z.string().nullable(),
			display_name: z.string().nullable(),
			repository: z.string().nullable(),
			workflow_ref: z.string().nullable(),
			workflow_run_id: z.number().int().nullable()
		})
		.nullable(),
	reason: z.string().nullable()
});
export type EphemeralRunnerView = z.infer<typeof ephemeralRunnerSchema>;

export const scaleSetSchema = z.object({
	id: z.string().meta({ description: '`<source>:<namespace>:<name>`' }),
	source: z.string(),
	namespace: z.string(),
	name: z.string(),
	scale_set_name: z.string(),
	github_config_url: z.string().nullable(),
	runner_group: z.string().nullable(),
	min_runners: z.number().int(),
	max_runners: z.number().int(),
	current_runners: z.number().int(),
	desired_runners: z.number().int().nullable(),
	pending: z.number().int(),
	running: z.number().int(),
	failed: z.number().int(),
	/** maxRunners is 0: no new runners start. */
	drained: z.boolean(),
	/** The maxRunners a drain replaced (kept in an annotation), for undrain. */
	previous_max_runners: z.number().int().nullable(),
	ephemeral_runners: z.number().int(),
	simulated: z.boolean()
});
export type ScaleSet = z.infer<typeof scaleSetSchema>;

export function scaleSetId(source: string, namespace: string, name: string): string {
	return `${source}:${namespace}:${name}`;
}

export function parseScaleSetId(id: string): { source: string; namespace: string; name: string } | null {
	const m = /^([a-z0-9][a-z0-9-]*):([a-z0-9][-a-z0-9]*):([a-z0-9][-a-z0-9.]*)$/.exec(id);
	return m ? { source: m[1]!, namespace: m[2]!, name: m[3]! } : null;
}

const scaleSetOf = (o: { metadata?: Meta }) => o.metadata?.labels?.[SCALE_SET_LABEL];

/** Which scale set an object belongs to: the ARC label, keyed with its namespace. */
function byScaleSet<T extends { metadata?: Meta }>(items: T[]): Map<string, T[]> {
	const out = new Map<string, T[]>();
	for (const i of items) {
		const s = scaleSetOf(i);
		if (!s) continue;
		const key = `${i.metadata?.namespace}/${s}`;
		out.set(key, [...(out.get(key) ?? []), i]);
	}
	return out;
}

function failureCount(f: ErObject['status'] extends infer S ? (S extends { failures?: infer F } ? F : never) : never): number {
	if (typeof f === 'number') return f;
	return f ? Object.keys(f).length : 0;
}

export function ephemeralRunnerView(er: ErObject): EphemeralRunnerView {
	const s = er.status ?? {};
	const hasJob = Boolean(s.jobRequestId || s.jobId || s.jobDisplayName);
	return {
		name: er.metadata?.name ?? '',
		phase: s.phase ?? 'Pending',
		ready: Boolean(s.ready),
		runner_id: s.runnerId ?? null,
		failures: failureCount(s.failures as never),
		job: hasJob
			? { id: s.jobId ?? null, display_name: s.jobDisplayName ?? null, repository: s.jobRepositoryName ?? null, workflow_ref: s.jobWorkflowRef ?? null, workflow_run_id: s.workflowRunId ?? null }
			: null,
		reason: s.reason ?? null
	};
}

/** Scale sets of one cluster source, with counts from their runner sets and runners. */
export function scaleSets(source: string, simulated: boolean, ars: ArsObject[], ers: ErsObject[], ers_runners: ErObject[]): ScaleSet[] {
	const setsBy = byScaleSet(ers);
	const runnersBy = byScaleSet(ers_runners);
	return ars
		.map((a) => {
			const namespace = a.metadata?.namespace ?? '';
			const name = a.metadata?.name ?? '';
			const scaleSetName = a.spec?.runnerScaleSetName ?? name;
			// ARC labels children with the scale set's runnerScaleSetName; fall back to the object name.
			const key = `${namespace}/${scaleSetName}`;
			const alt = `${namespace}/${name}`;
			const runners = runnersBy.get(key) ?? runnersBy.get(alt) ?? [];
			const set = (setsBy.get(key) ?? setsBy.get(alt) ?? [])[0];
			const count = (phase: string) => runners.filter((r) => (r.status?.phase ?? 'Pending') === phase).length;
			const previous = Number(a.metadata?.annotations?.[PREVIOUS_MAX_ANNOTATION]);
			const max = a.spec?.maxRunners ?? 0;
			return {
				id: scaleSetId(source, namespace, name),
				source,
				namespace,
				name,
				scale_set_name: scaleSetName,
				github_config_url: a.spec?.githubConfigUrl ?? null,
				runner_group: a.spec?.runnerGroup ?? null,
				min_runners: a.spec?.minRunners ?? 0,
				max_runners: max,
				current_runners: a.status?.currentRunners ?? runners.length,
				desired_runners: set?.spec?.replicas ?? null,
				pending: a.status?.pendingEphemeralRunners ?? count('Pending'),
				running: a.status?.runningEphemeralRunners ?? count('Running'),
				failed: a.status?.failedEphemeralRunners ?? count('Failed'),
				drained: max === 0,
				previous_max_runners: Number.isInteger(previous) && previous > 0 ? previous : null,
				ephemeral_runners: runners.length,
				simulated
			};
		})
		.sort((x, y) => x.id.localeCompare(y.id));
}

/** Ephemeral runners of one scale set, newest first. */
export function ephemeralRunnersOf(ss: Pick<ScaleSet, 'namespace' | 'name' | 'scale_set_name'>, runners: ErObject[]): EphemeralRunnerView[] {
	return runners
		.filter((r) => r.metadata?.namespace === ss.namespace && [ss.scale_set_name, ss.name].includes(scaleSetOf(r) ?? ''))
		.sort((a, b) => String(b.metadata?.creationTimestamp ?? '').localeCompare(String(a.metadata?.creationTimestamp ?? '')))
		.map(ephemeralRunnerView);
}

/** GitHub runner id → scale set name, for marking GitHub's runners with their scale set. */
export function scaleSetByRunnerId(runners: ErObject[]): Map<number, string> {
	const out = new Map<number, string>();
	for (const r of runners) {
		const id = r.status?.runnerId;
		const s = scaleSetOf(r);
		if (id && s) out.set(id, s);
	}
	return out;
}
