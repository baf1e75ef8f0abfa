// ARC health: what ARC's own status does not say — runners without pods, runners stuck in a
// phase, a scale set's listener or the ARC controller down.
import { z } from 'zod';
import { scaleSetHealthSchema } from '$lib/core/arc-health';
import { arcHealth } from '../../services/arc-health';
import { op } from '../operation';

export const getArcHealth = op({
	id: 'getArcHealth',
	method: 'GET',
	path: '/api/v1/scale-sets/health',
	access: 'viewer',
	tag: 'Fleet',
	summary:
		"Per ARC scale set: phantom runners (EphemeralRunners the set counts whose pod does not exist), runners stuck in one phase for over 10 minutes, each named, and whether the set's listener pod and its cluster's ARC controller pod are running and ready (`listener`, `controller`: the pod and, when down, why).",
	responses: { 200: z.object({ items: z.array(scaleSetHealthSchema.meta({ id: 'ScaleSetHealth' })), unhealthy: z.number().int() }) },
	handler: ({ app }) => {
		const items = arcHealth(app);
		return { items, unhealthy: items.filter((h) => !h.healthy).length };
	}
});

export const ARC_HEALTH_OPERATIONS = [getArcHealth];
