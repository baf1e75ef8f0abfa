/**
 * One run of `work` at a time. A request while it runs asks for one more run after it,
 * however many requests arrive meanwhile, and waits for that run too: what changed during
 * a run is always seen by a later one, and bursts cost one extra run, not one each.
 */
export class CoalescedRun {
	private running: Promise<void> | null = null;
	private again = false;

	constructor(
		private work: () => Promise<void>,
		/** Checked before each extra run: true stops asking for more (a service stopping). */
		private stopped: () => boolean = () => false
	) {}

	run(): Promise<void> {
		if (this.running) {
			this.again = true;
			return this.running;
		}
		this.running = (async () => {
			do {
				this.again = false;
				await this.work();
			} while (this.again && !this.stopped());
		})().finally(() => (this.running = null));
		return this.running;
	}

	/** The run under way, if any (to await it when stopping). */
	get current(): Promise<void> | null {
		return this.running;
	}
}
