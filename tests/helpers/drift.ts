// The drift service in process over a running sandbox: the configuration the sandbox
// (and an optional config file) gives, the real Kubernetes source watching the sandbox
// cluster, a SQLite store in `dataDir`, and services built over the sandbox's GitLab and GitHub.
import { expect } from 'vitest';
import type { Sandbox } from '../../sandbox/index';
import { loadConfig, type Config } from '$lib/server/config';
import { DriftService } from '$lib/server/drift/service';
import { EventBus } from '$lib/server/events/bus';
import { FleetCache } from '$lib/server/fleet/cache';
import { Store } from '$lib/server/store';
import { startKubernetesSource, type KubernetesSource } from '$lib/server/sync/kubernetes-source';
import { SourceRegistry } from '$lib/server/sync/source-status';
import { createLogger } from '$lib/server/telemetry/logger';
import { createMetrics } from '$lib/server/telemetry/metrics';
import { createGithubClient } from '$lib/sources/github/client';
import { createGitlabClient } from '$lib/sources/gitlab/client';

export interface DriftFixture {
	config: Config;
	store: Store;
	bus: EventBus;
	sources: SourceRegistry;
	cluster: KubernetesSource;
	/** A started drift service (stop it when done). */
	service(): DriftService;
	/** Sets the sandbox docker runner HPA's maxReplicas behind OpenTofu's back. */
	patchHpaMax(n: number): Promise<void>;
	stop(): Promise<void>;
}

export async function startDriftFixture(sb: Sandbox, dataDir: string, configFile?: string): Promise<DriftFixture> {
	const bus = new EventBus(1000);
	const sources = new SourceRegistry();
	const metrics = createMetrics();
	const logger = createLogger('silent');
	const store = await Store.open({ dataDir });
	const config = loadConfig({ RUNNER_DASHBOARD_SANDBOX_URL: sb.url, RUNNER_DASHBOARD_DATA_DIR: dataDir, ...(configFile ? { RUNNER_DASHBOARD_CONFIG: configFile } : {}) }, dataDir);
	const k = config.sources.find((s) => s.kind === 'kubernetes')!;
	const cluster = startKubernetesSource(k as Extract<Config['sources'][number], { kind: 'kubernetes' }>, { fleet: new FleetCache(), bus, sources, metrics, logger });
	return {
		config,
		store,
		bus,
		sources,
		cluster,
		service() {
			const gl = config.sources.find((s) => s.kind === 'gitlab' && s.name === 'sandbox-gitlab') as Extract<Config['sources'][number], { kind: 'gitlab' }>;
			const client = createGitlabClient({ source: gl.name, url: gl.gitlab.url, token: gl.token });
			const hub = config.sources.find((s) => s.kind === 'github' && s.name === 'sandbox-github') as Extract<Config['sources'][number], { kind: 'github' }>;
			const github = createGithubClient({ source: hub.name, apiUrl: hub.github.api_url, token: hub.token });
			return new DriftService({
				config,
				store,
				bus,
				sources,
				metrics,
				logger,
				gitlab: new Map([[gl.name, { client } as never]]),
				github: new Map([[hub.name, { client: github } as never]]),
				kubernetes: new Map([[cluster.name, cluster]])
			}).start();
		},
		async patchHpaMax(n) {
			const r = await fetch(`${sb.url}/k8s/apis/autoscaling/v2/namespaces/gitlab-runners/horizontalpodautoscalers/docker-runner-hpa`, {
				method: 'PATCH',
				headers: { 'content-type': 'application/merge-patch+json' },
				body: JSON.stringify({ spec: { maxReplicas: n } })
			});
			expect(r.status).toBe(200);
		},
		async stop() {
			await cluster.stop();
			await store.close();
		}
	};
}
