// The dashboard's own telemetry, served at /metrics.
import client from 'prom-client';

export function createMetrics() {
	const registry = new client.Registry();
	client.collectDefaultMetrics({ register: registry, prefix: 'runner_dashboard_' });
	return {
		registry,
		httpDuration: new client.Histogram({
			name: 'runner_dashboard_http_request_duration_seconds',
			help: 'HTTP request latency by route (SvelteKit route id), method and status.',
			labelNames: ['route', 'method', 'status'] as const,
			buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
			registers: [registry]
		}),
		upstreamRequests: new client.Counter({
			name: 'runner_dashboard_upstream_requests_total',
			help: 'Requests to upstream sources by source and outcome (ok, http, timeout, network, rate_limited, invalid_response).',
			labelNames: ['source', 'outcome'] as const,
			registers: [registry]
		}),
		readerHeap: new client.Gauge({
			name: 'runner_dashboard_reader_heap_bytes',
			help: 'V8 heap of each background reader thread (forge-reader, metrics-scraper) at its last answer: used, and total allocated. The process-wide nodejs_heap_* metrics are the main thread only.',
			labelNames: ['thread', 'kind'] as const,
			registers: [registry]
		}),
		leader: new client.Gauge({
			name: 'runner_dashboard_leader',
			help: '1 while this replica leads (polls the forges, checks drift, records history), 0 otherwise; always 1 on SQLite. Labelled with the replica id.',
			labelNames: ['replica'] as const,
			registers: [registry]
		}),
		leaderTerm: new client.Gauge({
			name: 'runner_dashboard_leader_term',
			help: 'The leadership term this replica leads in or last saw (0 on SQLite).',
			registers: [registry]
		}),
		replicaLag: new client.Gauge({
			name: 'runner_dashboard_replica_lag_seconds',
			help: 'Age of the oldest event in the replica feed this replica has not applied yet; 0 when caught up.',
			registers: [registry]
		}),
		feedDelay: new client.Histogram({
			name: 'runner_dashboard_replica_feed_delay_seconds',
			help: 'Time from an event entering the replica feed to this replica applying it.',
			buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
			registers: [registry]
		}),
		sseClients: new client.Gauge({
			name: 'runner_dashboard_sse_clients',
			help: 'Open server-sent event streams.',
			registers: [registry]
		}),
		syncDuration: new client.Histogram({
			name: 'runner_dashboard_sync_duration_seconds',
			help: 'Duration of one sync cycle per source.',
			labelNames: ['source', 'outcome'] as const,
			buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
			registers: [registry]
		}),
		sourceUp: new client.Gauge({
			name: 'runner_dashboard_source_up',
			help: '1 when the source answered its last sync, 0 otherwise.',
			labelNames: ['source', 'kind'] as const,
			registers: [registry]
		}),
		buildInfo: new client.Gauge({
			name: 'runner_dashboard_build_info',
			help: 'Version and git revision of the running dashboard.',
			labelNames: ['version', 'revision'] as const,
			registers: [registry]
		})
	};
}

export type Metrics = ReturnType<typeof createMetrics>;
