// ARC's health per scale set, from the watched objects: phantom runners (counted, no pod)
// and runners stuck in one phase. Read when asked: the informers hold the objects.
import { scaleSetHealth, type ScaleSetHealth } from '$lib/core/arc-health';
import type { ErObject } from '$lib/core/scale-sets';
import type { AppContext } from '../app';

/** ARC creates a runner's pod within seconds; a runner without one for a minute has lost it. */
const PHANTOM_GRACE_S = 60;
/** Runners start in well under a minute (image pull included); ten minutes in one phase is stuck. */
const STUCK_AFTER_S = 600;

export function arcHealth(app: Pick<AppContext, 'kubernetes'>, now = Date.now()): ScaleSetHealth[] {
	return [...app.kubernetes.values()].flatMap((k) =>
		scaleSetHealth(
			k.name,
			k.scaleSets().map((s) => ({ namespace: s.namespace, name: s.scale_set_name })),
			k.objects<ErObject>('EphemeralRunner'),
			k.objects<{ metadata?: { name?: string; namespace?: string } }>('Pod'),
			now,
			{ graceS: PHANTOM_GRACE_S, stuckS: STUCK_AFTER_S }
		)
	);
}
