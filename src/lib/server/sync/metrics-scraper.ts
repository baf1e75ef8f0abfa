// The built-in scraper: the latest samples of every runner-manager and ARC-listener
// endpoint, for installs without Prometheus. The drain warning reads ARC's
// gha_assigned_jobs − gha_running_jobs from here.
import { arcListenerJobs } from '$lib/core/exposition';
import { scraper, type ScrapeResult, type ScrapeTarget } from '$lib/sources/metrics/scrape';
import type { Config } from '../config';
import { Poller } from './poller';
import type { SourceDeps } from './runner-source';

export const SCRAPER_SOURCE = 'builtin-scraper';
const CONCURRENCY = 8;

export interface MetricsScraper {
	/** Jobs assigned to and running on a scale set, from its listener; null when no listener is scraped. */
	arcJobs(namespace: string, name: string): { assigned: number; running: number; as_of: string } | null;
	results(): ScrapeResult[];
	stop(): Promise<void>;
}

export function startMetricsScraper(cfg: Config['scrape'], deps: Pick<SourceDeps, 'sources' | 'metrics' | 'logger'>): MetricsScraper | null {
	if (cfg.targets.length === 0 && cfg.httpSd.length === 0) return null;
	const { sources, metrics } = deps;
	const s = scraper({ source: SCRAPER_SOURCE, timeoutMs: 5000, observe: (outcome) => metrics.upstreamRequests.inc({ source: SCRAPER_SOURCE, outcome }) });
	sources.register({ name: SCRAPER_SOURCE, kind: 'scraper', url: [...cfg.httpSd, ...cfg.targets].join(', '), simulated: cfg.simulated, intervalMs: cfg.intervalMs });
	let latest: ScrapeResult[] = [];
	const poller = new Poller({
		name: SCRAPER_SOURCE,
		intervalMs: cfg.intervalMs,
		cycle: async () => {
			const discovered = (await Promise.all(cfg.httpSd.map((u) => s.discover(u)))).flat();
			const targets: ScrapeTarget[] = [...cfg.targets.map((url) => ({ url, labels: {} })), ...discovered];
			const out: ScrapeResult[] = new Array(targets.length);
			let next = 0;
			await Promise.all(
				Array.from({ length: Math.min(CONCURRENCY, targets.length) }, async () => {
					while (next < targets.length) {
						const i = next++;
						out[i] = await s.scrape(targets[i]!);
					}
				})
			);
			latest = out;
			const failed = out.filter((r) => r.error);
			if (failed.length > 0 && failed.length === out.length) throw new Error(`all ${out.length} metrics endpoints failed; ${failed[0]!.error}`);
			if (failed.length > 0) sources.failed(SCRAPER_SOURCE, `${failed.length} of ${out.length} endpoints failed; ${failed[0]!.error}`);
			else sources.succeeded(SCRAPER_SOURCE);
		},
		onError: (e) => sources.failed(SCRAPER_SOURCE, e instanceof Error ? e.message : String(e))
	});
	poller.start();
	return {
		arcJobs(namespace, name) {
			for (const r of latest) {
				const hit = arcListenerJobs(r.samples).get(`${namespace}/${name}`);
				if (hit) return { ...hit, as_of: new Date(r.at).toISOString() };
			}
			return null;
		},
		results: () => latest,
		stop: () => poller.stop()
	};
}
