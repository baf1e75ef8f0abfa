// The running dashboard's single context, created once at server start-up
// (hooks.server.ts `init`) and shared by routes.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Auth } from './auth/service';
import { SingleSignOn } from './auth/sso/service';
import { Passkeys } from './auth/passkeys';
import { loadConfig, type Config } from './config';
import { EventBus } from './events/bus';
import { FleetCache } from './fleet/cache';
import { FleetViews } from './fleet/views';
import { Store } from './store';
import { startGitlabSource, type GitlabSource } from './sync/gitlab-source';
import { startGithubSource, type GithubSource } from './sync/github-source';
import { startKubernetesSource, type KubernetesSource } from './sync/kubernetes-source';
import { startMetricsScraper, type MetricsScraper } from './sync/metrics-scraper';
import { ReaderThread } from './sync/reader-thread';
import { startCapacity, type CapacityService } from './services/capacity';
import { SourceRegistry } from './sync/source-status';
import { createLogger, type Logger } from './telemetry/logger';
import { createMetrics, type Metrics } from './telemetry/metrics';
import { buildInfo } from './build-info';
import { messageOf } from '$lib/core/errors';
import { DriftService } from './drift/service';
import { startAutoscalerRecorder, type AutoscalerRecorder } from './services/autoscalers';
import { Accounts } from './services/accounts';
import { RunnerDetails } from './services/runner-detail';
import { DEFAULT_LIVE_LIMITS, LiveStreams } from './events/live';
import { SourceChecks } from './services/source-check';
import { failing } from '$lib/core/source-check';
import { ChangeService } from './services/changes';
import { ChangeTracker } from './changes/tracker';
import { changeTargets } from './changes/targets';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Leadership } from './replicas/leadership';
import { ReplicaFeed } from './replicas/feed';
import { Replication } from './store/replication';
import { AutoscalerHistoryStore } from './store/autoscaler-history';
import { RunnerOfflineStore } from './store/offline-since';
import { CapacityWindowStore } from './store/capacity-window';
import { DEFAULT_HISTORY } from '$lib/core/autoscalers/history';

const HISTORY_KEEP_S = DEFAULT_HISTORY.spanS;
import { startWaitingJobs, type WaitingJobsService } from './services/waiting-jobs';
import { startForgeVersions, type ForgeVersions } from './services/forge-versions';
import { arcHealth } from './services/arc-health';
import { DeadWeight } from './services/dead-weight';
import { registerFleetMetrics } from './telemetry/fleet-metrics';

export interface AppContext {
	config: Config;
	store: Store;
	auth: Auth;
	bus: EventBus;
	metrics: Metrics;
	logger: Logger;
	fleet: FleetCache;
	views: FleetViews;
	sources: SourceRegistry;
	gitlab: Map<string, GitlabSource>;
	github: Map<string, GithubSource>;
	kubernetes: Map<string, KubernetesSource>;
	scraper: MetricsScraper | null;
	drift: DriftService;
	/** Change requests: proposing, adopting, re-applying, and the webhooks. */
	changes: ChangeService;
	/** Follows the changes in flight on their forges. */
	changeTracker: ChangeTracker;
	/** Capacity panels from Prometheus or the built-in scraper's window. */
	capacity: CapacityService;
	autoscalers: AutoscalerRecorder;
	/** Jobs waiting for a runner on each forge, and why. */
	waitingJobs: WaitingJobsService;
	/** What each forge runs, for runners' version skew. */
	forgeVersions: ForgeVersions;
	/** Runners silent for days: the preview and their deletion. */
	deadWeight: DeadWeight;
	runnerDetails: RunnerDetails;
	accounts: Accounts;
	/** Single sign-on through the configured providers. */
	sso: SingleSignOn;
	/** Users' passkeys and signing in with them. */
	passkeys: Passkeys;
	/** Every open live (SSE) stream. */
	live: LiveStreams;
	/** Which replica leads (polls, checks drift, records history); on SQLite this process, always. */
	leadership: Leadership;
	/** With PostgreSQL: the feed replicas share their events and caches through; null on SQLite. */
	feed: ReplicaFeed | null;
	/** What each source lets the dashboard do (run once at start, and by GET /api/v1/sources/check). */
	sourceCheck: SourceChecks;
	/** The OpenAPI document; set by the API server that serves it. */
	openapi: () => Record<string, unknown>;
	/** True from the first shutdown signal: readiness fails so load balancers stop sending. */
	stopping: boolean;
	startedAt: Date;
	close(): Promise<void>;
}

let current: AppContext | undefined;

export function app(): AppContext {
	if (!current) throw new Error('the dashboard is not initialised');
	return current;
}

/** The unauthenticated /metrics listener for Prometheus scrapes by annotation; it serves nothing else. */
async function serveMetrics(metrics: Metrics, host: string, port: number): Promise<Server> {
	const server = createServer(async (req, res) => {
		if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
			res.setHeader('content-type', metrics.registry.contentType);
			res.end(await metrics.registry.metrics());
		} else {
			res.statusCode = 404;
			res.end('only GET /metrics is served on this port\n');
		}
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => resolve());
	});
	return server;
}

/** Writes the first admin's password where only the server's user can read it. */
function saveInitialPassword(dataDir: string, password: string): string {
	mkdirSync(dataDir, { recursive: true });
	const file = join(dataDir, 'initial-admin-password');
	writeFileSync(file, `${password}\n`, { mode: 0o600 });
	chmodSync(file, 0o600);
	return file;
}

export async function initApp(env: Record<string, string | undefined> = process.env): Promise<AppContext> {
	if (current) return current;
	const config = loadConfig(env);
	const logger = createLogger(config.logLevel, { pretty: process.stdout.isTTY === true });
	const store = await Store.open({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
	const pepper = await Auth.pepper(store, config.sessionSecret);
	const auth = new Auth({ store, pepper, settings: config.auth });
	const accounts = new Accounts({ store, auth });
	const sso = new SingleSignOn({ store, auth, pepper, providers: config.sso, roleRefreshSeconds: config.auth.role_refresh_seconds, logger });
	const passkeys = new Passkeys({ store, auth, pepper, roleRefreshSeconds: config.auth.role_refresh_seconds });
	const password = await auth.ensureInitialAdmin();
	if (password) {
		const file = saveInitialPassword(config.dataDir, password);
		// On a terminal the operator reads it once; anywhere else stdout is a log that is
		// collected and kept, so only the file (0600) holds it. Changed at first sign-in.
		if (process.stdout.isTTY) console.log(`\n  Initial admin user: admin\n  Initial admin password: ${password}\n  (saved to ${file}, mode 0600)\n`);
		logger.warn({ file }, 'created the initial admin user "admin"; its password is in this file (mode 0600) and must be changed at first sign-in');
	}
	const metrics = createMetrics();
	const info = buildInfo();
	metrics.buildInfo.set({ version: info.version, revision: info.revision }, 1);
	const bus = new EventBus(1000);
	const fleet = new FleetCache();
	// A forge source's up gauge follows its record, whichever replica polled it (the Kubernetes
	// sources set theirs from their watches' health, on every replica).
	const sources = new SourceRegistry(
		(name) => fleet.countBySource(name),
		(name, kind, up) => {
			if (kind === 'gitlab' || kind === 'github') metrics.sourceUp.set({ source: name, kind }, up);
		}
	);
	const shared = config.databaseUrl !== undefined;
	// The pod's name where it has one: operators find the replica in `kubectl get pods`.
	const replicaId = `${hostname()}-${randomBytes(3).toString('hex')}`;
	const leadership = shared ? Leadership.shared(replicaId, new Replication(store.conn.db), config.replicas.leaseMs, logger) : Leadership.single(replicaId, logger);
	// The forges' runner lists and the built-in scraper are read on threads of their own
	// (one each: a scrape of megabytes of exposition does not hold up a GitLab cycle).
	const reader = new ReaderThread({ name: 'forge-reader', metrics, logger });
	const scrapeReader = new ReaderThread({ name: 'metrics-scraper', metrics, logger });
	const deps = { fleet, bus, sources, metrics, logger, reader, deferStart: true };
	const gitlab = new Map<string, GitlabSource>();
	const github = new Map<string, GithubSource>();
	const kubernetes = new Map<string, KubernetesSource>();
	// Clusters first: GitHub runners are marked with their ARC scale set from the watched EphemeralRunners.
	for (const s of config.sources) if (s.kind === 'kubernetes') kubernetes.set(s.name, startKubernetesSource(s, deps));
	const scaleSetsByRunnerId = () => new Map([...kubernetes.values()].flatMap((k) => [...k.runnerScaleSets()]));
	for (const s of config.sources) {
		if (s.kind === 'gitlab') gitlab.set(s.name, startGitlabSource(s, deps));
		if (s.kind === 'github') github.set(s.name, startGithubSource(s, { ...deps, scaleSetsByRunnerId }));
	}
	// The capacity window outlives the process too: loaded from the store, kept there and published by the leader.
	const capacityWindow = new CapacityWindowStore(store.conn.db, (trx) => leadership.fence(trx));
	const feedRef: { feed?: ReplicaFeed | null } = {};
	const scraper = startMetricsScraper(config.scrape, { ...deps, reader: scrapeReader }, config.groupLabels, {
		initial: config.scrape.targets.length || config.scrape.httpSd.length
			? await capacityWindow.load(Date.now() - config.scrape.windowMs).catch((e) => {
					logger.warn({ err: messageOf(e) }, 'capacity window could not be loaded; charts start empty');
					return [];
				})
			: [],
		keep: (scrape) => {
			if (!leadership.leading) return;
			void capacityWindow.append(scrape, scrape.at - config.scrape.windowMs).catch((e) => logger.warn({ err: messageOf(e) }, 'capacity window write failed'));
			feedRef.feed?.publishScrape(scrape);
		}
	});
	const capacity = startCapacity(config, { sources, metrics, logger, scraper });
	// The replica history outlives the process: loaded from the store, kept there by the leader.
	const autoscalerHistory = new AutoscalerHistoryStore(store.conn.db, (trx) => leadership.fence(trx));
	const autoscalers = startAutoscalerRecorder({
		bus,
		kubernetes,
		sources,
		initial: await autoscalerHistory.load(Date.now() / 1000 - HISTORY_KEEP_S).catch((e) => {
			logger.warn({ err: messageOf(e) }, 'autoscaler history could not be loaded; charts start empty');
			return [];
		}),
		keep: (points) => {
			if (leadership.leading) void autoscalerHistory.append(points).catch((e) => logger.warn({ err: messageOf(e) }, 'autoscaler history write failed'));
		}
	});
	const drift = new DriftService({ config, store, bus, sources, metrics, logger, gitlab, github, kubernetes, fence: (trx) => leadership.fence(trx) });
	// Only the leader reads waiting jobs from the forges; the others get its reads through the feed.
	const waitingJobs = startWaitingJobs({ config, fleet, gitlab, github, kubernetes, logger, autoscalers, onRead: (source, read) => feedRef.feed?.publishWaiting(source, read) });
	const forgeVersions = startForgeVersions({ config, gitlab, github, logger });
	const offlineTimes = new RunnerOfflineStore(store.conn.db, (trx) => leadership.fence(trx));
	const deadWeight = new DeadWeight({ config, fleet, gitlab, github, bus, logger, store, offline: offlineTimes, leadingTerm: () => (leadership.leading ? leadership.term : null) });
	registerFleetMetrics(metrics.registry, {
		runners: () => fleet.values(),
		outdated: (r) => forgeVersions.outdated(r),
		runnersKey: () => `${fleet.version}:${forgeVersions.generation()}`,
		waiting: () => waitingJobs.summary().by_reason,
		drift: () => (drift.configured ? drift.snapshot() : { stacks: [], items: [] }),
		sources: () => sources.list(),
		arc: () => arcHealth({ kubernetes })
	});
	const targets = changeTargets(
		config,
		{
			gitlab: (name) => gitlab.get(name)!.client,
			github: (name) => github.get(name)!.client,
			observe: (source) => (outcome) => metrics.upstreamRequests.inc({ source, outcome })
		},
		(stack) => drift.readersOf(stack)
	);
	// The tracker follows a change as soon as it is made; it is built after the service it reads serials through.
	const follower: { tracker?: ChangeTracker } = {};
	const changes = new ChangeService({
		store,
		bus,
		logger,
		config: config.changes,
		origin: config.origin,
		targets,
		drift: drift.configured ? () => drift.snapshot() : null,
		follow: () => follower.tracker?.poke()
	});
	const changeTracker = new ChangeTracker({
		store,
		logger,
		targets,
		intervalMs: config.changes.intervalMs,
		drift: drift.configured ? () => drift.snapshot() : null,
		refreshDrift: () => void drift.refresh().catch((e) => logger.warn({ err: messageOf(e) }, 'drift refresh after an apply failed')),
		serialOf: (t, env) => changes.serialOf(t, env),
		publish: (c) => changes.publish(c)
	});
	follower.tracker = changeTracker;
	const metricsServer = config.metricsPort ? await serveMetrics(metrics, config.host, config.metricsPort) : undefined;
	// Store housekeeping: expired sessions and throttle counters, audit records past their
	// retention, and resolved drift items past their keep time.
	const prune = setInterval(() => {
		if (!leadership.leading) return;
		void auth.prune().catch((e) => logger.warn({ err: messageOf(e) }, 'session and sign-in throttle prune failed'));
		const auditBefore = new Date(Date.now() - config.auditRetentionDays * 86_400_000).toISOString();
		void store.audit.prune(auditBefore).catch((e) => logger.warn({ err: messageOf(e) }, 'audit prune failed'));
		void drift.pruneHistory().catch((e) => logger.warn({ err: messageOf(e) }, 'drift history prune failed'));
		const nowS = Date.now() / 1000;
		void autoscalerHistory
			.compact(nowS - DEFAULT_HISTORY.fineSpanS, DEFAULT_HISTORY.coarseStepS, nowS - HISTORY_KEEP_S)
			.catch((e) => logger.warn({ err: messageOf(e) }, 'autoscaler history compaction failed'));
		// A replay is recognised for this long; forges redeliver within days.
		void store.changes.pruneDeliveries(new Date(Date.now() - 30 * 86_400_000).toISOString()).catch((e) => logger.warn({ err: messageOf(e) }, 'webhook delivery prune failed'));
	}, 10 * 60_000);
	prune.unref();
	const live = new LiveStreams(bus, { ...DEFAULT_LIVE_LIMITS, ...config.live }, (p) => auth.stillValid(p), {
		opened: () => metrics.sseClients.inc(),
		closed: () => metrics.sseClients.dec()
	});
	// A missing permission is found once, at start, and said in words where the operator looks:
	// the cluster source's error, and a warning per finding.
	const sourceCheck = new SourceChecks(config, ({ report, denied }) => {
		for (const [name, list] of denied) kubernetes.get(name)?.explainDenied(list);
		for (const row of report.rows.filter(failing)) logger.warn({ source: row.source, check: row.check, fix: row.fix }, `source check: ${row.detail}`);
	});
	void sourceCheck.run().catch((e) => logger.warn({ err: messageOf(e) }, 'source check failed'));
	const feed = shared
		? new ReplicaFeed({
				databaseUrl: config.databaseUrl!,
				replication: new Replication(store.conn.db),
				leadership,
				bus,
				fleet,
				sources,
				drift,
				scraper,
				auth,
				live: () => live,
				waitingJobs: () => waitingJobs,
				logger,
				metrics,
				readyLagMs: config.replicas.readyLagMs
			})
		: null;
	feedRef.feed = feed;
	if (feed) {
		auth.accessChanged = () => feed.announceAccess();
		// Caches first (the newest snapshot and the rows after it), then the lease: a new leader starts from what the last one published.
		await feed.start();
	}
	// Only the leader reads the forges, checks drift and follows changes; the others serve what it publishes.
	const pollers = [...gitlab.values(), ...github.values()].map((g) => g.poller);
	leadership.onChange(async (leading) => {
		metrics.leader.set({ replica: leadership.id }, leading ? 1 : 0);
		metrics.leaderTerm.set(leadership.term);
		if (leading) {
			for (const p of pollers) p.start();
			waitingJobs.resume();
			scraper?.start();
			drift.start();
			changeTracker.start();
			await feed?.snapshot().catch((e) => logger.warn({ err: messageOf(e) }, 'replica feed: the first snapshot failed'));
		} else {
			await Promise.all(pollers.map((p) => p.stop()));
			await waitingJobs.pause();
			await scraper?.stop();
			await drift.pause();
			await changeTracker.stop();
		}
	});
	leadership.start();
	logger.info({ store: store.conn.location, sources: config.sources.map((s) => s.name), version: info.version, revision: info.revision }, 'dashboard ready');
	current = {
		config,
		store,
		auth,
		accounts,
		sso,
		passkeys,
		bus,
		metrics,
		logger,
		fleet,
		views: new FleetViews(fleet, forgeVersions),
		sources,
		gitlab,
		github,
		kubernetes,
		scraper,
		drift,
		changes,
		changeTracker,
		capacity,
		autoscalers,
		waitingJobs,
		forgeVersions,
		deadWeight,
		runnerDetails: new RunnerDetails({ fleet, gitlab, kubernetes, sources, autoscalers, forgeVersions }),
		live,
		leadership,
		feed,
		sourceCheck,
		openapi: () => ({}),
		stopping: false,
		startedAt: new Date(),
		async close() {
			clearInterval(prune);
			// The lease goes first, so another replica takes over while this one finishes.
			await leadership.stop();
			await feed?.stop();
			live.closeAll();
			autoscalers.stop();
			await waitingJobs.stop();
			forgeVersions.stop();
			deadWeight.stop();
			metricsServer?.close();
			// The reader first: a cycle waiting on it (a first sync's ten thousand details) ends at once.
			await Promise.all([reader.close(), scrapeReader.close()]);
			await Promise.all([...gitlab.values(), ...github.values()].map((g) => g.poller.stop()));
			await Promise.all([...kubernetes.values()].map((k) => k.stop()));
			await scraper?.stop();
			await changeTracker.stop();
			await drift.stop();
			await capacity.stop();
			await store.close();
			current = undefined;
		}
	};
	return current;
}
