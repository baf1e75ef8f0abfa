// Reads Prometheus exposition endpoints: static URLs and targets found through
// Prometheus's HTTP service discovery format ([{ targets, labels }], with
// __metrics_path__ and __scheme__ labels).
import { z } from 'zod';
import { parseLines, type Parsed, type Sample } from '$lib/core/exposition';
import { UpstreamError, type RequestObserver } from '../errors';
import type { Readable } from 'node:stream';
import { observedRequest } from '../http';
import { giveWay } from '../slices';

const httpSd = z.array(z.looseObject({ targets: z.array(z.string()), labels: z.record(z.string(), z.string()).default({}) }));

export interface ScrapeTarget {
	url: string;
	labels: Record<string, string>;
}

export interface ScrapeResult {
	target: ScrapeTarget;
	samples: Sample[];
	error: string | null;
	at: number;
}

// A large exposition body (an exporter with thousands of series is megabytes) is parsed as
// it arrives, a chunk of lines at a time: never held whole, and where requests are served
// the event loop gets a turn between chunks (see ../slices.ts).
const LINES_PER_SLICE = 2_000;

async function parseStreaming(body: Readable, keep?: (name: string) => boolean): Promise<Parsed> {
	const parsed: Parsed = { samples: [], malformed: 0 };
	// Decoded as it arrives: a character cut between two chunks is joined first.
	body.setEncoding('utf8');
	let rest = '';
	let sinceTurn = 0;
	for await (const chunk of body as AsyncIterable<string>) {
		const lines = (rest + chunk).split('\n');
		rest = lines.pop()!;
		parseLines(lines, 0, lines.length, parsed, keep);
		sinceTurn += lines.length;
		if (sinceTurn >= LINES_PER_SLICE) {
			sinceTurn = 0;
			await giveWay();
		}
	}
	if (rest) parseLines([rest], 0, 1, parsed, keep);
	return parsed;
}

export function scraper(opts: {
	source: string;
	timeoutMs: number;
	observe?: RequestObserver;
	/** The metric families to keep; the others are skipped unparsed. Default: every family. */
	keep?: (name: string) => boolean;
}) {
	// Every endpoint every cycle: on undici's request API (../http.ts).
	const get = observedRequest({ source: opts.source, upstream: 'metrics endpoint', timeoutMs: opts.timeoutMs, observe: opts.observe });

	async function discover(sdUrl: string): Promise<ScrapeTarget[]> {
		const res = await get(sdUrl, { headers: { accept: 'application/json' } });
		if (!res.ok) {
			await res.discard();
			throw new UpstreamError(opts.source, 'http', `service discovery ${sdUrl} answered ${res.status}`, res.status);
		}
		const groups = httpSd.parse(await res.json());
		return groups.flatMap((g) =>
			g.targets.map((t) => {
				const scheme = g.labels.__scheme__ ?? 'http';
				const path = g.labels.__metrics_path__ ?? '/metrics';
				const labels = Object.fromEntries(Object.entries(g.labels).filter(([k]) => !k.startsWith('__')));
				return { url: `${scheme}://${t}${path}`, labels };
			})
		);
	}

	async function scrape(target: ScrapeTarget): Promise<ScrapeResult> {
		try {
			const res = await get(target.url, { headers: { accept: 'text/plain;version=0.0.4' } });
			if (!res.ok) {
				await res.discard();
				return { target, samples: [], error: `${target.url} answered ${res.status}`, at: Date.now() };
			}
			return { target, samples: (await parseStreaming(res.body, opts.keep)).samples, error: null, at: Date.now() };
		} catch (e) {
			return { target, samples: [], error: (e as Error).message, at: Date.now() };
		}
	}

	return { discover, scrape };
}
