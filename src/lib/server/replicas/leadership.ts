// Which replica leads: the one holding the lease row in PostgreSQL (store/replication.ts).
// Only the leader polls the forges, checks drift, records history, scrapes and prunes.
// It renews every third of the lease; when a renewal has not succeeded for two thirds of
// it, the leader stops its background writers itself, before the lease can be taken, and
// the store refuses any write still carrying its term (the fence). With SQLite there is
// one process: it leads, always, at term 0, and nothing is fenced.
import type { Kysely, Transaction } from 'kysely';
import { messageOf } from '$lib/core/errors';
import { Replication } from '../store/replication';
import type { Logger } from '../telemetry/logger';

export interface LeadershipState {
	/** This replica's id (host name and a random suffix). */
	id: string;
	leading: boolean;
	/** The term this replica leads in (while leading) or last saw. */
	term: number;
}

type Listener = (leading: boolean) => Promise<void> | void;

export class Leadership {
	private listeners: Listener[] = [];
	private timer: NodeJS.Timeout | undefined;
	private renewedAt = 0;
	private stopped = false;
	private changing: Promise<void> = Promise.resolve();
	leading = false;
	term = 0;

	private constructor(
		readonly id: string,
		private replication: Replication | null,
		private durationMs: number,
		private logger: Logger
	) {}

	/** One process on SQLite: always the leader. */
	static single(id: string, logger: Logger): Leadership {
		const l = new Leadership(id, null, 0, logger);
		l.leading = true;
		return l;
	}

	static shared(id: string, replication: Replication, durationMs: number, logger: Logger): Leadership {
		return new Leadership(id, replication, durationMs, logger);
	}

	get shared(): boolean {
		return this.replication !== null;
	}

	get leaseMs(): number {
		return this.durationMs;
	}

	/** Called with true on taking the lease and false on losing it (awaited: stop writers there). */
	onChange(l: Listener): void {
		this.listeners.push(l);
	}

	start(): void {
		if (!this.replication) {
			void this.notify(true);
			return;
		}
		void this.tick();
	}

	/**
	 * The fence for a leader's write in `trx` (its first statement): throws StaleTermError once
	 * the lease has another term. Nothing to check on SQLite.
	 */
	fence = async (trx: Transaction<any> | Kysely<any>): Promise<void> => {
		if (this.replication) await Replication.fence(trx, this.id, this.term);
	};

	/** The holder and term of writes that must be fenced; null on SQLite. */
	get fenced(): { holder: string; term: number } | null {
		return this.replication ? { holder: this.id, term: this.term } : null;
	}

	private schedule() {
		if (this.stopped) return;
		clearTimeout(this.timer);
		this.timer = setTimeout(() => void this.tick(), Math.max(200, Math.floor(this.durationMs / 3)));
		this.timer.unref?.();
	}

	private async tick(): Promise<void> {
		const r = this.replication!;
		const started = Date.now();
		try {
			if (this.leading) {
				const lease = await r.renew(this.id, this.term, this.durationMs);
				if (lease) this.renewedAt = started;
				else await this.lose('the lease passed to another replica');
			} else {
				const lease = await r.acquire(this.id, this.durationMs);
				if (lease && !this.stopped) {
					this.term = lease.term;
					this.renewedAt = started;
					this.leading = true;
					this.logger.info({ replica: this.id, term: lease.term }, 'this replica leads');
					await this.notify(true);
				} else if (!lease) {
					const current = await r.lease();
					if (current) this.term = current.term;
				}
			}
		} catch (e) {
			this.logger.warn({ err: messageOf(e) }, 'leader lease: the store did not answer');
		}
		// Past two thirds of the lease without a renewal the lease may soon be taken: stop writing first.
		if (this.leading && Date.now() - this.renewedAt > (this.durationMs * 2) / 3) await this.lose('the lease could not be renewed');
		this.schedule();
	}

	private async lose(why: string): Promise<void> {
		if (!this.leading) return;
		this.leading = false;
		this.logger.warn({ replica: this.id, term: this.term }, `this replica no longer leads: ${why}`);
		await this.notify(false);
	}

	private notify(leading: boolean): Promise<void> {
		// Changes run one after the other: a start and a stop never overlap.
		this.changing = this.changing.then(async () => {
			for (const l of this.listeners) {
				try {
					await l(leading);
				} catch (e) {
					this.logger.error({ err: messageOf(e) }, 'leadership change handler failed');
				}
			}
		});
		return this.changing;
	}

	/** Stops renewing; a leader stops its writers and gives the lease up so another takes over at once. */
	async stop(): Promise<void> {
		this.stopped = true;
		clearTimeout(this.timer);
		if (this.leading && this.replication) {
			this.leading = false;
			await this.notify(false);
			await this.replication.release(this.id, this.term).catch(() => {});
		}
		await this.changing;
	}
}
