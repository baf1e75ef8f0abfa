// Reads Prometheus exposition endpoints: static URLs and targets found through
// Prometheus's HTTP service discovery format ([{ targets, labels }], with
// __metrics_path__ and __scheme__ labels).
import { z } from 'zod';
import { parseLines, type Parsed, type Sample } from '$lib/core/exposition';
import { UpstreamError, type RequestObserver } from '../errors';
import { observedFetch } from '../http';
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

async function parseStreaming(body: ReadableStream<Uint8Array> | null, keep?: (name: string) => boolean): Promise<Parsed> {
	const parsed: Parsed = { samples: [], malformed: 0 };
	if (!body) return parsed;
	const decoder = new TextDecoder();
	let rest = '';
	let sinceTurn = 0;
	const reader = body.getReader();
	for (let r = await reader.read(); !r.done; r = await reader.read()) {
		const chunk = r.value;
		const lines = (rest + decoder.decode(chunk, { stream: true })).split('\n');
		rest = lines.pop()!;
		parseLines(lines, 0, lines.length, parsed, keep);
		sinceTurn += lines.length;
		if (sinceTurn >= LINES_PER_SLICE) {
			sinceTurn = 0;
			await giveWay();
		}
	}
	rest += decoder.decode();
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
	const get = observedFetch({ source: opts.source, upstream: 'metrics endpoint', timeoutMs: opts.timeoutMs, observe: opts.observe });

	async function discover(sdUrl: string): Promise<ScrapeTarget[]> {
		const res = await get(sdUrl, { headers: { accept: 'application/json' } });
		if (!res.ok) throw new UpstreamError(opts.source, 'http', `service discovery ${sdUrl} answered ${res.status}`, res.status);
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
				await res.body?.cancel();
				return { target, samples: [], error: `${target.url} answered ${res.status}`, at: Date.now() };
			}
			return { target, samples: (await parseStreaming(res.body, opts.keep)).samples, error: null, at: Date.now() };
		} catch (e) {
			return { target, samples: [], error: (e as Error).message, at: Date.now() };
		}
	}

	return { discover, scrape };
}
