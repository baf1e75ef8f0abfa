// The API thread's side of the background reader: the forges' runner lists and the
// built-in scraper are read in a worker thread, so their fetching, parsing and comparing
// never holds up a request (docs/architecture.md, "Threads"). One request in flight per
// call, answered by id. A worker that dies fails what it was asked, is started again on
// the next call with every source re-opened, and its first readings are whole (its change
// trackers start empty: core/runner-changes.ts).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../telemetry/logger';
import type { Metrics } from '../telemetry/metrics';
import { decodeFailure, type EncodedFailure } from './reader-failure';
import { BackgroundReaders, type ReaderRequest, type ReaderSource, type RequestCounts, type RunnerReading, type ScrapeReading } from './readers';

const YOUNG_GENERATION_MB = 8;

type Answer = { id: number; counts: RequestCounts; heap?: { used: number; total: number } } & ({ ok: true; value: unknown } | { ok: false; failure: EncodedFailure });

/** The worker's bundle beside the CLI's (build/reader-worker.js); absent when the code runs from source. */
export function workerBundle(): string | null {
	const file = fileURLToPath(new URL('./reader-worker.js', import.meta.url));
	return existsSync(file) ? file : null;
}

export interface ReaderThreadOptions {
	/** The thread's name (in heap snapshots and profiles). */
	name: string;
	metrics: Pick<Metrics, 'upstreamRequests'> & Partial<Pick<Metrics, 'readerHeap'>>;
	logger: Logger;
	/** The worker's file; null runs the readers on this thread. Default: workerBundle(). */
	workerFile?: string | null;
}

export class ReaderThread {
	private worker: Worker | null = null;
	private local: BackgroundReaders | null = null;
	private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
	private nextId = 1;
	private opened: ReaderSource[] = [];
	private closed = false;
	private readonly file: string | null;

	constructor(private opts: ReaderThreadOptions) {
		this.file = opts.workerFile === undefined ? workerBundle() : opts.workerFile;
	}

	open(source: ReaderSource): void {
		this.opened.push(source);
		if (this.worker || !this.file) void this.call({ op: 'open', source }).catch((e) => this.opts.logger.error({ err: (e as Error).message }, 'background reader: opening a source failed'));
	}

	/**
	 * One reading of a runner source: every runner (`all`) or what changed since the last.
	 * A worker started again reads every runner anyway: its change trackers are new.
	 */
	runners(source: string, all: boolean): Promise<RunnerReading> {
		return this.call({ op: 'runners', source, all }) as Promise<RunnerReading>;
	}

	/** The next reading refetches this runner's details and passes it on. */
	invalidate(source: string, upstreamId: number): void {
		void this.call({ op: 'invalidate', source, upstreamId }).catch(() => {
			/* a dead worker forgets everything anyway */
		});
	}

	scrape(notBefore: number): Promise<ScrapeReading> {
		return this.call({ op: 'scrape', notBefore }) as Promise<ScrapeReading>;
	}

	async close(): Promise<void> {
		this.closed = true;
		const w = this.worker;
		this.worker = null;
		await w?.terminate();
	}

	private count(counts: RequestCounts) {
		for (const [source, outcome, n] of counts) this.opts.metrics.upstreamRequests.inc({ source, outcome }, n);
	}

	private async call(req: ReaderRequest): Promise<unknown> {
		if (this.closed) throw new Error('the background reader is closed');
		if (!this.file) {
			this.local ??= new BackgroundReaders();
			try {
				return await this.local.handle(req);
			} finally {
				this.count(this.local.takeCounts());
			}
		}
		const worker = this.worker ?? this.start();
		const id = this.nextId++;
		return new Promise((resolve, reject) => {
			this.pending.set(id, { resolve, reject });
			worker.postMessage({ id, req });
		});
	}

	private start(): Worker {
		// Old space follows --max-old-space-size like the API thread's; the young generation is
		// kept small: a reader's garbage (parsed pages and expositions) dies within a cycle.
		const w = new Worker(this.file!, { name: this.opts.name, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
		this.worker = w;
		// Messages are handled in order: the sources are open before anything else is asked.
		for (const source of this.opened) w.postMessage({ id: 0, req: { op: 'open', source } });
		w.on('message', (a: Answer) => {
			this.count(a.counts);
			if (a.heap && this.opts.metrics.readerHeap) {
				this.opts.metrics.readerHeap.set({ thread: this.opts.name, kind: 'used' }, a.heap.used);
				this.opts.metrics.readerHeap.set({ thread: this.opts.name, kind: 'total' }, a.heap.total);
			}
			const p = this.pending.get(a.id);
			if (!p) return;
			this.pending.delete(a.id);
			if (a.ok) p.resolve(a.value);
			else p.reject(decodeFailure(a.failure));
		});
		w.on('error', (e) => this.opts.logger.error({ err: e.message }, 'background reader failed'));
		w.on('exit', (code) => {
			if (this.worker === w) this.worker = null;
			const stopped = new Error(`the background reader stopped (exit code ${code})`);
			for (const p of this.pending.values()) p.reject(stopped);
			this.pending.clear();
			if (!this.closed) this.opts.logger.warn({ code }, 'background reader stopped; it starts again with the next reading');
		});
		w.unref();
		return w;
	}
}
