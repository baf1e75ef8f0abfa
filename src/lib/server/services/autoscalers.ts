// The autoscalers of every watched cluster (GitLab runner HPAs, ARC scale sets) and
// their replica history, recorded in memory: on every cluster change and on a 15 s
// heartbeat, never while the cluster's source is failing (its objects are then the last
// good copy, and recording them would invent a flat line). Every replica samples its own
// watches; the leader also keeps the samples in the store, which a starting replica loads.
import { HISTORY_STEP_S, ReplicaHistory, type ReplicaPoint } from '$lib/core/autoscalers/history';
import { AUTOSCALER_KINDS, filterAutoscalers, hpaView, scaleSetAutoscaler, type AutoscalerFilter, type AutoscalerView, type DeploymentObject, type HpaObject } from '$lib/core/autoscalers/views';
import { z } from 'zod';
import { WINDOW_SECONDS, WINDOWS, type CapacityWindow } from '$lib/core/capacity/types';
import { forgeSchema } from '$lib/core/runner';
import { freshnessFields } from '../fleet/freshness';
import type { EventBus } from '../events/bus';
import type { KubernetesSource } from '../sync/kubernetes-source';
import type { SourceRegistry } from '../sync/source-status';
import type { StoredPoint } from '../store/autoscaler-history';

export const SAMPLE_EVERY_MS = 15_000;
// Kinds whose changes can move a replica count.
const SCALING_KINDS = new Set(['HorizontalPodAutoscaler', 'Deployment', 'AutoscalingRunnerSet', 'EphemeralRunnerSet', 'EphemeralRunner']);
const WEEK_S = 7 * 86400;

const metricSchema = z.object({
	type: z.string(),
	name: z.string(),
	qualifier: z.string().nullable(),
	target_type: z.string(),
	target: z.number().nullable(),
	current: z.number().nullable(),
	unit: z.enum(['percent', 'value']),
	ratio: z.number().nullable()
});

const conditionSchema = z.object({ type: z.string(), status: z.string(), reason: z.string().nullable(), message: z.string().nullable(), since: z.string().nullable() });

export const autoscalerKindSchema = z.enum(AUTOSCALER_KINDS);

/** Where the autoscaler's maximum is declared in git (a drift stack's variable, by the drift map), so a change can raise it. */
const maxVariableSchema = z
	.object({ stack: z.string(), env: z.string(), variable: z.string() })
	.nullable()
	.optional()
	.meta({ description: 'The stack, environment and variable declaring the maximum (from the drift map); null when no configured stack declares it.' });

/** The API's shape of an autoscaler with its replica history. */
export const autoscalerSchema = z
	.object({
		id: z.string(),
		kind: autoscalerKindSchema,
		source: z.string(),
		namespace: z.string(),
		name: z.string(),
		forge: forgeSchema,
		group: z.string(),
		target: z.string().nullable(),
		min: z.number().int(),
		max: z.number().int(),
		current: z.number().int(),
		desired: z.number().int().nullable(),
		metrics: z.array(metricSchema),
		conditions: z.array(conditionSchema),
		limited: z.boolean(),
		last_scale_time: z.string().nullable(),
		ephemeral_runners: z.object({ pending: z.number().int(), running: z.number().int(), failed: z.number().int() }).nullable(),
		drained: z.boolean().nullable(),
		scale_set_id: z.string().nullable(),
		simulated: z.boolean(),
		...freshnessFields,
		history: z.array(z.tuple([z.number(), z.number().nullable(), z.number().nullable(), z.number().nullable()])).meta({ description: '[unix_s, current, desired, max], the peak per step' }),
		max_variable: maxVariableSchema
	})
	.meta({ id: 'Autoscaler' });

export type MaxVariable = z.infer<typeof maxVariableSchema>;
export type AutoscalerWithHistory = AutoscalerView & { stale: boolean; data_age_s: number | null; history: ReplicaPoint[]; max_variable?: MaxVariable };
// The schema and the core view must agree; this fails to compile when they do not.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _agrees: Same<z.infer<typeof autoscalerSchema>, AutoscalerWithHistory> = true;
void _agrees;

export interface AutoscalerRecorder {
	/** Every autoscaler of every cluster as the informers hold them now. */
	list(): AutoscalerView[];
	/** Filtered autoscalers, each with its freshness and replica history over the window. */
	query(filter: AutoscalerFilter, window: CapacityWindow): AutoscalerWithHistory[];
	/** Takes a sample now (also what the timer and cluster events do). */
	sample(): void;
	/** Points held across all histories (bounded; for tests and /metrics). */
	pointCount(): number;
	stop(): void;
}

interface Deps {
	bus: EventBus;
	kubernetes: Map<string, KubernetesSource>;
	sources: SourceRegistry;
	everyMs?: number;
	now?: () => number;
	/** Samples kept from before this process (the store), replayed first, oldest first per autoscaler. */
	initial?: StoredPoint[];
	/** Where the samples this process takes go (the store, while this replica leads). */
	keep?: (points: StoredPoint[]) => void;
}

/** Autoscalers of one cluster source. */
function autoscalersOf(k: KubernetesSource): AutoscalerView[] {
	const deployments = k.objects<DeploymentObject>('Deployment');
	return [...k.objects<HpaObject>('HorizontalPodAutoscaler').map((h) => hpaView(k.name, k.simulated, h, deployments)), ...k.scaleSets().map(scaleSetAutoscaler)];
}

export function startAutoscalerRecorder(deps: Deps): AutoscalerRecorder {
	const { bus, kubernetes, sources } = deps;
	const now = deps.now ?? (() => Date.now());
	const histories = new Map<string, ReplicaHistory>();
	const historyOf = (id: string) => {
		let h = histories.get(id);
		if (!h) histories.set(id, (h = new ReplicaHistory()));
		return h;
	};
	for (const p of deps.initial ?? []) historyOf(p.autoscaler).record(p.at_s, p.current, p.desired, p.max);

	const freshness = () => new Map(sources.list().map((s) => [s.name, s]));
	const list = () => [...kubernetes.values()].flatMap(autoscalersOf);

	function sample() {
		const t = now() / 1000;
		const fresh = freshness();
		const seen = new Set<string>();
		const taken: StoredPoint[] = [];
		for (const k of kubernetes.values()) {
			if (fresh.get(k.name)?.stale ?? true) continue;
			for (const a of autoscalersOf(k)) {
				seen.add(a.id);
				if (historyOf(a.id).record(t, a.current, a.desired, a.max)) taken.push({ autoscaler: a.id, at_s: t, current: a.current, desired: a.desired, max: a.max });
			}
		}
		if (taken.length) deps.keep?.(taken);
		// An autoscaler deleted a week ago has nothing left to show.
		for (const [id, h] of histories) if (!seen.has(id) && (h.lastAt ?? 0) < t - WEEK_S) histories.delete(id);
	}

	const timer = setInterval(sample, deps.everyMs ?? SAMPLE_EVERY_MS);
	timer.unref();
	const unsubscribe = bus.subscribe((e) => {
		if (e.type !== 'cluster.delta') return;
		const kinds = (e.data as { kinds?: string[] }).kinds ?? [];
		if (kinds.some((k) => SCALING_KINDS.has(k))) sample();
	});

	return {
		list,
		query(filter, window) {
			const fresh = freshness();
			const to = now() / 1000;
			const step = HISTORY_STEP_S[window];
			return filterAutoscalers(list(), filter).map((a) => {
				const s = fresh.get(a.source);
				return { ...a, stale: s?.stale ?? true, data_age_s: s?.data_age_s ?? null, history: histories.get(a.id)?.points(to - WINDOW_SECONDS[window], to, step) ?? [] };
			});
		},
		sample,
		pointCount: () => [...histories.values()].reduce((n, h) => n + h.size, 0),
		stop() {
			clearInterval(timer);
			unsubscribe();
		}
	};
}
