// Wires one configured GitLab source: client → runner sync → fleet cache, source
// status and SSE deltas, on a poller.
import type { SourceConfig } from '../config';
import { createGitlabClient, type GitlabClient } from '$lib/sources/gitlab/client';
import { GitlabRunnerSync } from '$lib/sources/gitlab/runners';
import type { EventBus } from '../events/bus';
import type { FleetCache } from '../fleet/cache';
import type { Logger } from '../telemetry/logger';
import type { Metrics } from '../telemetry/metrics';
import { Poller } from './poller';
import type { SourceRegistry } from './source-status';

// Above this many changes a client reloads the page of runners instead of applying each.
const MAX_DELTA = 500;

export interface GitlabSource {
	name: string;
	client: GitlabClient;
	sync: GitlabRunnerSync;
	poller: Poller;
}

export function startGitlabSource(
	cfg: SourceConfig,
	deps: { fleet: FleetCache; bus: EventBus; sources: SourceRegistry; metrics: Metrics; logger: Logger }
): GitlabSource {
	const { fleet, bus, sources, metrics, logger } = deps;
	const client = createGitlabClient({
		source: cfg.name,
		url: cfg.gitlab.url,
		token: cfg.token,
		observe: (outcome) => metrics.upstreamRequests.inc({ source: cfg.name, outcome })
	});
	const sync = new GitlabRunnerSync(client, cfg.name, cfg.gitlab.scope, cfg.simulated);
	const intervalMs = cfg.gitlab.poll_interval_seconds * 1000;
	sources.register({ name: cfg.name, kind: 'gitlab', url: cfg.gitlab.url, simulated: cfg.simulated, intervalMs });
	metrics.sourceUp.set({ source: cfg.name, kind: 'gitlab' }, 0);
	const log = logger.child({ source: cfg.name });
	let wasFailing = false;
	const poller = new Poller({
		name: cfg.name,
		intervalMs,
		cycle: async () => {
			const end = metrics.syncDuration.startTimer({ source: cfg.name });
			try {
				const { runners, requests, detailsFetched } = await sync.cycle();
				const delta = fleet.replaceSource(cfg.name, runners);
				sources.succeeded(cfg.name);
				metrics.sourceUp.set({ source: cfg.name, kind: 'gitlab' }, 1);
				end({ outcome: 'ok' });
				if (wasFailing) log.info('source recovered');
				wasFailing = false;
				if (delta.upserted.length + delta.removed.length > MAX_DELTA) bus.publish('runners.reset', { source: cfg.name });
				else if (delta.upserted.length || delta.removed.length) bus.publish('runners.delta', delta);
				bus.publish('sources', { name: cfg.name, status: 'ok' });
				log.debug({ runners: runners.length, requests, detailsFetched }, 'sync cycle');
			} catch (e) {
				end({ outcome: 'error' });
				throw e;
			}
		},
		onError: (e) => {
			const message = e instanceof Error ? e.message : String(e);
			sources.failed(cfg.name, message);
			metrics.sourceUp.set({ source: cfg.name, kind: 'gitlab' }, 0);
			if (!wasFailing) log.warn({ err: message }, 'source sync failed; serving last good data');
			wasFailing = true;
			bus.publish('sources', { name: cfg.name, status: 'down', error: message });
		}
	});
	poller.start();
	return { name: cfg.name, client, sync, poller };
}
