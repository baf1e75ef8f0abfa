// Stock kubectl against the simulated API server: get, describe, patch and get -w.
// Skipped when kubectl is not installed (set KUBECTL to use another binary).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARC, GL } from './fixtures.js';
import { HAS_KUBECTL, KUBECTL, eventually, kubectlFor, rows, startWithFixture, type Kubectl, type TestSandbox } from './testing.js';

/** The Google Cloud SDK ships per-minor kubectl binaries beside its dispatcher; an old one exercises legacy discovery. */
const KUBECTL_127 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.27';

let sb: TestSandbox;
let k: Kubectl;

beforeAll(async () => {
	sb = await startWithFixture();
	k = kubectlFor(sb);
});
afterAll(async () => {
	await sb?.close();
	k?.cleanup();
});

const kubectl = (args: string[], bin?: string) => k.run(args, bin);
const ok = (args: string[]) => k.ok(args);

describe.skipIf(!HAS_KUBECTL)('kubectl get', () => {
	it('gets pods in a namespace, across namespaces, wide, by label', async () => {
		const ns = rows(await ok(['get', 'pods', '-n', GL]));
		expect(ns[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
		expect(ns).toContainEqual(['fx-docker-runner-7c9d8f6b5d-abcde', '1/1', 'Running', '3', '0s']);
		expect(ns).toContainEqual(['fx-docker-runner-7c9d8f6b5d-fghij', '0/1', 'ContainerCreating', '0', '0s']);
		const all = rows(await ok(['get', 'po', '-A', '-l', 'app=fx-docker-runner']));
		expect(all[0]).toEqual(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
		expect(all.slice(1).map((r) => r[0])).toEqual([GL, GL]);
		const wide = rows(await ok(['get', 'pods', '-n', GL, '-o', 'wide', '-l', 'app in (fx-docker-runner),pod-template-hash']));
		expect(wide[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
		expect(wide[1]).toEqual(['fx-docker-runner-7c9d8f6b5d-abcde', '1/1', 'Running', '3', '0s', '10.42.0.17', 'node-a', '<none>', '<none>']);
		const none = await kubectl(['get', 'pods', '-n', GL, '-l', 'app=nothing']);
		expect(none.stderr).toContain(`No resources found in ${GL} namespace.`);
	});

	it('prints -o json and -o yaml from the plain objects', async () => {
		const list = JSON.parse(await ok(['get', 'pods', '-n', GL, '-l', 'app=fx-docker-runner', '-o', 'json']));
		expect(list.kind).toBe('List');
		expect(list.items.map((p: any) => [p.kind, p.metadata.name])).toEqual(sb.fx.pods.map((p) => ['Pod', p.metadata.name]));
		const one = JSON.parse(await ok(['get', 'autoscalingrunnerset', 'fx-gh-docker', '-n', ARC, '-o', 'json']));
		expect(one).toMatchObject({ apiVersion: 'actions.github.com/v1alpha1', kind: 'AutoscalingRunnerSet', spec: { maxRunners: 10 } });
		const yaml = await ok(['get', 'hpa', 'fx-docker-runner-hpa', '-n', GL, '-o', 'yaml']);
		expect(yaml).toContain('kind: HorizontalPodAutoscaler');
		expect(yaml).toMatch(/maxReplicas: 8/);
	});

	it('gets deployments and HPAs with their printer columns', async () => {
		const d = rows(await ok(['get', 'deploy', '-n', GL, '-o', 'wide']));
		expect(d[0]).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
		expect(d).toContainEqual(['fx-docker-runner', '1/2', '2', '1', '0s', 'runner', 'gitlab/gitlab-runner:v17.5.2', 'app=fx-docker-runner']);
		const h = rows(await ok(['get', 'horizontalpodautoscalers', '-n', GL]));
		expect(h[0]).toEqual(['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE']);
		expect(h).toContainEqual(['fx-docker-runner-hpa', 'Deployment/fx-docker-runner', 'cpu: 45%/70%', '1', '8', '2', '0s']);
	});

	it('gets the ARC kinds across namespaces', async () => {
		const ars = rows(await ok(['get', 'autoscalingrunnersets', '-A']));
		expect(ars[0]!.slice(0, 6)).toEqual(['NAMESPACE', 'NAME', 'MINIMUM RUNNERS', 'MAXIMUM RUNNERS', 'CURRENT RUNNERS', 'PHASE']);
		expect(ars).toContainEqual(expect.arrayContaining([ARC, 'fx-gh-docker', '0', '10', '2', 'Running']));
		const er = await ok(['get', 'ephemeralrunners', '-n', ARC]);
		expect(er).toMatch(/fx-gh-docker-x7k2p-runner-r4m9q\s+https:\/\/github.com\/platform\s+4101\s+Running\s+platform\/infra/);
		expect(await ok(['get', 'ephemeralrunnersets.actions.github.com', '-n', ARC])).toMatch(/fx-gh-docker-x7k2p\s+2\s+2/);
	});
});

describe.skipIf(!HAS_KUBECTL)('kubectl describe', () => {
	it('describes a pod with its events', async () => {
		const out = await ok(['describe', 'pod', 'fx-docker-runner-7c9d8f6b5d-abcde', '-n', GL]);
		expect(out).toMatch(/^Name:\s+fx-docker-runner-7c9d8f6b5d-abcde$/m);
		expect(out).toMatch(/^Status:\s+Running$/m);
		expect(out).toMatch(/Restart Count:\s+3/);
		expect(out).toMatch(/Normal\s+Started\s+\S+\s+sandbox\s+Started container runner/);
	});

	it('describes a deployment and an HPA', async () => {
		const d = await ok(['describe', 'deployment', 'fx-docker-runner', '-n', GL]);
		expect(d).toMatch(/^Replicas:\s+2 desired \| 2 updated \| 2 total \| 1 available \| 0 unavailable$/m);
		const h = await ok(['describe', 'hpa', 'fx-docker-runner-hpa', '-n', GL]);
		expect(h).toMatch(/^Reference:\s+Deployment\/fx-docker-runner$/m);
		expect(h).toMatch(/resource cpu on pods\s+\(as a percentage of request\):\s+45% \(45m\) \/ 70%/);
		expect(h).toMatch(/^Min replicas:\s+1$/m);
		expect(h).toMatch(/SuccessfulRescale/);
	});

	it('describes an AutoscalingRunnerSet with the generic describer', async () => {
		const out = await ok(['describe', 'autoscalingrunnerset', 'fx-gh-docker', '-n', ARC]);
		expect(out).toMatch(/^Kind:\s+AutoscalingRunnerSet$/m);
		expect(out).toMatch(/Max Runners:\s+10/);
		expect(out).toMatch(/Current Runners:\s+2/);
		expect(out).toMatch(/RunnerScaleSetReady/);
	});
});

describe.skipIf(!HAS_KUBECTL)('kubectl patch', () => {
	const store = () => sb.world.cluster;
	const hpa = () => store().get('autoscaling/v2', 'HorizontalPodAutoscaler', GL, 'fx-docker-runner-hpa')!;
	const ars = () => store().get('actions.github.com/v1alpha1', 'AutoscalingRunnerSet', ARC, 'fx-gh-docker')!;

	it('patches an HPA with merge, strategic (the default) and json patches', async () => {
		const gen = hpa().metadata.generation!;
		expect(await ok(['patch', 'hpa', 'fx-docker-runner-hpa', '-n', GL, '--type', 'merge', '-p', '{"spec":{"maxReplicas":11}}'])).toBe('horizontalpodautoscaler.autoscaling/fx-docker-runner-hpa patched\n');
		expect(hpa().spec.maxReplicas).toBe(11);
		expect(hpa().metadata.generation).toBe(gen + 1);
		expect(await ok(['patch', 'hpa', 'fx-docker-runner-hpa', '-n', GL, '--type', 'merge', '-p', '{"spec":{"maxReplicas":11}}'])).toContain('patched (no change)');
		await ok(['patch', 'hpa', 'fx-docker-runner-hpa', '-n', GL, '-p', '{"spec":{"minReplicas":2}}']);
		expect(hpa().spec.minReplicas).toBe(2);
		await ok(['patch', 'hpa', 'fx-docker-runner-hpa', '-n', GL, '--type', 'json', '-p', '[{"op":"replace","path":"/spec/maxReplicas","value":12}]']);
		expect(hpa().spec.maxReplicas).toBe(12);
	});

	it('drains an AutoscalingRunnerSet with a merge patch; strategic is refused for the CRD', async () => {
		await ok(['patch', 'autoscalingrunnerset', 'fx-gh-docker', '-n', ARC, '--type', 'merge', '-p', '{"spec":{"maxRunners":0}}']);
		expect(ars().spec.maxRunners).toBe(0);
		const strategic = await kubectl(['patch', 'autoscalingrunnerset', 'fx-gh-docker', '-n', ARC, '-p', '{"spec":{"maxRunners":5}}']);
		expect(strategic.code).not.toBe(0);
		expect(strategic.stderr).toContain('application/strategic-merge-patch+json is not supported');
		expect(ars().spec.maxRunners).toBe(0);
	});

	it('reports server-side errors', async () => {
		const invalid = await kubectl(['patch', 'hpa', 'fx-docker-runner-hpa', '-n', GL, '--type', 'merge', '-p', '{"spec":{"maxReplicas":0}}']);
		expect(invalid.code).not.toBe(0);
		expect(invalid.stderr).toContain('is invalid');
		expect(invalid.stderr).toContain('spec.maxReplicas: Invalid value: 0: must be greater than or equal to 1');
		const missing = await kubectl(['patch', 'hpa', 'nope', '-n', GL, '--type', 'merge', '-p', '{"spec":{"maxReplicas":3}}']);
		expect(missing.stderr).toContain('Error from server (NotFound): horizontalpodautoscalers.autoscaling "nope" not found');
	});
});

describe.skipIf(!HAS_KUBECTL)('kubectl get -w', () => {
	it('prints a new line for a change made in the store, and the watch ends with kubectl', async () => {
		const store = sb.world.cluster;
		const base = store.watcherCount;
		const child = spawn(KUBECTL, [...k.baseArgs(), 'get', 'hpa', '-n', GL, '-w'], { env: { ...process.env, HOME: k.home }, stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '';
		child.stdout.on('data', (b: Buffer) => (out += b.toString()));
		const exited = new Promise((r) => child.once('exit', r));
		try {
			expect(await eventually(() => store.watcherCount === base + 1 && out.includes('fx-docker-runner-hpa'), 15_000)).toBe(true);
			const before = out.trim().split('\n').length;
			const cur = store.get('autoscaling/v2', 'HorizontalPodAutoscaler', GL, 'fx-docker-runner-hpa')!;
			store.upsert({ ...cur, spec: { ...cur.spec, maxReplicas: 13 } });
			expect(await eventually(() => out.trim().split('\n').length > before, 10_000)).toBe(true);
			const last = rows(out).at(-1)!;
			expect(last.slice(0, 5)).toEqual(['fx-docker-runner-hpa', 'Deployment/fx-docker-runner', 'cpu: 45%/70%', expect.any(String), '13']);
		} finally {
			child.kill('SIGTERM');
			await exited;
		}
		expect(await eventually(() => store.watcherCount === base)).toBe(true);
	});
});

describe.skipIf(!existsSync(KUBECTL_127))('kubectl 1.27 (legacy discovery)', () => {
	it('discovers through /api/v1 and /apis/<group>/<version> and gets scale sets', async () => {
		const r = await kubectl(['get', 'autoscalingrunnersets', '-n', ARC], KUBECTL_127);
		expect(r.code).toBe(0);
		expect(r.stdout).toMatch(/fx-gh-docker\s+0\s+\d+\s+2\s+Running/);
	});
});
