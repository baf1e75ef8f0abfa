// The built-in scraper: the latest samples of every runner-manager and ARC-listener
// endpoint, for installs without Prometheus. The drain warning reads ARC's
// gha_assigned_jobs − gha_running_jobs from here; the capacity panels read the bounded
// window it keeps (per runner type / scale set, not per runner).
import { CAPACITY_FAMILIES, ScrapeAggregator } from '$lib/core/capacity/aggregate';
import { DEFAULT_GROUP_LABELS, type GroupLabels } from '$lib/core/capacity/panels';
import { arcListenerJobs } from '$lib/core/exposition';
import { mapLimit } from '$lib/core/map-limit';
import { SeriesWindow } from '$lib/core/series/window';
import { scraper, type ScrapeTarget } from '$lib/sources/metrics/scrape';
import type { Config } from '../config';
import { Poller } from './poller';
import type { SourceDeps } from './runner-source';
import type { WindowSlot } from '../store/capacity-window';

export const SCRAPER_SOURCE = 'builtin-scraper';
const CONCURRENCY = 8;

export interface MetricsScraper {
	/** Jobs assigned to and running on a scale set, from its listener; null when no listener is scraped. */
	arcJobs(namespace: string, name: string): { assigned: number; running: number; as_of: string } | null;
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
	arcJobs: [string, { assigned: number; running: number; as_of: string }][];
}

export interface ScraperOptions {
	/** The window's slots kept from before this process (the store), oldest first. */
	initial?: WindowSlot[];
	/** Told of each scrape this process makes (the store, the replica feed). */
	keep?: (scrape: ScrapeResult) => void;
}

export function startMetricsScraper(
	cfg: Config['scrape'],
	deps: Pick<SourceDeps, 'sources' | 'metrics' | 'logger'>,
	groupLabels: GroupLabels = DEFAULT_GROUP_LABELS,
	opts: ScraperOptions = {}
): MetricsScraper | null {
	if (cfg.targets.length === 0 && cfg.httpSd.length === 0) return null;
	const { sources, metrics } = deps;
	const s = scraper({
		source: SCRAPER_SOURCE,
		timeoutMs: 5000,
		observe: (outcome) => metrics.upstreamRequests.inc({ source: SCRAPER_SOURCE, outcome }),
		// The window and the ARC listeners' jobs (gha_assigned_jobs, gha_running_jobs) are all it reads.
		keep: (name) => CAPACITY_FAMILIES.has(name)
	});
	sources.register({ name: SCRAPER_SOURCE, kind: 'scraper', url: [...cfg.httpSd, ...cfg.targets].join(', '), simulated: cfg.simulated, intervalMs: cfg.intervalMs });
	// ARC jobs per scale set (`namespace/name`), indexed once per scrape: requests only look them up.
	let arcJobs = new Map<string, { assigned: number; running: number; as_of: string }>();
	const window = new SeriesWindow(Math.max(2, Math.ceil(cfg.windowMs / cfg.intervalMs) + 1));
	const take = (slot: WindowSlot) => {
		if (slot.at > (window.newest() ?? -Infinity)) window.append(slot.at, slot.row, slot.born);
	};
	for (const slot of opts.initial ?? []) take(slot);
	const aggregator = new ScrapeAggregator(groupLabels);
	const poller = new Poller({
		name: SCRAPER_SOURCE,
		intervalMs: cfg.intervalMs,
		cycle: async () => {
			const discovered = (await Promise.all(cfg.httpSd.map((u) => s.discover(u)))).flat();
			const targets: ScrapeTarget[] = [...cfg.targets.map((url) => ({ url, labels: {} })), ...discovered];
			const out = await mapLimit(targets, CONCURRENCY, (t) => s.scrape(t));
			const index = new Map<string, { assigned: number; running: number; as_of: string }>();
			for (const r of out) {
				for (const [key, jobs] of arcListenerJobs(r.samples)) if (!index.has(key)) index.set(key, { ...jobs, as_of: new Date(r.at).toISOString() });
			}
			arcJobs = index;
			const at = Math.max(...out.map((r) => r.at), window.newest() ?? 0);
			const ingested = aggregator.ingest(
				at,
				out.map((r) => ({ id: r.target.url, labels: r.target.labels, samples: r.error ? null : r.samples }))
			);
			if (ingested) {
				window.append(at, ingested.row, ingested.born);
				opts.keep?.({ at, row: ingested.row, born: ingested.born, arcJobs: [...index] });
			}
			const failed = out.filter((r) => r.error);
			if (failed.length > 0 && failed.length === out.length) throw new Error(`all ${out.length} metrics endpoints failed; ${failed[0]!.error}`);
			if (failed.length > 0) sources.partlyFailed(SCRAPER_SOURCE, `${failed.length} of ${out.length} endpoints failed; ${failed[0]!.error}`);
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
