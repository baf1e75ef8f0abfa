// One bad stack never stops the others: the drift service in process, over the sandbox's
// GitLab and cluster, checks the sandbox's gitlab-runners stack next to three stacks on disk
// whose inputs must not take the others down — 1 000-deep nesting, a 200 000-line heredoc,
// a 50 MiB state. Each of those is an error for its own stack, with the reason; the good
// stack is still checked and still shows a change.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../sandbox/testing';
import type { Sandbox } from '../sandbox/index';
import { eventually } from './helpers/app';
import { startDriftFixture, type DriftFixture } from './helpers/drift';

let sb: Sandbox;
let dir: string;
let f: DriftFixture;
let heredocMiB: number;

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
	f = await startDriftFixture(sb, dir, join(dir, 'config.yaml'));
}, 60_000);

afterAll(async () => {
	await f?.stop();
	await sb?.close();
	if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('one bad stack never stops the others', () => {
	it('reports each oversized or overdeep stack with its reason and keeps checking the good one', async () => {
		const drift = f.service();
		try {
			const s = await eventually(async () => drift.snapshot(), (x) => x.checked_at !== null && x.errors.length === 3, 30_000, 'a check with the three broken stacks');
			expect(s.errors).toEqual([
				{ stack: 'deep-nesting', env: 'dev', file: join(dir, 'deep/dev.tfvars'), line: 2, message: 'value nested deeper than 64 levels' },
				{ stack: 'huge-state', env: 'dev', file: join(dir, 'huge-dev.tfstate'), line: null, message: `${join(dir, 'huge-dev.tfstate')} is 50 MiB, over the 16 MiB limit for a state; not read (drift.max_state_mib)` },
				{ stack: 'long-heredoc', env: 'dev', file: join(dir, 'heredoc/variables.tf'), line: null, message: `${join(dir, 'heredoc/variables.tf')} is ${heredocMiB} MiB, over the 2 MiB limit for a declared file; not read (drift.max_declared_file_mib)` }
			]);
			expect(s.checked.stacks).toBe(1);
			expect(s.items).toEqual([]);
			expect(f.sources.list().find((x) => x.name === 'drift')).toMatchObject({ status: 'degraded', last_error: expect.stringContaining('3 stack inputs failed') });

			await f.patchHpaMax(13);
			const changed = await eventually(async () => drift.snapshot(), (x) => x.items.length === 1, 10_000, 'the out-of-band item of the good stack');
			expect(changed.items[0]).toMatchObject({ stack: 'gitlab-runners', field: 'spec.maxReplicas', applied: 8, live: 13, class: 'out-of-band', stale: false });
			expect(changed.errors.map((e) => e.stack)).toEqual(['deep-nesting', 'huge-state', 'long-heredoc']);
		} finally {
			await drift.stop();
			await f.patchHpaMax(8);
		}
	}, 90_000);
});
