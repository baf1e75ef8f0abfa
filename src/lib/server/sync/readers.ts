// The forges' runner lists and the metrics endpoints, read in the background thread
// (reader-worker.ts): the fetching, JSON parsing, validation and comparison of every
// cycle happen there, and only what changed is passed to the thread serving the API.
// Nothing here knows about threads: the same class runs in-thread where no worker
// bundle exists (the code run from source).
import { CAPACITY_FAMILIES, ScrapeAggregator } from '$lib/core/capacity/aggregate';
import type { GroupLabels } from '$lib/core/capacity/panels';
import { arcListenerJobs } from '$lib/core/exposition';
import { mapLimit } from '$lib/core/map-limit';
import { RunnerChangeTracker, type RunnerChanges } from '$lib/core/runner-changes';
import type { Runner } from '$lib/core/runner';
import type { RequestOutcome } from '$lib/sources/errors';
import { createGithubClient } from '$lib/sources/github/client';
import { listGithubRunners, type GithubScope } from '$lib/sources/github/runners';
import { createGitlabClient } from '$lib/sources/gitlab/client';
import { GitlabRunnerSync, type GitlabScope } from '$lib/sources/gitlab/runners';
import { scraper, type ScrapeTarget } from '$lib/sources/metrics/scrape';

export const SCRAPER_SOURCE = 'builtin-scraper';
const SCRAPE_CONCURRENCY = 8;

export type ReaderSource =
	| { kind: 'gitlab'; name: string; url: string; token: string; scope: GitlabScope; simulated: boolean }
	| { kind: 'github'; name: string; apiUrl: string; token: string; scope: GithubScope; simulated: boolean }
	| { kind: 'scraper'; targets: string[]; httpSd: string[]; groupLabels: GroupLabels };

export type ArcJobs = { assigned: number; running: number; as_of: string };

/** One scrape of every endpoint, as the capacity window and the drain warning take it. */
export interface ScrapeReading {
	at: number;
	/** The window's row and its newly born counters; null when no endpoint answered. */
	ingested: { row: Map<string, number>; born: Map<string, number> } | null;
	/** ARC jobs per scale set (`namespace/name`) from its listener. */
	arcJobs: [string, ArcJobs][];
	endpoints: number;
	failed: number;
	firstError: string | null;
}

export type ReaderRequest =
	| { op: 'open'; source: ReaderSource }
	| { op: 'runners'; source: string; all: boolean }
	| { op: 'invalidate'; source: string; upstreamId: number }
	| { op: 'scrape'; notBefore: number };

export interface RunnerReading {
	changes: RunnerChanges;
	/** Upstream requests the reading took. */
	requests: number;
}

/** Upstream requests by source and outcome since the last time they were taken. */
export type RequestCounts = [source: string, outcome: RequestOutcome, n: number][];

interface RunnerReader {
	read(): Promise<{ runners: Runner[]; requests: number }>;
	changes: RunnerChangeTracker;
	invalidate?(upstreamId: number): void;
}

export class BackgroundReaders {
	private runners = new Map<string, RunnerReader>();
	private scrapeTarget: { run: (notBefore: number) => Promise<ScrapeReading> } | null = null;
	private counts = new Map<string, number>();

	private observe(source: string) {
		return (outcome: RequestOutcome) => {
			const key = `${source}\0${outcome}`;
			this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
		};
	}

	/** The request counts since the last call (the caller adds them to /metrics). */
	takeCounts(): RequestCounts {
		const out: RequestCounts = [...this.counts].map(([k, n]) => {
			const [source, outcome] = k.split('\0') as [string, RequestOutcome];
			return [source, outcome, n];
		});
		this.counts.clear();
		return out;
	}

	async handle(req: ReaderRequest): Promise<unknown> {
		switch (req.op) {
			case 'open':
				return this.open(req.source);
			case 'runners': {
				const reader = this.runners.get(req.source);
				if (!reader) throw new Error(`no runner source named ${req.source} is open`);
				const { runners, requests } = await reader.read();
				return { changes: reader.changes.next(runners, req.all), requests } satisfies RunnerReading;
			}
			case 'invalidate': {
				const reader = this.runners.get(req.source);
				reader?.invalidate?.(req.upstreamId);
				return null;
			}
			case 'scrape':
				if (!this.scrapeTarget) throw new Error('the built-in scraper is not open');
				return this.scrapeTarget.run(req.notBefore);
		}
	}

	private open(s: ReaderSource): null {
		if (s.kind === 'gitlab') {
			const client = createGitlabClient({ source: s.name, url: s.url, token: s.token, observe: this.observe(s.name) });
			const sync = new GitlabRunnerSync(client, s.name, s.scope, s.simulated);
			const changes = new RunnerChangeTracker();
			this.runners.set(s.name, {
				read: () => sync.cycle(),
				changes,
				invalidate(upstreamId) {
					sync.invalidate(upstreamId);
					changes.forget(`gitlab:${s.name}:${upstreamId}`);
				}
			});
		} else if (s.kind === 'github') {
			const client = createGithubClient({ source: s.name, apiUrl: s.apiUrl, token: s.token, observe: this.observe(s.name) });
			this.runners.set(s.name, { read: () => listGithubRunners(client, s.name, s.scope, s.simulated), changes: new RunnerChangeTracker() });
		} else {
			this.scrapeTarget = { run: scrapeAll(s, this.observe(SCRAPER_SOURCE)) };
		}
		return null;
	}
}

function scrapeAll(s: Extract<ReaderSource, { kind: 'scraper' }>, observe: (o: RequestOutcome) => void) {
	const sc = scraper({
		source: SCRAPER_SOURCE,
		timeoutMs: 5000,
		observe,
		// The window and the ARC listeners' jobs (gha_assigned_jobs, gha_running_jobs) are all it reads.
		keep: (name) => CAPACITY_FAMILIES.has(name)
	});
	const aggregator = new ScrapeAggregator(s.groupLabels);
	return async (notBefore: number): Promise<ScrapeReading> => {
		const discovered = (await Promise.all(s.httpSd.map((u) => sc.discover(u)))).flat();
		const targets: ScrapeTarget[] = [...s.targets.map((url) => ({ url, labels: {} })), ...discovered];
		// The cycle is stamped with its start; each endpoint is folded in as its scrape ends and
		// its samples are dropped then (at this fleet they were most of the thread's heap).
		const at = Math.max(Date.now(), notBefore);
		const cycle = aggregator.begin(at);
		const arcJobs = new Map<string, ArcJobs>();
		const errors = await mapLimit(targets, SCRAPE_CONCURRENCY, async (t) => {
			const r = await sc.scrape(t);
			for (const [key, jobs] of arcListenerJobs(r.samples)) if (!arcJobs.has(key)) arcJobs.set(key, { ...jobs, as_of: new Date(r.at).toISOString() });
			cycle.add({ id: t.url, labels: t.labels, samples: r.error ? null : r.samples });
			return r.error;
		});
		const failed = errors.filter((e): e is string => e !== null);
		return { at, ingested: cycle.finish(), arcJobs: [...arcJobs], endpoints: targets.length, failed: failed.length, firstError: failed[0] ?? null };
	};
}
