// How urgent a drift item is. Capacity settings (min/max replicas and runners,
// concurrency, an object's existence) decide how many jobs the fleet can run: a
// change behind OpenTofu's back there is critical. A missing object is critical.
import type { DriftClass, DriftSeverity } from './types';

const CAPACITY = /(^|\.)(minReplicas|maxReplicas|minRunners|maxRunners|replicas)$|#(concurrent|.*\.limit)$|^\(exists\)$/;

/** True for fields that bound how many jobs run at once. */
export function isCapacityField(field: string): boolean {
	return CAPACITY.test(field);
}

/** The default severity of an item (a mapping's `severity` overrides it). */
export function severityOf(cls: DriftClass, field: string): DriftSeverity {
	if (cls === 'missing') return 'critical';
	if (cls === 'unmanaged') return 'warning';
	const capacity = isCapacityField(field);
	if (cls === 'out-of-band') return capacity ? 'critical' : field.startsWith('metadata.') ? 'info' : 'warning';
	return capacity ? 'warning' : 'info';
}
