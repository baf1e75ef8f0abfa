// Runs one source's sync cycle on an interval. Failures keep the last good data,
// mark the source down and back off (honouring Retry-After, clamped, with jitter); the next success
// recovers by itself. A cycle never throws out of here.
import { UpstreamError } from '$lib/sources/errors';

/** The longest an upstream's Retry-After holds a source back: past ~24.8 days setTimeout would fire at once. */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;

/**
 * The wait before the next cycle after `failures` failures in a row: doubling from the
 * interval up to `maxBackoffMs`, never sooner than the upstream's Retry-After (clamped to
 * MAX_RETRY_AFTER_MS), plus up to 10 % jitter so replicas and sources do not retry in step.
 */
export function retryDelay(failures: number, intervalMs: number, maxBackoffMs: number, retryAfterMs: number, random = Math.random): number {
	const backoff = Math.min(intervalMs * 2 ** (failures - 1), maxBackoffMs);
	const base = Math.max(backoff, Math.min(Math.max(retryAfterMs, 0), MAX_RETRY_AFTER_MS));
	return Math.round(base * (1 + 0.1 * random()));
}

export interface PollerOptions {
	name: string;
	intervalMs: number;
	maxBackoffMs?: number;
	cycle: () => Promise<void>;
	onError: (e: unknown) => void;
	/** Called by start(), before the first cycle. */
	onStart?: () => void;
	/** The jitter's source (tests pass a constant). */
	random?: () => number;
}

export class Poller {
	private timer: NodeJS.Timeout | undefined;
	private running: Promise<void> | undefined;
	private stopped = false;
	private failures = 0;

	constructor(private opts: PollerOptions) {}

	start() {
		this.stopped = false;
		this.opts.onStart?.();
		this.schedule(0);
	}

	/** Run a cycle now (e.g. after an action) unless one is already running. */
	async runNow(): Promise<void> {
		if (this.running) return this.running;
		clearTimeout(this.timer);
		await this.tick();
	}

	async stop() {
		this.stopped = true;
		clearTimeout(this.timer);
		await this.running;
	}

	private schedule(ms: number) {
		if (this.stopped) return;
		clearTimeout(this.timer);
		this.timer = setTimeout(() => void this.tick(), ms);
		this.timer.unref?.();
	}

	private async tick(): Promise<void> {
		let delay = this.opts.intervalMs;
		this.running = (async () => {
			try {
				await this.opts.cycle();
				this.failures = 0;
			} catch (e) {
				this.failures++;
				this.opts.onError(e);
				const retryAfter = e instanceof UpstreamError ? (e.retryAfterMs ?? 0) : 0;
				delay = retryDelay(this.failures, this.opts.intervalMs, this.opts.maxBackoffMs ?? 60_000, Number.isFinite(retryAfter) ? retryAfter : MAX_RETRY_AFTER_MS, this.opts.random);
			}
		})();
		await this.running;
		this.running = undefined;
		this.schedule(delay);
	}
}
