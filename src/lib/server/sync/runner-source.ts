// A source of runners on a poller: each cycle's runners replace the source's share of
// the fleet cache, the source's status follows success and failure, and changes go
// out as SSE deltas. The forge-specific part is only `read`.
import type { RunnerChanges } from '$lib/core/runner-changes';
import type { EventBus } from '../events/bus';
import type { FleetCache } from '../fleet/cache';
import type { Logger } from '../telemetry/logger';
import type { Metrics } from '../telemetry/metrics';
import { Poller } from './poller';
import type { SourceRegistry } from './source-status';

// Above this many changes a client reloads its page of runners instead of applying each.
const MAX_DELTA = 500;

export interface SourceDeps {
	fleet: FleetCache;
	bus: EventBus;
	sources: SourceRegistry;
	metrics: Metrics;
	logger: Logger;
	/** Leave the poller stopped: it starts when this replica leads (several replicas on PostgreSQL). */
	deferStart?: boolean;
}

export interface RunnerSourceSpec {
	name: string;
	kind: string;
	url: string;
	simulated: boolean;
	intervalMs: number;
	/** One read of the source's runners: every one when `all` (the first cycle, and after a failure), else what changed. */
	read: (all: boolean) => Promise<{ changes: RunnerChanges; requests: number }>;
	/** Runs after a successful read and cache update (e.g. joins with another source). */
	after?: () => void;
}

export function startRunnerSource(spec: RunnerSourceSpec, deps: SourceDeps): Poller {
	const { fleet, bus, sources, metrics, logger } = deps;
	sources.register({ name: spec.name, kind: spec.kind, url: spec.url, simulated: spec.simulated, intervalMs: spec.intervalMs });
	const log = logger.child({ source: spec.name });
	let failing = false;
	// Whole readings replace the source's runners; the ones between carry only changes.
	let wholeNext = true;
	const poller = new Poller({
		name: spec.name,
		intervalMs: spec.intervalMs,
		cycle: async () => {
			const end = metrics.syncDuration.startTimer({ source: spec.name });
			try {
				const { changes, requests } = await spec.read(wholeNext);
				const delta =
					changes.kind === 'all' ? await fleet.replaceSource(spec.name, changes.runners) : fleet.applySourceChanges(spec.name, changes.upserted, changes.removed);
				wholeNext = false;
				spec.after?.();
				sources.succeeded(spec.name);
				end({ outcome: 'ok' });
				if (failing) log.info('source recovered');
				failing = false;
				if (delta.upserted.length + delta.removed.length > MAX_DELTA) bus.publish('runners.reset', { source: spec.name });
				else if (delta.upserted.length || delta.removed.length) bus.publish('runners.delta', delta);
				bus.publish('sources', { name: spec.name, status: 'ok' });
				log.debug({ runners: fleet.sourceSize(spec.name), requests }, 'sync cycle');
			} catch (e) {
				end({ outcome: 'error' });
				wholeNext = true;
				throw e;
			}
		},
		// A replica that leads again starts from a whole reading: its fleet followed another leader meanwhile.
		onStart: () => {
			wholeNext = true;
		},
		onError: (e) => {
			const message = e instanceof Error ? e.message : String(e);
			sources.failed(spec.name, message);
			if (!failing) log.warn({ err: message }, 'source sync failed; serving last good data');
			failing = true;
			bus.publish('sources', { name: spec.name, status: 'down', error: message });
		}
	});
	if (!deps.deferStart) poller.start();
	return poller;
}
