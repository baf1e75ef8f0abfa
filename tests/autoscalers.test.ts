// The autoscalers API against the sandbox's cluster: every HPA and scale set with the
// replica counts, targets and conditions the Kubernetes API serves, and a replica
// history that grows while the dashboard watches (and records scaling up under load).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, eventually, startApp, type RunningApp } from './helpers/app';

let app: RunningApp;
let viewer: string;

interface Item {
	id: string;
	kind: string;
	name: string;
	namespace: string;
	forge: string;
	group: string;
	target: string | null;
	min: number;
	max: number;
	current: number;
	desired: number | null;
	metrics: { name: string; target: number | null; current: number | null; target_type: string }[];
	conditions: { type: string; status: string; reason: string | null }[];
	last_scale_time: string | null;
	ephemeral_runners: { pending: number; running: number; failed: number } | null;
	stale: boolean;
	history: [number, number | null, number | null, number | null][];
}
interface List {
	items: Item[];
	total: number;
	page: number;
	per_page: number;
	step_s: number;
}

const get = async (path: string, token = viewer) => fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
const list = async (query = ''): Promise<List> => (await get(`/api/v1/autoscalers${query}`)).json();
const k8s = async (path: string) => (await (await fetch(`${app.sandboxUrl}/k8s${path}`)).json()).items;
const hpas = () => k8s('/apis/autoscaling/v2/namespaces/gitlab-runners/horizontalpodautoscalers');
const scaleSets = () => k8s('/apis/actions.github.com/v1alpha1/namespaces/arc-runners/autoscalingrunnersets');
const ers = () => k8s('/apis/actions.github.com/v1alpha1/namespaces/arc-runners/ephemeralrunnersets');
const control = (path: string, body: unknown) => fetch(`${app.sandboxUrl}/_sandbox/${path}`, { method: 'POST', body: JSON.stringify(body) });

/** The dashboard's answer next to what the cluster serves, read right after it. */
async function both() {
	const mine = await list('?per_page=200');
	return { mine, hpa: await hpas(), ars: await scaleSets(), ers: await ers() };
}

function matches({ mine, hpa, ars, ers }: Awaited<ReturnType<typeof both>>): boolean {
	const want = [
		...hpa.map((h: any) => ({ kind: 'hpa', name: h.metadata.name, min: h.spec.minReplicas, max: h.spec.maxReplicas, current: h.status?.currentReplicas ?? 0, desired: h.status?.desiredReplicas ?? null })),
		...ars.map((a: any) => ({
			kind: 'scale_set',
			name: a.metadata.name,
			min: a.spec.minRunners,
			max: a.spec.maxRunners,
			current: a.status?.currentRunners ?? 0,
			desired: ers.find((e: any) => e.metadata.labels['actions.github.com/scale-set-name'] === a.metadata.name)?.spec.replicas ?? null
		}))
	];
	const got = mine.items.map((i) => ({ kind: i.kind, name: i.name, min: i.min, max: i.max, current: i.current, desired: i.desired }));
	const key = (x: { kind: string; name: string }) => `${x.kind}/${x.name}`;
	return JSON.stringify([...got].sort((a, b) => key(a).localeCompare(key(b)))) === JSON.stringify([...want].sort((a, b) => key(a).localeCompare(key(b))));
}

beforeAll(async () => {
	app = await startApp();
	viewer = createToken(app, 'autoscalers-viewer', 'viewer');
	await eventually(async () => (await get('/api/v1/sources')).json(), (s) => s.items.some((i: { name: string; status: string }) => i.name === 'sandbox-k8s' && i.status === 'ok'), 30_000, 'the cluster source ok');
}, 60_000);
afterAll(() => app?.stop());

describe('GET /api/v1/autoscalers', () => {
	it('lists the sandbox’s 3 HPAs and 3 scale sets with the replica counts the cluster serves', async () => {
		const seen = await eventually(both, matches, 20_000, 'autoscalers equal to the cluster’s objects');
		expect(seen.mine.total).toBe(6);
		expect(seen.mine.items.filter((i) => i.kind === 'hpa').map((i) => i.name)).toEqual(['dind-runner-hpa', 'docker-runner-hpa', 'nix-runner-hpa']);
		expect(seen.mine.items.filter((i) => i.kind === 'scale_set').map((i) => i.name)).toEqual(['gh-dind', 'gh-docker', 'gh-nix']);
		expect(seen.mine.items.every((i) => i.stale === false)).toBe(true);
	});

	it('reads each HPA’s metric against its target, its conditions and its runner type', async () => {
		const docker = (await list('?kind=hpa&group=docker')).items;
		expect(docker.map((i) => i.name)).toEqual(['docker-runner-hpa']);
		const h = docker[0]!;
		const upstream = (await hpas()).find((x: any) => x.metadata.name === 'docker-runner-hpa');
		expect(h).toMatchObject({ forge: 'gitlab', group: 'docker', target: 'Deployment/docker-runner', min: 2, max: 8 });
		expect(h.metrics).toHaveLength(1);
		expect(h.metrics[0]).toMatchObject({ name: 'gitlab_ci_jobs', target_type: 'AverageValue', target: 12 });
		expect(h.metrics[0]!.current).not.toBeNull();
		expect(h.conditions.map((c) => c.type).sort()).toEqual(upstream.status.conditions.map((c: any) => c.type).sort());
		for (const c of upstream.status.conditions) expect(h.conditions.find((x) => x.type === c.type)).toMatchObject({ status: c.status, reason: c.reason });
	});

	it('gives scale sets their ephemeral runners by phase', async () => {
		const seen = await eventually(
			async () => [(await list('?kind=scale_set&forge=github')).items, await scaleSets()] as const,
			([mine, ars]) => ars.every((a: any) => JSON.stringify(mine.find((m) => m.name === a.metadata.name)?.ephemeral_runners) === JSON.stringify({ pending: a.status.pendingEphemeralRunners, running: a.status.runningEphemeralRunners, failed: a.status.failedEphemeralRunners })),
			20_000,
			'ephemeral runner counts equal to the AutoscalingRunnerSets’ status'
		);
		expect(seen[0]).toHaveLength(3);
	});

	it('refuses bad filters with a 400 and anonymous callers with a 401', async () => {
		const bad = await get('/api/v1/autoscalers?window=2h');
		expect(bad.status).toBe(400);
		expect((await bad.json()).error.code).toBe('invalid_query');
		expect((await get('/api/v1/autoscalers?kind=deployment')).status).toBe(400);
		expect((await fetch(`${app.url}/api/v1/autoscalers`)).status).toBe(401);
	});

	it('grows each replica history and records scaling up under load', async () => {
		const before = await list('?window=1h');
		const firstLen = Math.min(...before.items.map((i) => i.history.length));
		expect(before.step_s).toBe(15);
		const baseline = new Map(before.items.map((i) => [i.id, i.current]));
		await control('load', { jobs_per_minute: 3000, github_jobs_per_minute: 300 });
		await control('clock', { speed: 20 });
		const after = await eventually(
			() => list('?window=1h'),
			(l) => l.items.every((i) => i.history.length > firstLen) && l.items.filter((i) => i.kind === 'hpa').some((i) => i.history.at(-1)![1]! > baseline.get(i.id)!) && l.items.filter((i) => i.kind === 'scale_set').some((i) => i.history.at(-1)![1]! > baseline.get(i.id)!),
			60_000,
			'histories that grew and show an HPA and a scale set scaling up'
		);
		for (const i of after.items) {
			const ts = i.history.map((p) => p[0]);
			expect(ts).toEqual([...ts].sort((a, b) => a - b));
			expect(ts.every((t) => t % 15 === 0)).toBe(true);
			// The last point is the autoscaler's count now (peak within the last step).
			expect(i.history.at(-1)![1]).toBeGreaterThanOrEqual(0);
		}
	}, 90_000);
});
