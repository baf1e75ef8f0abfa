// The replica feed: how replicas sharing one PostgreSQL see what any of them did. Every
// live event goes into one table with a global sequence (the payload in the row; NOTIFY,
// limited to 8 KB, only wakes the readers) and comes back to every replica, the one that
// published it included, in sequence order: each applies it to its caches (the fleet, the
// sources' status, drift) and hands it to its live streams with the sequence as the SSE id,
// so Last-Event-ID means the same on every replica. The leader also writes a snapshot of
// its caches every minute: a replica that starts loads the newest snapshot and the rows
// after it. A session ended or a token revoked on one replica is announced the same way,
// and every replica drops its reused token resolutions and re-checks its streams.
import pg from 'pg';
import type { LiveEvents, LiveEventType } from '$lib/api/events';
import type { Runner } from '$lib/core/runner';
import { messageOf } from '$lib/core/errors';
import { CoalescedRun } from '$lib/core/coalesced-run';
import type { Auth } from '../auth/service';
import { DRIFT_SOURCE, type DriftService, type DriftSnapshot } from '../drift/service';
import type { BusEvent, EventBus } from '../events/bus';
import type { LiveStreams } from '../events/live';
import type { FleetCache } from '../fleet/cache';
import { FEED_CHANNEL, type FeedRow, type Replication } from '../store/replication';
import type { SourceRecord, SourceRegistry } from '../sync/source-status';
import type { Logger } from '../telemetry/logger';
import type { Metrics } from '../telemetry/metrics';
import type { Leadership } from './leadership';
import type { MetricsScraper, ScrapeResult } from '../sync/metrics-scraper';
import { SCRAPER_SOURCE } from '../sync/readers';
import type { WaitingJobsService, WaitingRead } from '../services/waiting-jobs';

/** Events only the leader's background work publishes; from any other replica they are dropped (its watches see the same cluster). */
const LEADER_EVENTS = new Set<LiveEventType>(['runners.reset', 'sources', 'cluster.delta', 'drift']);
const SNAPSHOT_EVERY_MS = 60_000;
// Rows kept behind the newest snapshot, so a replica that starts can fill its replay buffer.
const KEEP_ROWS = 2_000;
const HEARTBEAT_MS = 2_000;
const POLL_MS = 1_000;
/** A replica not seen for this long is gone from GET /api/v1/replicas. */
export const REPLICA_GONE_MS = 15_000;

/** One feed row's payload: the event, and what other replicas need to apply it. */
interface EventPayload {
	type: LiveEventType;
	data: unknown;
	runners?: Runner[];
	state?: SourceRecord;
	drift?: DriftSnapshot;
}

interface SnapshotPayload {
	fleet: Record<string, Runner[]>;
	sources: Record<string, SourceRecord>;
	drift: DriftSnapshot | null;
}

/** A scrape of the built-in scraper as a feed row: the window's slot, the ARC listeners' jobs and the scraper's status. */
interface ScrapePayload {
	at: number;
	row: [string, number][];
	born: [string, number][];
	arcJobs: ScrapeResult['arcJobs'];
	state?: SourceRecord;
}

export interface FeedDeps {
	databaseUrl: string;
	replication: Replication;
	leadership: Leadership;
	bus: EventBus;
	fleet: FleetCache;
	sources: SourceRegistry;
	drift: DriftService;
	scraper: MetricsScraper | null;
	auth: Auth;
	live: () => LiveStreams | undefined;
	/** Where the leader's reads of waiting jobs go on the other replicas. */
	waitingJobs: () => Pick<WaitingJobsService, 'adopt'> | undefined;
	logger: Logger;
	metrics: Metrics;
	/** A follower this far behind is not ready (GET /readyz). */
	readyLagMs: number;
}

export class ReplicaFeed {
	/** The last sequence applied here. */
	applied = 0;
	lagMs = 0;
	private loaded = false;
	private startedAt = new Date().toISOString();
	private appending: Promise<unknown> = Promise.resolve();
	/** Applies every row after the last applied one, in order; a wake meanwhile drains again after. */
	private draining = new CoalescedRun(
		() => this.drainOnce(),
		() => this.stopped
	);
	private listener: pg.Client | null = null;
	private timers: NodeJS.Timeout[] = [];
	private stopped = false;
	private lastSnapshotAt = 0;

	constructor(private deps: FeedDeps) {}

	get id(): string {
		return this.deps.leadership.id;
	}

	/** Loaded the newest snapshot and the rows after it, and not further behind than `readyLagMs`. */
	get ready(): boolean {
		return this.loaded && this.lagMs <= this.deps.readyLagMs;
	}

	async start(): Promise<void> {
		const { replication, bus } = this.deps;
		const snap = await replication.latest('snapshot');
		if (snap) await this.applySnapshot(JSON.parse(snap.payload) as SnapshotPayload);
		this.applied = snap?.seq ?? 0;
		bus.relayTo((type, data) => this.publish(type, data), this.applied);
		const earlier = (await replication.recent('event', 1_000)).filter((r) => r.seq <= this.applied);
		bus.remember(earlier.map(toBusEvent));
		await this.drain();
		this.loaded = true;
		await this.listen();
		const every = (ms: number, f: () => Promise<unknown>) => {
			const t = setInterval(() => void f().catch((e) => this.deps.logger.warn({ err: messageOf(e) }, 'replica feed housekeeping failed')), ms);
			t.unref();
			this.timers.push(t);
		};
		every(POLL_MS, () => this.drain());
		every(HEARTBEAT_MS, () => this.heartbeat());
		await this.heartbeat();
	}

	/** The bus's relay: the event goes into the feed, in this replica's order. */
	private publish<T extends LiveEventType>(type: T, data: LiveEvents[T]): void {
		const { leadership } = this.deps;
		const leaderOnly = LEADER_EVENTS.has(type);
		if (leaderOnly && !leadership.leading) return;
		const payload: EventPayload = { type, data, ...this.extra(type, data) };
		const row = { term: leadership.term, origin: this.id, kind: 'event', payload: JSON.stringify(payload) };
		this.append(row, leaderOnly);
	}

	/** What the other replicas need beyond the event to show what this one shows. */
	private extra<T extends LiveEventType>(type: T, data: LiveEvents[T]): Partial<EventPayload> {
		const { fleet, sources, drift } = this.deps;
		if (type === 'runners.reset') return { runners: fleet.bySourceRunners()[(data as LiveEvents['runners.reset']).source] ?? [] };
		if (type === 'sources') return { state: sources.state((data as LiveEvents['sources']).name) };
		if (type === 'drift') return { drift: drift.snapshot(), state: sources.state(DRIFT_SOURCE) };
		return {};
	}

	private append(row: { term: number; origin: string; kind: string; payload: string }, fenced: boolean): void {
		const { replication, leadership, logger } = this.deps;
		const fence = fenced ? (leadership.fenced ?? undefined) : undefined;
		this.appending = this.appending
			.then(() => replication.append(row, fence))
			.then(() => this.wake())
			.catch((e) => logger.warn({ err: messageOf(e), kind: row.kind }, 'replica feed: an event could not be published'));
	}

	/** The leader's scrape, for the other replicas' capacity windows. */
	publishScrape(scrape: ScrapeResult): void {
		const { leadership, sources } = this.deps;
		if (!leadership.leading) return;
		const payload: ScrapePayload = { at: scrape.at, row: [...scrape.row], born: [...scrape.born], arcJobs: scrape.arcJobs, state: sources.state(SCRAPER_SOURCE) };
		this.append({ term: leadership.term, origin: this.id, kind: 'scrape', payload: JSON.stringify(payload) }, true);
	}

	/** The leader's read of one source's waiting jobs, for the other replicas. */
	publishWaiting(source: string, read: WaitingRead): void {
		const { leadership } = this.deps;
		if (!leadership.leading) return;
		this.append({ term: leadership.term, origin: this.id, kind: 'waiting', payload: JSON.stringify({ source, read }) }, true);
	}

	/** Tells every replica (this one included, through the feed) that sessions or tokens changed. */
	announceAccess(): void {
		this.append({ term: this.deps.leadership.term, origin: this.id, kind: 'access', payload: '{}' }, false);
	}

	/** Writes a snapshot of this replica's caches (the leader's) and trims the feed behind it. */
	async snapshot(): Promise<void> {
		const { replication, leadership, fleet, sources, drift } = this.deps;
		if (!leadership.leading || !leadership.fenced) return;
		const states: Record<string, SourceRecord> = {};
		for (const s of sources.list()) if (s.kind !== 'kubernetes') states[s.name] = sources.state(s.name)!;
		const payload: SnapshotPayload = { fleet: fleet.bySourceRunners(), sources: states, drift: drift.configured ? drift.snapshot() : null };
		await replication.append({ term: leadership.term, origin: this.id, kind: 'snapshot', payload: JSON.stringify(payload) }, leadership.fenced);
		this.lastSnapshotAt = Date.now();
		await replication.prune('snapshot', KEEP_ROWS, leadership.fenced);
		await replication.pruneReplicas(new Date(Date.now() - 10 * REPLICA_GONE_MS).toISOString());
	}

	/** The leader's periodic snapshot; a no-op on followers. */
	async snapshotDue(): Promise<void> {
		if (this.deps.leadership.leading && Date.now() - this.lastSnapshotAt >= SNAPSHOT_EVERY_MS) await this.snapshot();
	}

	private wake(): void {
		void this.drain().catch((e) => this.deps.logger.warn({ err: messageOf(e) }, 'replica feed: reading failed'));
	}

	private drain(): Promise<void> {
		return this.draining.run();
	}

	private async drainOnce(): Promise<void> {
		for (;;) {
			const rows = await this.deps.replication.after(this.applied, 500);
			for (const row of rows) {
				await this.apply(row);
				this.applied = row.seq;
				// Rows read while starting are history, not delay.
				if (this.loaded) this.deps.metrics.feedDelay.observe(Math.max(0, Date.now() - Date.parse(row.at)) / 1000);
			}
			if (rows.length < 500) break;
		}
		this.lagMs = 0;
		this.deps.metrics.replicaLag.set(0);
	}

	private async apply(row: FeedRow): Promise<void> {
		const mine = row.origin === this.id;
		try {
			if (row.kind === 'access') {
				if (!mine) this.deps.auth.forgetLocalTokens();
				this.deps.live()?.recheck();
			} else if (row.kind === 'scrape') {
				if (!mine) {
					const p = JSON.parse(row.payload) as ScrapePayload;
					this.deps.scraper?.adopt({ at: p.at, row: new Map(p.row), born: new Map(p.born), arcJobs: p.arcJobs });
					if (p.state) this.restoreSource(SCRAPER_SOURCE, p.state);
				}
			} else if (row.kind === 'waiting') {
				if (!mine) {
					const p = JSON.parse(row.payload) as { source: string; read: WaitingRead };
					this.deps.waitingJobs()?.adopt(p.source, p.read);
				}
			} else if (row.kind === 'snapshot') {
				if (!mine) await this.applySnapshot(JSON.parse(row.payload) as SnapshotPayload);
			} else if (row.kind === 'event') {
				const p = JSON.parse(row.payload) as EventPayload;
				if (!mine) await this.applyEvent(p);
				this.deps.bus.deliver(toBusEvent(row));
			}
		} catch (e) {
			this.deps.logger.warn({ err: messageOf(e), seq: row.seq, kind: row.kind }, 'replica feed: a row could not be applied');
		}
	}

	private async applyEvent(p: EventPayload): Promise<void> {
		const { fleet, drift } = this.deps;
		if (p.type === 'runners.delta') fleet.applyDelta(p.data as LiveEvents['runners.delta']);
		else if (p.type === 'runners.reset' && p.runners) await fleet.replaceSource((p.data as LiveEvents['runners.reset']).source, p.runners);
		else if (p.type === 'sources' && p.state) this.restoreSource((p.data as LiveEvents['sources']).name, p.state);
		else if (p.type === 'drift' && p.drift) {
			drift.adopt(p.drift);
			if (p.state) this.restoreSource(DRIFT_SOURCE, p.state);
		}
	}

	/** Takes a source's state as the leader published it (its up gauge follows: sync/source-status.ts). */
	private restoreSource(name: string, state: SourceRecord): void {
		this.deps.sources.restore(name, state);
	}

	private async applySnapshot(s: SnapshotPayload): Promise<void> {
		const { fleet, drift } = this.deps;
		for (const [source, runners] of Object.entries(s.fleet)) await fleet.replaceSource(source, runners);
		for (const [name, state] of Object.entries(s.sources)) this.restoreSource(name, state);
		if (s.drift) drift.adopt(s.drift);
	}

	/** This replica's row in `replicas` (GET /api/v1/replicas), with how far behind the feed it is. */
	private async heartbeat(): Promise<void> {
		const { replication, leadership, metrics } = this.deps;
		const next = (await replication.after(this.applied, 1))[0];
		this.lagMs = next ? Math.max(0, Date.now() - Date.parse(next.at)) : 0;
		metrics.replicaLag.set(this.lagMs / 1000);
		metrics.leaderTerm.set(leadership.term);
		metrics.leader.set({ replica: this.id }, leadership.leading ? 1 : 0);
		await replication.heartbeat({ id: this.id, started_at: this.startedAt, last_seen: new Date().toISOString(), term: leadership.term, applied_seq: this.applied, lag_ms: this.lagMs });
		if (next) this.wake();
		await this.snapshotDue();
	}

	/** A dedicated connection LISTENs for new rows; when it breaks, the 1 s poll carries on and it reconnects. */
	private async listen(): Promise<void> {
		if (this.stopped) return;
		const client = new pg.Client({ connectionString: this.deps.databaseUrl });
		const retry = () => {
			if (this.listener !== client) return;
			this.listener = null;
			void client.end().catch(() => {});
			const t = setTimeout(() => void this.listen().catch(() => retry()), 1_000);
			t.unref();
		};
		this.listener = client;
		client.on('error', retry);
		client.on('end', retry);
		client.on('notification', () => this.wake());
		try {
			await client.connect();
			await client.query(`LISTEN ${FEED_CHANNEL}`);
		} catch (e) {
			this.deps.logger.warn({ err: messageOf(e) }, 'replica feed: LISTEN failed; reading every second until it reconnects');
			retry();
		}
	}

	async stop(): Promise<void> {
		this.stopped = true;
		for (const t of this.timers) clearInterval(t);
		await this.appending;
		await this.draining.current?.catch(() => {});
		const l = this.listener;
		this.listener = null;
		await l?.end().catch(() => {});
		await this.deps.replication.forget(this.id).catch(() => {});
	}
}

function toBusEvent(row: FeedRow): BusEvent {
	const p = JSON.parse(row.payload) as EventPayload;
	return { id: row.seq, type: p.type, data: p.data as LiveEvents[LiveEventType], at: row.at };
}
