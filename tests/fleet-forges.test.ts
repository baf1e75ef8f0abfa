// The fleet across forges from the sandbox: GitLab, GitHub and ARC together, their
// counts equal to the sandbox's ground truth; scale sets drained and restored through
// the Kubernetes API; pods per runner type.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, eventually, startApp, type RunningApp } from './helpers/app';

let app: RunningApp;
let viewer: string;
let operator: string;
let admin: string;

const get = async (path: string, token = viewer) => (await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } })).json();
const truth = async () => (await fetch(`${app.sandboxUrl}/_sandbox/state`)).json();
const arsUpstream = async (name: string) => (await fetch(`${app.sandboxUrl}/k8s/apis/actions.github.com/v1alpha1/namespaces/arc-runners/autoscalingrunnersets/${name}`)).json();

beforeAll(async () => {
	app = await startApp();
	viewer = createToken(app, 'forges-viewer', 'viewer');
	operator = createToken(app, 'forges-operator', 'operator');
	admin = createToken(app, 'forges-admin', 'admin');
	await eventually(() => get('/api/v1/sources'), (s) => s.items.length === 5 && s.items.every((i: { status: string }) => i.status === 'ok'), 30_000, 'all sandbox sources ok');
});
afterAll(() => app?.stop());

describe('runners from every forge', () => {
	it('lists GitLab and GitHub runners together, each count equal to the sandbox’s own, all labelled simulated', async () => {
		// Pause the simulation's clock so counts hold still while compared.
		await fetch(`${app.sandboxUrl}/_sandbox/load`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jobs_per_minute: 0 }) });
		const t = await truth();
		const gitlab = await eventually(() => get('/api/v1/runners?forge=gitlab&per_page=1'), (p) => p.total === t.gitlab.runners.total, 20_000, 'GitLab count');
		const github = await eventually(async () => [await get('/api/v1/runners?forge=github&per_page=1'), await truth()] as const, ([p, now]) => p.total === now.github.runners.total, 20_000, 'GitHub count');
		expect(gitlab.total).toBeGreaterThanOrEqual(150);
		expect(github[0].total).toBeGreaterThan(0);
		const all = await get('/api/v1/runners?per_page=200');
		expect(all.items.every((r: { simulated: boolean }) => r.simulated)).toBe(true);
		const sources = await get('/api/v1/sources');
		expect(sources.items.map((s: { name: string; simulated: boolean }) => [s.name, s.simulated])).toEqual([
			['sandbox-k8s', true],
			['sandbox-gitlab', true],
			['sandbox-github', true],
			['builtin-scraper', true],
			['drift', true]
		]);
	});

	it('marks ARC ephemeral runners with their scale set', async () => {
		const eph = await eventually(() => get('/api/v1/runners?forge=github&per_page=200'), (p) => p.items.some((r: { scale_set: string | null }) => r.scale_set), 30_000, 'an ephemeral runner with a scale set');
		const withSet = eph.items.filter((r: { scale_set: string | null }) => r.scale_set);
		expect(withSet.every((r: { ephemeral: boolean }) => r.ephemeral)).toBe(true);
		const filtered = await get(`/api/v1/runners?scale_set=${withSet[0].scale_set}&per_page=200`);
		expect(filtered.total).toBeGreaterThan(0);
		expect(filtered.items.every((r: { scale_set: string }) => r.scale_set === withSet[0].scale_set)).toBe(true);
	});
});

describe('scale sets', () => {
	it('match the sandbox’s scale sets (min and max runners)', async () => {
		const t = await truth();
		const list = await eventually(() => get('/api/v1/scale-sets'), (l) => l.total === t.arc.scale_sets.length, 20_000, 'scale sets');
		for (const s of t.arc.scale_sets) {
			const mine = list.items.find((i: { name: string }) => i.name === s.name);
			expect(mine, s.name).toMatchObject({ namespace: s.namespace, min_runners: s.min_runners, max_runners: s.max_runners, simulated: true });
		}
	});

	it('a drain against a Kubernetes API that never answers fails after its timeout, naming it, and changes nothing', async () => {
		const list = await get('/api/v1/scale-sets');
		const target = list.items.find((s: { max_runners: number }) => s.max_runners > 0);
		const fault = (mode: string) => fetch(`${app.sandboxUrl}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target: 'k8s', mode }) });
		expect((await fault('timeout')).ok).toBe(true);
		try {
			const res = await fetch(`${app.url}/api/v1/scale-sets/${encodeURIComponent(target.id)}/drain`, { method: 'POST', headers: { authorization: `Bearer ${operator}` }, signal: AbortSignal.timeout(30_000) });
			expect(res.status).toBe(502);
			expect((await res.json()).error.message).toMatch(/did not answer the patch .* within 10 s/);
		} finally {
			await fault('none');
		}
		// The sandbox serves the held request once the fault is lifted (a real API server might
		// too): whatever it did, put the scale set back for the tests after this one.
		await new Promise((r) => setTimeout(r, 500));
		if ((await arsUpstream(target.name)).spec.maxRunners === 0) {
			await eventually(() => get(`/api/v1/scale-sets/${encodeURIComponent(target.id)}`), (s) => s.drained === true, 10_000, 'the late drain seen');
			expect((await fetch(`${app.url}/api/v1/scale-sets/${encodeURIComponent(target.id)}/undrain`, { method: 'POST', headers: { authorization: `Bearer ${operator}` } })).status).toBe(200);
		}
	}, 60_000);

	it('drain patches maxRunners to 0 upstream and remembers the old value; undrain restores it; both audited', async () => {
		const list = await get('/api/v1/scale-sets');
		const target = list.items.find((s: { max_runners: number }) => s.max_runners > 0);
		const before = target.max_runners;
		const post = (action: string) => fetch(`${app.url}/api/v1/scale-sets/${encodeURIComponent(target.id)}/${action}`, { method: 'POST', headers: { authorization: `Bearer ${operator}` } });

		const drained = await post('drain');
		expect(drained.status).toBe(200);
		expect(await drained.json()).toMatchObject({ drained: true, max_runners: 0, previous_max_runners: before });
		const upstream = await arsUpstream(target.name);
		expect(upstream.spec.maxRunners).toBe(0);
		expect(upstream.metadata.annotations['runner-dashboard.io/previous-max-runners']).toBe(String(before));
		await eventually(() => get(`/api/v1/scale-sets/${encodeURIComponent(target.id)}`), (s) => s.drained === true, 10_000, 'drained state through the watch');
		expect((await post('drain')).status).toBe(409);

		const restored = await post('undrain');
		expect(restored.status).toBe(200);
		expect((await arsUpstream(target.name)).spec.maxRunners).toBe(before);
		const audit = await get('/api/v1/audit?per_page=20', admin);
		const actions = audit.items.filter((a: { target: string }) => a.target === target.id).map((a: { action: string; outcome: string }) => `${a.action}:${a.outcome}`);
		expect(actions).toEqual(expect.arrayContaining(['scale_set.drain:success', 'scale_set.undrain:success']));
	});

	it('a viewer cannot drain', async () => {
		const list = await get('/api/v1/scale-sets');
		const res = await fetch(`${app.url}/api/v1/scale-sets/${encodeURIComponent(list.items[0].id)}/drain`, { method: 'POST', headers: { authorization: `Bearer ${viewer}` } });
		expect(res.status).toBe(403);
	});
});

describe('the drain warning', () => {
	it('shows the jobs assigned to a drained scale set but not running, as its listener reports them', async () => {
		const list = await get('/api/v1/scale-sets');
		const target = list.items.find((s: { name: string }) => s.name === 'gh-docker');
		const post = (action: string) => fetch(`${app.url}/api/v1/scale-sets/${encodeURIComponent(target.id)}/${action}`, { method: 'POST', headers: { authorization: `Bearer ${operator}` } });
		expect((await post('drain')).status).toBe(200);
		await fetch(`${app.sandboxUrl}/_sandbox/load`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ github_jobs_per_minute: 120 }) });
		await fetch(`${app.sandboxUrl}/_sandbox/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance_s: 300 }) });
		const truthOf = async () => (await truth()).arc.scale_sets.find((s: { name: string }) => s.name === 'gh-docker');
		const seen = await eventually(
			async () => [await get(`/api/v1/scale-sets/${encodeURIComponent(target.id)}`), await truthOf()] as const,
			([mine, t]) => mine.waiting_jobs !== null && mine.waiting_jobs > 0 && mine.waiting_jobs === t.assigned_jobs - t.running_jobs,
			30_000,
			'waiting jobs equal to the sandbox’s assigned − running'
		);
		expect(seen[0]).toMatchObject({ drained: true, assigned_jobs: seen[1].assigned_jobs, running_jobs: seen[1].running_jobs });
		expect((await post('undrain')).status).toBe(200);
		await fetch(`${app.sandboxUrl}/_sandbox/load`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ github_jobs_per_minute: 0 }) });
	});
});

describe('pods', () => {
	it('lists the runner stacks’ pods, as many as the sandbox has, with a per-runner-type summary', async () => {
		const t = await truth();
		const pods = await eventually(() => get('/api/v1/pods?per_page=1'), (p) => p.total > 0, 20_000, 'pods');
		// The dashboard watches the runner namespaces, not the ARC controller's.
		expect(pods.total).toBe(t.k8s.pods.by_namespace['gitlab-runners'] + t.k8s.pods.by_namespace['arc-runners']);
		const types = pods.by_runner_type.map((r: { runner_type: string }) => r.runner_type);
		expect(types).toEqual(expect.arrayContaining(['docker-runner', 'dind-runner', 'nix-runner']));
	});
});

describe('pods and scale sets as CSV', () => {
	// Every row of a filtered view, all pages: the same rows as the JSON list (read again until the cluster held still between the reads).
	const csvColumn = async (path: string, column: string) => {
		const r = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${viewer}` } });
		expect(r.status).toBe(200);
		expect(r.headers.get('content-type')).toMatch(/^text\/csv/);
		const lines = (await r.text()).trimEnd().split('\r\n');
		const i = lines[0]!.split(',').indexOf(column);
		return lines.slice(1).map((l) => l.split(',')[i]);
	};
	const sameRows = async (list: string, csv: string, key: string, column: string) => {
		const names = (p: { items: Record<string, string>[] }) => p.items.map((x) => x[key]);
		const [before, rows] = await eventually(
			async () => {
				const before = names(await get(list));
				const rows = await csvColumn(csv, column);
				const after = names(await get(list));
				return [JSON.stringify(before) === JSON.stringify(after) ? before : null, rows] as const;
			},
			([b]) => b !== null,
			20_000,
			'a still cluster between two reads'
		);
		expect(rows).toEqual(before);
		return rows;
	};

	it('exports the pods of one runner type, every one the list has', async () => {
		const rows = await sameRows('/api/v1/pods?runner_type=docker-runner&per_page=200', '/api/v1/pods/export?runner_type=docker-runner&per_page=1', 'name', 'name');
		expect(rows.length).toBeGreaterThan(1);
		expect((await csvColumn('/api/v1/pods/export?runner_type=docker-runner', 'runner_type')).every((t) => t === 'docker-runner')).toBe(true);
	});

	it('exports the scale sets a filter selects', async () => {
		const all = await sameRows('/api/v1/scale-sets?per_page=200', '/api/v1/scale-sets/export', 'id', 'id');
		expect(all.length).toBeGreaterThan(1);
		const some = await sameRows('/api/v1/scale-sets?q=nix&per_page=200', '/api/v1/scale-sets/export?q=nix', 'id', 'id');
		expect(some.length).toBeGreaterThan(0);
		expect(some.length).toBeLessThan(all.length);
		expect((await fetch(`${app.url}/api/v1/scale-sets/export?drained=maybe`, { headers: { authorization: `Bearer ${viewer}` } })).status).toBe(400);
	});
});

describe('a runner’s page', () => {
	it('shows a GitLab runner’s managers, recent jobs with their queue wait, and its runner type’s pods', async () => {
		await fetch(`${app.sandboxUrl}/_sandbox/load`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jobs_per_minute: 600 }) });
		await fetch(`${app.sandboxUrl}/_sandbox/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance_s: 600 }) });
		const list = await get('/api/v1/runners?forge=gitlab&status=online&q=docker-runner&per_page=50');
		const detailed = await Promise.all(list.items.slice(0, 20).map((r: { id: string }) => get(`/api/v1/runners/${r.id}`)));
		const withJobs = detailed.find((d) => d.jobs?.length > 0);
		expect(withJobs, 'a docker runner with jobs').toBeDefined();
		expect(withJobs.managers.length).toBeGreaterThan(0);
		expect(withJobs.managers[0]).toEqual(expect.objectContaining({ system_id: expect.stringMatching(/^[rs]_/) }));
		expect(withJobs.jobs[0]).toEqual(expect.objectContaining({ id: expect.any(Number), status: expect.any(String), queued_duration_s: expect.any(Number) }));
		expect(withJobs.pods.length).toBeGreaterThan(0);
		expect(withJobs.pods.every((p: { runner_type: string }) => p.runner_type === 'docker-runner')).toBe(true);
		expect(withJobs.errors).toEqual([]);
	});

	it('shows an ARC runner’s own pod', async () => {
		// Ephemeral runners come and go; a runner seen in GitHub's list may already be gone from the cluster.
		const d = await eventually(
			async () => {
				const eph = await get('/api/v1/runners?forge=github&per_page=200');
				const candidates = eph.items.filter((x: { scale_set: string | null }) => x.scale_set);
				const details = await Promise.all(candidates.map((c: { id: string }) => get(`/api/v1/runners/${c.id}`)));
				// A runner listed a moment ago may be gone by its detail call (404, no `pods`): try again.
				return details.find((x) => Array.isArray(x.pods) && x.pods.length > 0) ?? null;
			},
			(x) => x !== null,
			20_000,
			'an ARC runner with its pod'
		);
		expect(d.managers).toEqual([]);
		expect(d.jobs).toBeNull();
		expect(d.pods.map((p: { name: string }) => p.name)).toEqual([d.name]);
		expect(d.pods[0].stack).toBe('arc');
	});
});
