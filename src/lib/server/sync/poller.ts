// Runs one source's sync cycle on an interval. Failures keep the last good data,
// mark the source down and back off (honouring Retry-After); the next success
// recovers by itself. A cycle never throws out of here.
import { UpstreamError } from '$lib/sources/errors';

export interface PollerOptions {
	name: string;
	intervalMs: number;
	maxBackoffMs?: number;
	cycle: () => Promise<void>;
	onError: (e: unknown) => void;
}

export class Poller {
	private timer: NodeJS.Timeout | undefined;
	private running: Promise<void> | undefined;
	private stopped = false;
	private failures = 0;

	constructor(private opts: PollerOptions) {}

	start() {
		this.stopped = false;
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
				const backoff = Math.min(this.opts.intervalMs * 2 ** (this.failures - 1), this.opts.maxBackoffMs ?? 60_000);
				const retryAfter = e instanceof UpstreamError ? (e.retryAfterMs ?? 0) : 0;
				delay = Math.max(backoff, retryAfter);
			}
		})();
		await this.running;
		this.running = undefined;
		this.schedule(delay);
	}
}
