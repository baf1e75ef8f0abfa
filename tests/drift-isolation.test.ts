// One bad stack never stops the others: the drift service in process, over the sandbox's
// GitLab and cluster, checks the sandbox's gitlab-runners stack next to three stacks on disk
// that once took every stack down — 1 000-deep nesting, a 200 000-line heredoc, a 50 MiB
// state. Each of those is an error for its own stack, with the reason; the good stack is
// still checked and still shows a change.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
let dir: string;
let store: Store;
let config: Config;
let cluster: KubernetesSource;
let heredocMiB: number;
const bus = new EventBus(1000);
const sources = new SourceRegistry();
const metrics = createMetrics();
const logger = createLogger('silent');

const VARIABLES = 'variable "max" {\n  default = 1\n}\n';
const EMPTY_STATE = JSON.stringify({ version: 4, terraform_version: '1.8.5', serial: 1, lineage: 'x', outputs: {}, resources: [] });

function stack(name: string, declared: string, state: string) {
	return `    - name: ${name}
      envs: [dev]
      declared: { local: { path: ${declared} } }
      state: { file: { path: "${state}" } }
      cluster: sandbox-k8s
`;
}

beforeAll(async () => {
	sb = await start();
	dir = mkdtempSync(join(tmpdir(), 'rd-drift-isolation-'));
	for (const d of ['deep', 'heredoc', 'fine']) mkdirSync(join(dir, d));
	writeFileSync(join(dir, 'deep/variables.tf'), VARIABLES);
	writeFileSync(join(dir, 'deep/dev.tfvars'), `max = 2\nnested = ${'['.repeat(1000)}${']'.repeat(1000)}\n`);
	const heredoc = Array.from({ length: 200_000 }, (_, i) => `    echo "step ${String(i).padStart(6, '0')}"`).join('\n');
	const variables = `variable "script" {\n  default = <<-EOT\n${heredoc}\n  EOT\n}\n`;
	heredocMiB = Number((Buffer.byteLength(variables) / 2 ** 20).toFixed(1));
	writeFileSync(join(dir, 'heredoc/variables.tf'), variables);
	writeFileSync(join(dir, 'fine/variables.tf'), VARIABLES);
	writeFileSync(join(dir, 'empty.tfstate'), EMPTY_STATE);
	// 50 MiB of state: valid JSON, a resource list padded out.
	writeFileSync(join(dir, 'huge-dev.tfstate'), `{"version": 4, "serial": 1, "lineage": "x", "resources": [], "pad": "${'x'.repeat(50 * 2 ** 20)}"}`);
	writeFileSync(
		join(dir, 'config.yaml'),
		`drift:
  stacks:
    - name: gitlab-runners
      envs: [dev]
      declared: { gitlab: { source: sandbox-gitlab, project: 42, path: tofu/stacks/gitlab-runners } }
      state: { gitlab: { source: sandbox-gitlab, project: 42 } }
      cluster: sandbox-k8s
${stack('deep-nesting', 'deep', 'empty.tfstate')}${stack('long-heredoc', 'heredoc', 'empty.tfstate')}${stack('huge-state', 'fine', 'huge-{env}.tfstate')}`
	);
	store = await Store.open({ dataDir: dir });
	config = loadConfig({ RUNNER_DASHBOARD_SANDBOX_URL: sb.url, RUNNER_DASHBOARD_DATA_DIR: dir, RUNNER_DASHBOARD_CONFIG: join(dir, 'config.yaml') }, dir);
	const k = config.sources.find((s) => s.kind === 'kubernetes')!;
	cluster = startKubernetesSource(k as Extract<Config['sources'][number], { kind: 'kubernetes' }>, { fleet: new FleetCache(), bus, sources, metrics, logger });
}, 60_000);

afterAll(async () => {
	await cluster?.stop();
	await store?.close();
	await sb?.close();
	if (dir) rmSync(dir, { recursive: true, force: true });
});

async function patchHpaMax(n: number) {
	const r = await fetch(`${sb.url}/k8s/apis/autoscaling/v2/namespaces/gitlab-runners/horizontalpodautoscalers/docker-runner-hpa`, {
		method: 'PATCH',
		headers: { 'content-type': 'application/merge-patch+json' },
		body: JSON.stringify({ spec: { maxReplicas: n } })
	});
	expect(r.status).toBe(200);
}

describe('one bad stack never stops the others', () => {
	it('reports each oversized or overdeep stack with its reason and keeps checking the good one', async () => {
		const gl = config.sources.find((s) => s.kind === 'gitlab' && s.name === 'sandbox-gitlab') as Extract<Config['sources'][number], { kind: 'gitlab' }>;
		const client = createGitlabClient({ source: gl.name, url: gl.gitlab.url, token: gl.token });
		const drift = new DriftService({ config, store, bus, sources, metrics, logger, gitlab: new Map([[gl.name, { client } as never]]), github: new Map(), kubernetes: new Map([[cluster.name, cluster]]) }).start();
		try {
			const s = await eventually(async () => drift.snapshot(), (x) => x.checked_at !== null && x.errors.length === 3, 30_000, 'a check with the three broken stacks');
			expect(s.errors).toEqual([
				{ stack: 'deep-nesting', env: 'dev', file: join(dir, 'deep/dev.tfvars'), line: 2, message: 'value nested deeper than 64 levels' },
				{ stack: 'huge-state', env: 'dev', file: join(dir, 'huge-dev.tfstate'), line: null, message: `${join(dir, 'huge-dev.tfstate')} is 50 MiB, over the 16 MiB limit for a state; not read (drift.max_state_mib)` },
				{ stack: 'long-heredoc', env: 'dev', file: join(dir, 'heredoc/variables.tf'), line: null, message: `${join(dir, 'heredoc/variables.tf')} is ${heredocMiB} MiB, over the 2 MiB limit for a declared file; not read (drift.max_declared_file_mib)` }
			]);
			expect(s.checked.stacks).toBe(1);
			expect(s.items).toEqual([]);
			expect(sources.list(() => 0).find((x) => x.name === 'drift')).toMatchObject({ status: 'degraded', last_error: expect.stringContaining('3 stack inputs failed') });

			await patchHpaMax(13);
			const changed = await eventually(async () => drift.snapshot(), (x) => x.items.length === 1, 10_000, 'the out-of-band item of the good stack');
			expect(changed.items[0]).toMatchObject({ stack: 'gitlab-runners', field: 'spec.maxReplicas', applied: 8, live: 13, class: 'out-of-band', stale: false });
			expect(changed.errors.map((e) => e.stack)).toEqual(['deep-nesting', 'huge-state', 'long-heredoc']);
		} finally {
			await drift.stop();
			await patchHpaMax(8);
		}
	}, 90_000);
});
