// `tofu plan` of a commit against the live objects (nothing written), rendered as
// OpenTofu does, and the pipelines' bookkeeping (statuses, the bound on how many are kept).

import { beforeAll, describe, expect, it } from 'vitest';
import { World } from '../sim/world.js';
import { planStackNow } from './apply.js';
import { loadHclParser, readTfvarsNow } from './hcl-read.js';
import { planText, touchedStacks } from './plan.js';
import { MAX_PIPELINES, Pipelines, compositeStatus, type Job } from './pipelines.js';
import { setTfvars } from './tfvars-edit.js';

const TFVARS = 'tofu/stacks/gitlab-runners/dev.tfvars';

function commitSet(world: World, values: Record<string, string | number | boolean>) {
	const text = world.gitops.repo.head().files.get(TFVARS) as string;
	return world.gitops.commitFile(TFVARS, setTfvars(text, TFVARS, values), 'edit');
}

describe('plan', () => {
	beforeAll(() => loadHclParser());

	it('finds nothing to do on a fresh sandbox', () => {
		const world = new World({ seed: 1, gitlabRunners: 10 });
		const p = planStackNow(world, 'gitlab-runners', 'dev', world.gitops.repo.head());
		expect(p.changes).toEqual([]);
		expect(planText(p)).toMatch(/^No changes\. Your infrastructure matches the configuration\./);
	});

	it('lists updates field by field, and destroys and creates for a runner switched off and one renamed', () => {
		const world = new World({ seed: 1, gitlabRunners: 10 });
		const before = world.gitops.repo.head();
		const c = commitSet(world, { deploy_dind_runner: false, nix_runner_name: 'nix-builders', docker_concurrent_jobs: 16 });
		expect(touchedStacks(before.files, c.files)).toEqual(['gitlab-runners']);
		const p = planStackNow(world, 'gitlab-runners', 'dev', c);
		const text = planText(p);
		expect(p.changes.map((x) => `${x.action} ${x.address}`)).toEqual([
			'update kubernetes_config_map_v1.runner["docker"]',
			'update kubernetes_horizontal_pod_autoscaler_v2.runner["docker"]',
			'create kubernetes_config_map_v1.runner["nix"]',
			'create kubernetes_deployment_v1.runner["nix"]',
			'create kubernetes_horizontal_pod_autoscaler_v2.runner["nix"]',
			'delete kubernetes_horizontal_pod_autoscaler_v2.runner["dind"]',
			'delete kubernetes_deployment_v1.runner["dind"]',
			'delete kubernetes_config_map_v1.runner["dind"]',
			'delete kubernetes_horizontal_pod_autoscaler_v2.runner["nix"]',
			'delete kubernetes_deployment_v1.runner["nix"]',
			'delete kubernetes_config_map_v1.runner["nix"]'
		]);
		expect(text).toContain('  # kubernetes_horizontal_pod_autoscaler_v2.runner["docker"] will be updated in-place\n  ~ resource "kubernetes_horizontal_pod_autoscaler_v2" "runner" {\n        id = "gitlab-runners/docker-runner-hpa"\n      ~ spec.metrics[0].external.target.average_value = "12" -> "16"\n    }');
		expect(text).toContain('  # kubernetes_deployment_v1.runner["nix"] will be created\n  + resource "kubernetes_deployment_v1" "runner" {');
		expect(text).toContain('      + metadata.labels["app.kubernetes.io/name"] = "nix-builders"');
		expect(text).toContain('  # kubernetes_config_map_v1.runner["dind"] will be destroyed\n  - resource "kubernetes_config_map_v1" "runner" {\n      - id = "gitlab-runners/dind-runner-config" -> null\n    }');
		expect(text).toMatch(/Plan: 3 to add, 2 to change, 6 to destroy\.\n$/);
		// A plan writes nothing.
		expect(planStackNow(world, 'gitlab-runners', 'dev', c).changes).toHaveLength(11);
		expect(world.cluster.get('apps/v1', 'Deployment', 'gitlab-runners', 'dind-runner')).toBeDefined();
	});

	it('keeps the tfvars bytes when setting values, and appends unset variables', () => {
		const text = '# header ✓ ünïcode\nname   = "old" # keep me\nn = 1\n';
		const out = setTfvars(text, 'x.tfvars', { name: 'new "quoted" ${x}', n: 2, added: [1, 2] });
		expect(out).toBe('# header ✓ ünïcode\nname   = "new \\"quoted\\" $${x}" # keep me\nn = 2\nadded = [1, 2]\n');
		// Read back, the string is exactly what was set (no template).
		expect(readTfvarsNow(out, 'x.tfvars').get('name')?.value).toBe('new "quoted" ${x}');
	});
});

describe('pipelines', () => {
	const job = (status: Job['status']): Job => ({ id: 1, name: 'plan', status, createdAt: 0, queuedAt: null, startedAt: null, finishedAt: null, nextAt: null, log: '', failureReason: null, failRequested: false });

	it('derive their status from their jobs as GitLab does', () => {
		expect(compositeStatus([job('created'), job('created')])).toBe('created');
		expect(compositeStatus([job('pending'), job('created')])).toBe('pending');
		expect(compositeStatus([job('success'), job('pending')])).toBe('running');
		expect(compositeStatus([job('success'), job('created')])).toBe('running');
		expect(compositeStatus([job('failed'), job('skipped')])).toBe('failed');
		expect(compositeStatus([job('success'), job('canceled')])).toBe('canceled');
		expect(compositeStatus([job('success'), job('success')])).toBe('success');
	});

	it('keep at most MAX_PIPELINES, dropping the oldest finished ones', () => {
		const events: string[] = [];
		const pl = new Pipelines(
			() => ({ ok: true, log: 'ok\n' }),
			(e) => events.push(e.kind),
			() => ''
		);
		const make = (at: number) => pl.create({ forge: 'gitlab', sha: 'a'.repeat(40), beforeSha: 'a'.repeat(40), ref: 'main', branch: 'main', source: 'api', proposal: null, stacks: [], apply: false, at });
		const first = make(0);
		for (let i = 1; i < MAX_PIPELINES; i++) make(0);
		pl.step(60_000);
		expect(pl.list().every((p) => p.status === 'success')).toBe(true);
		const running = make(60_000);
		expect(pl.list()).toHaveLength(MAX_PIPELINES);
		expect(pl.get('gitlab', first.id)).toBeUndefined();
		expect(pl.get('gitlab', running.id)?.status).toBe('created');
		expect(events.length).toBeGreaterThan(MAX_PIPELINES * 4);
	});
});
