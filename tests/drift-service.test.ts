// The drift service in process, over an in-process sandbox, the real Kubernetes source
// (informers) and a SQLite store: a patch is recomputed from the cluster change alone,
// the bus gets a `drift` event, and an item's first_seen survives a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../sandbox/testing';
import type { Sandbox } from '../sandbox/index';
import { loadConfig, type Config } from '$lib/server/config';
import { DriftService } from '$lib/server/drift/service';
import { EventBus } from '$lib/server/events/bus';
import { FleetCache } from '$lib/server/fleet/cache';
import { Store } from '$lib/server/store';
import { startKubernetesSource, type KubernetesSource } from '$lib/server/sync/kubernetes-source';
import { SourceRegistry } from '$lib/server/sync/source-status';
import { createLogger } from '$lib/server/telemetry/logger';
import { createMetrics } from '$lib/server/telemetry/metrics';
import { createGitlabClient } from '$lib/sources/gitlab/client';
import { eventually } from './helpers/app';

let sb: Sandbox;
let dataDir: string;
let store: Store;
let config: Config;
let cluster: KubernetesSource;
const bus = new EventBus(1000);
const sources = new SourceRegistry();
const metrics = createMetrics();
const logger = createLogger('silent');

function service(): DriftService {
	const gl = config.sources.find((s) => s.kind === 'gitlab' && s.name === 'sandbox-gitlab') as Extract<Config['sources'][number], { kind: 'gitlab' }>;
	const client = createGitlabClient({ source: gl.name, url: gl.gitlab.url, token: gl.token });
	return new DriftService({
		config,
		store,
		bus,
		sources,
		metrics,
		logger,
		gitlab: new Map([[gl.name, { client } as never]]),
		github: new Map(),
		kubernetes: new Map([[cluster.name, cluster]])
	}).start();
}

async function patchHpaMax(n: number) {
	const r = await fetch(`${sb.url}/k8s/apis/autoscaling/v2/namespaces/gitlab-runners/horizontalpodautoscalers/docker-runner-hpa`, {
		method: 'PATCH',
		headers: { 'content-type': 'application/merge-patch+json' },
		body: JSON.stringify({ spec: { maxReplicas: n } })
	});
	expect(r.status).toBe(200);
}

beforeAll(async () => {
	sb = await start();
	dataDir = mkdtempSync(join(tmpdir(), 'rd-drift-svc-'));
	store = await Store.open({ dataDir });
	config = loadConfig({ RUNNER_DASHBOARD_SANDBOX_URL: sb.url, RUNNER_DASHBOARD_DATA_DIR: dataDir });
	const k = config.sources.find((s) => s.kind === 'kubernetes')!;
	cluster = startKubernetesSource(k as Extract<Config['sources'][number], { kind: 'kubernetes' }>, { fleet: new FleetCache(), bus, sources, metrics, logger });
}, 30_000);

afterAll(async () => {
	await cluster?.stop();
	await store?.close();
	await sb?.close();
	if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('DriftService', () => {
	it('recomputes on a cluster change, publishes drift, and keeps first_seen across a restart', async () => {
		const first = service();
		try {
			await eventually(async () => first.snapshot(), (s) => s.checked_at !== null && s.errors.length === 0, 20_000, 'a first complete check');
			expect(first.snapshot().items).toEqual([]);
			expect(sources.list().find((s) => s.name === 'drift')).toMatchObject({ kind: 'drift', status: 'ok', simulated: true });

			const events: string[] = [];
			const off = bus.subscribe((e) => events.push(e.type));
			const readAt = first.snapshot().read_at;
			await patchHpaMax(14);
			const s = await eventually(async () => first.snapshot(), (x) => x.items.length === 1, 10_000, 'the out-of-band item');
			off();
			expect(s.items[0]).toMatchObject({ field: 'spec.maxReplicas', declared: 8, applied: 8, live: 14, class: 'out-of-band', stale: false });
			// From the cluster change, not from re-reading git and state.
			expect(s.read_at).toBe(readAt);
			expect(events).toContain('drift');
			const firstSeen = s.items[0]!.first_seen;
			await first.stop();

			await new Promise((r) => setTimeout(r, 1100));
			const second = service();
			try {
				const again = await eventually(async () => second.snapshot(), (x) => x.items.length === 1, 20_000, 'the item after the restart');
				expect(again.items[0]!.first_seen).toBe(firstSeen);
				expect(again.items[0]!.age_s).toBeGreaterThanOrEqual(1);
				await patchHpaMax(8);
				await eventually(async () => second.snapshot(), (x) => x.items.length === 0, 10_000, 'the item to clear');
				const h = await second.historyOf().list({ page: 1, perPage: 10 });
				expect(h.total).toBe(1);
				expect(h.items[0]).toMatchObject({ first_seen: firstSeen, resolved_at: expect.any(String), values: { live: 14 } });
			} finally {
				await second.stop();
			}
		} finally {
			await first.stop();
		}
	}, 60_000);
});
