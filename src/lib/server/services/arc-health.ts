// ARC's health per scale set, from the watched objects: phantom runners (counted, no pod),
// runners stuck in one phase, and whether the set's listener and the ARC controller are up.
// Built from the informers' caches once per change of the watched objects, not per request
// or /metrics scrape (thousands of objects at scale); the ages in it are re-read at most
// every AGE_REFRESH_MS while nothing changes, so a runner still becomes "stuck" on a quiet cluster.
import { scaleSetHealth, type ControlPod, type ScaleSetHealth } from '$lib/core/arc-health';
import type { ErObject } from '$lib/core/scale-sets';
import type { AppContext } from '../app';
import type { KubernetesSource } from '../sync/kubernetes-source';

/** ARC creates a runner's pod within seconds; a runner without one for a minute has lost it. */
const PHANTOM_GRACE_S = 60;
/** Runners start in well under a minute (image pull included); ten minutes in one phase is stuck. */
const STUCK_AFTER_S = 600;
/** The thresholds above are a minute and more: ages a few seconds old change no verdict. */
const AGE_REFRESH_MS = 10_000;
/** A busy cluster changes every few milliseconds: rebuilt at most this often then. */
const MIN_REBUILD_MS = 1_000;

type Cached = { version: number; at: number; value: ScaleSetHealth[] };
const cache = new WeakMap<KubernetesSource, Cached>();

function ofCluster(k: KubernetesSource, now: number): ScaleSetHealth[] {
	const hit = cache.get(k);
	const version = k.version();
	if (hit && now >= hit.at && now - hit.at < (hit.version === version ? AGE_REFRESH_MS : MIN_REBUILD_MS)) return hit.value;
	const value = scaleSetHealth(
		k.name,
		k.scaleSets().map((s) => ({ namespace: s.namespace, name: s.scale_set_name, object: s.name })),
		k.objects<ErObject>('EphemeralRunner'),
		k.objects<{ metadata?: { name?: string; namespace?: string } }>('Pod'),
		now,
		{ graceS: PHANTOM_GRACE_S, stuckS: STUCK_AFTER_S },
		{ pods: k.objects<ControlPod>('ArcControllerPod'), namespaces: k.arcControllerNamespaces, unknown: k.unknown('ArcControllerPod') }
	);
	cache.set(k, { version, at: now, value });
	return value;
}

/** Every watched cluster's scale sets' health (shared and cached: do not mutate). */
export function arcHealth(app: Pick<AppContext, 'kubernetes'>, now = Date.now()): ScaleSetHealth[] {
	const parts = [...app.kubernetes.values()].map((k) => ofCluster(k, now));
	const last = joined.get(app.kubernetes);
	if (last && last.parts.length === parts.length && last.parts.every((p, i) => p === parts[i])) return last.value;
	const value = parts.flat();
	joined.set(app.kubernetes, { parts, value });
	return value;
}

const joined = new WeakMap<object, { parts: ScaleSetHealth[][]; value: ScaleSetHealth[] }>();
