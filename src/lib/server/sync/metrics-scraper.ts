// The built-in scraper: the latest samples of every runner-manager and ARC-listener
// endpoint, for installs without Prometheus. The drain warning reads ARC's
// gha_assigned_jobs − gha_running_jobs from here; the capacity panels read the bounded
// window it keeps (per runner type / scale set, not per runner). The endpoints are read
// and aggregated in the background reader; this thread keeps the window.
import { DEFAULT_GROUP_LABELS, type GroupLabels } from '$lib/core/capacity/panels';
import { SeriesWindow } from '$lib/core/series/window';
import type { Config } from '../config';
import { Poller } from './poller';
import type { ReaderThread } from './reader-thread';
import { SCRAPER_SOURCE, type ArcJobs } from './readers';
import type { SourceDeps } from './runner-source';
import type { WindowSlot } from '../store/capacity-window';

export interface MetricsScraper {
	/** Jobs assigned to and running on a scale set, from its listener; null when no listener is scraped. */
	arcJobs(namespace: string, name: string): ArcJobs | null;
	/** The capacity window: one slot per scrape cycle that reached at least one endpoint. */
	readonly window: SeriesWindow;
	readonly intervalMs: number;
	/** Starts scraping (this replica leads). */
	start(): void;
	/** Stops scraping; the window stays and takes what the leader publishes (`adopt`). */
	stop(): Promise<void>;
	/** A scrape another replica made (the leader), as it published it. */
	adopt(scrape: ScrapeResult): void;
}

/** One scrape's outcome as replicas pass it on: the window's slot and the ARC listeners' jobs. */
export interface ScrapeResult extends WindowSlot {
	arcJobs: [string, ArcJobs][];
}

export interface ScraperOptions {
	/** The window's slots kept from before this process (the store), oldest first. */
	initial?: WindowSlot[];
	/** Told of each scrape this process makes (the store, the replica feed). */
	keep?: (scrape: ScrapeResult) => void;
}

export function startMetricsScraper(
	cfg: Config['scrape'],
	deps: Pick<SourceDeps, 'sources' | 'logger'> & { reader: ReaderThread },
	groupLabels: GroupLabels = DEFAULT_GROUP_LABELS,
	opts: ScraperOptions = {}
): MetricsScraper | null {
	if (cfg.targets.length === 0 && cfg.httpSd.length === 0) return null;
	const { sources, reader } = deps;
	reader.open({ kind: 'scraper', targets: cfg.targets, httpSd: cfg.httpSd, groupLabels });
	sources.register({ name: SCRAPER_SOURCE, kind: 'scraper', url: [...cfg.httpSd, ...cfg.targets].join(', '), simulated: cfg.simulated, intervalMs: cfg.intervalMs });
	// ARC jobs per scale set (`namespace/name`), indexed once per scrape: requests only look them up.
	let arcJobs = new Map<string, ArcJobs>();
	const window = new SeriesWindow(Math.max(2, Math.ceil(cfg.windowMs / cfg.intervalMs) + 1));
	const take = (slot: WindowSlot) => {
		if (slot.at > (window.newest() ?? -Infinity)) window.append(slot.at, slot.row, slot.born);
	};
	for (const slot of opts.initial ?? []) take(slot);
	const poller = new Poller({
		name: SCRAPER_SOURCE,
		intervalMs: cfg.intervalMs,
		cycle: async () => {
			const { at, ingested, arcJobs: jobs, endpoints, failed, firstError } = await reader.scrape(window.newest() ?? 0);
			arcJobs = new Map(jobs);
			if (ingested) {
				window.append(at, ingested.row, ingested.born);
				opts.keep?.({ at, row: ingested.row, born: ingested.born, arcJobs: jobs });
			}
			if (failed > 0 && failed === endpoints) throw new Error(`all ${endpoints} metrics endpoints failed; ${firstError}`);
			if (failed > 0) sources.partlyFailed(SCRAPER_SOURCE, `${failed} of ${endpoints} endpoints failed; ${firstError}`);
			else sources.succeeded(SCRAPER_SOURCE);
		},
		onError: (e) => sources.failed(SCRAPER_SOURCE, e instanceof Error ? e.message : String(e))
	});
	return {
		arcJobs: (namespace, name) => arcJobs.get(`${namespace}/${name}`) ?? null,
		window,
		intervalMs: cfg.intervalMs,
		start: () => poller.start(),
		stop: () => poller.stop(),
		adopt(scrape) {
			take(scrape);
			arcJobs = new Map(scrape.arcJobs);
		}
	};
}
