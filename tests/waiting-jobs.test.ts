// Why jobs wait, against the sandbox: jobs asking for tags no runner has, every runner of
// a type paused, the docker runners saturated until their HPA is at its maximum, and a
// cluster with no room for the runner pods — each read back from GET /api/v1/jobs/waiting
// with the reason in words, and the CSV export holding the same rows as the paged answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, eventually, startApp, type RunningApp } from './helpers/app';

let app: RunningApp;
let viewer: string;
let operator: string;

interface WaitingJob {
	id: string;
	forge: string;
	project: string;
	name: string;
	tags: string[];
	waited_s: number;
	reason: string;
	reason_text: string;
	runner_type: string | null;
	candidates: { id: string; paused: boolean }[];
	candidates_total: number;
}
interface Page {
	items: WaitingJob[];
	total: number;
	page: number;
	per_page: number;
}

const get = (path: string, token = viewer) => fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
const waiting = async (query: string): Promise<Page> => {
	const r = await get(`/api/v1/jobs/waiting${query}`);
	expect(r.status).toBe(200);
	return r.json();
};
const control = async (path: string, body: unknown) => {
	const r = await fetch(`${app.sandboxUrl}/_sandbox/${path}`, { method: 'POST', body: JSON.stringify(body) });
	expect(r.status).toBeLessThan(300);
	return r.json();
};
const addJobs = (project: string, tags: string[], count: number) => control('jobs', { forge: 'gitlab', project, tags, count, age_s: 600 });
const idsOf = (j: { job_ids: number[] }) => j.job_ids.map((n) => `gitlab:sandbox-gitlab:${n}`);

beforeAll(async () => {
	app = await startApp();
	viewer = createToken(app, 'viewer', 'viewer');
	operator = createToken(app, 'operator', 'operator');
}, 60_000);

afterAll(async () => {
	await app?.stop();
});

describe('waiting jobs explained', () => {
	it('lists jobs asking for tags no runner has, within one read', async () => {
		const added = idsOf(await addJobs('platform/infra', ['fpga', 'xilinx'], 2));
		const page = await eventually(
			() => waiting('?reason=no_runner&per_page=200'),
			(p) => added.every((id) => p.items.some((j) => j.id === id)),
			30_000,
			'the fpga jobs'
		);
		const job = page.items.find((j) => j.id === added[0])!;
		expect(job).toMatchObject({ forge: 'gitlab', project: 'platform/infra', tags: ['fpga', 'xilinx'], reason_text: 'no runner has tags [fpga, xilinx]', candidates_total: 0 });
		expect(job.waited_s).toBeGreaterThanOrEqual(600);
		// The sandbox's own backlog of GPU jobs is there too, for the same reason.
		expect(page.items.some((j) => j.tags.join(',') === 'cuda,gpu' && j.reason_text === 'no runner has tags [cuda, gpu]')).toBe(true);
	});

	it('says every matching runner is paused once every nix runner is', async () => {
		const nix = (await (await get('/api/v1/runners?tag=nix&forge=gitlab&per_page=200')).json()).items.map((r: { id: string }) => r.id);
		expect(nix.length).toBeGreaterThan(10);
		const paused = await fetch(`${app.url}/api/v1/runners/bulk`, {
			method: 'POST',
			headers: { authorization: `Bearer ${operator}`, origin: app.origin, 'content-type': 'application/json' },
			body: JSON.stringify({ action: 'pause', ids: nix })
		});
		expect((await paused.json()).succeeded).toBe(nix.length);
		const added = idsOf(await addJobs('data/pipelines', ['nix'], 3));
		const page = await eventually(
			() => waiting('?q=nix&per_page=200'),
			(p) => added.every((id) => p.items.some((j) => j.id === id && j.reason === 'all_paused')),
			30_000,
			'the nix jobs explained as paused'
		);
		const job = page.items.find((j) => j.id === added[0])!;
		// GitLab's rule: of the nix runners, the instance runners and those of data/pipelines or its group.
		type R = { id: string; type: string; scope: string[] };
		const listed: R[] = (await (await get('/api/v1/runners?tag=nix&forge=gitlab&per_page=200')).json()).items;
		const forProject = listed.filter((r) => r.type === 'instance_type' || (r.type === 'project_type' ? r.scope.includes('data/pipelines') : r.scope.some((g) => 'data/pipelines'.startsWith(`${g}/`))));
		expect(forProject.length).toBeGreaterThan(5);
		expect(forProject.length).toBeLessThan(nix.length);
		expect(job.reason_text).toBe(`every matching runner is paused (${forProject.length})`);
		expect(job.candidates_total).toBe(forProject.length);
		expect(job.candidates.every((c) => c.paused)).toBe(true);
	});

	it('blames docker-runner-hpa at maxReplicas 8 when the docker runners are saturated', async () => {
		const added = new Set(idsOf(await addJobs('web/storefront', ['docker'], 1000)));
		const page = await eventually(
			() => waiting('?reason=hpa_at_max&per_page=200'),
			(p) => p.items.some((j) => added.has(j.id)),
			120_000,
			'the docker HPA at its maximum'
		);
		const job = page.items.find((j) => added.has(j.id))!;
		expect(job).toMatchObject({ reason_text: 'HPA docker-runner-hpa at maxReplicas 8', runner_type: 'docker-runner', tags: ['docker'] });
		const hpa = (await (await fetch(`${app.sandboxUrl}/k8s/apis/autoscaling/v2/namespaces/gitlab-runners/horizontalpodautoscalers/docker-runner-hpa`)).json()) as {
			spec: { maxReplicas: number };
			status: { currentReplicas: number };
		};
		expect(hpa.spec.maxReplicas).toBe(8);
		expect(hpa.status.currentReplicas).toBe(8);
		const summary = await (await get('/api/v1/jobs/waiting/summary')).json();
		expect(summary.by_reason).toContainEqual(expect.objectContaining({ forge: 'gitlab', reason: 'hpa_at_max', count: expect.any(Number) }));
	}, 150_000);

	it('shows the scheduler’s words when the cluster has no room for the runner pods', async () => {
		// One small node per pool: the pods the controllers (re)create fit nowhere.
		await control('k8s/nodes', { pool: 'ci', nodes: 1, cpu: '300m' });
		await control('k8s/nodes', { pool: 'system', nodes: 1, cpu: '300m' });
		try {
			const page = await eventually(
				() => waiting('?reason=pods_pending&runner_type=docker-runner&per_page=5'),
				(p) => p.total > 0,
				60_000,
				'docker jobs waiting on Pending pods'
			);
			expect(page.items[0]!.reason_text).toMatch(/^\d+ pods of docker-runner Pending: 0\/2 nodes are available: .*Insufficient cpu/);
			// The autoscaler's view says the same, from the scheduler's Event, with the HPA's last decision.
			const id = 'hpa:sandbox-k8s:gitlab-runners:docker-runner-hpa';
			type Why = { items: { reason: string }[]; last_decision: string | null; conditions: { type: string }[] };
			const why = await eventually(
				async (): Promise<Why> => (await get(`/api/v1/autoscalers/${encodeURIComponent(id)}/events`)).json(),
				(w) => w.items.some((e) => e.reason === 'FailedScheduling'),
				30_000,
				'the FailedScheduling Event on the autoscaler'
			);
			const failed = why.items.find((e) => e.reason === 'FailedScheduling');
			expect(failed).toMatchObject({ type: 'Warning', object: expect.stringMatching(/^Pod\/docker-runner-/), note: expect.stringContaining('Insufficient cpu'), reporter: 'default-scheduler' });
			expect(why.last_decision).toMatch(/^New size: \d+; reason: /);
			expect(why.conditions.map((c) => c.type).sort()).toEqual(['AbleToScale', 'ScalingActive', 'ScalingLimited']);
		} finally {
			await control('k8s/nodes', { reset: true });
		}
	}, 90_000);

	it('exports the same rows as the paged answer, filters included', async () => {
		const query = '?reason=no_runner&forge=gitlab';
		// Both reads must see the same moment: the backlog only grows by arrivals, so retry until they agree.
		const { rows, paged } = await eventually(
			async () => {
				const paged: WaitingJob[] = [];
				for (let page = 1; ; page++) {
					const p = await waiting(`${query}&per_page=2&page=${page}`);
					paged.push(...p.items);
					if (paged.length >= p.total) break;
				}
				const r = await get(`/api/v1/jobs/waiting/export${query}`);
				expect(r.headers.get('content-type')).toMatch(/^text\/csv/);
				const lines = (await r.text()).trimEnd().split('\r\n');
				expect(lines[0]).toBe('id,forge,source,project,name,tags,created_at,waited_s,reason,reason_text,runner_type,candidates,url');
				return { rows: lines.slice(1).map((l) => l.split(',')[0]), paged };
			},
			(v) => v.rows.length === v.paged.length,
			20_000,
			'the export and the pages to agree'
		);
		expect(rows.length).toBeGreaterThanOrEqual(4);
		expect(rows).toEqual(paged.map((j) => j.id));
		expect((await get('/api/v1/jobs/waiting/export?reason=bogus')).status).toBe(400);
	});

	it('tells a job whose tags only another project’s runner carries that no runner of its project or groups has them', async () => {
		type R = { id: string; upstream_id: number; type: string; scope: string[]; description: string };
		const all: R[] = (await (await get('/api/v1/runners?forge=gitlab&per_page=200')).json()).items;
		const mine = all.find((r) => r.type === 'project_type' && r.scope.length === 1)!;
		expect(mine, 'a project runner with its project read from the details').toBeDefined();
		// A tag only this runner carries; the new description makes the dashboard read its details again.
		const put = await fetch(`${app.sandboxUrl}/gitlab/api/v4/runners/${mine.upstream_id}`, {
			method: 'PUT',
			headers: { 'PRIVATE-TOKEN': 'sandbox-gitlab-token', 'content-type': 'application/json' },
			body: JSON.stringify({ tag_list: ['fpga-scoped'], description: `${mine.description}-fpga` })
		});
		expect(put.status).toBe(200);
		const other = ['platform/infra', 'data/pipelines'].find((p) => p !== mine.scope[0])!;
		const [elsewhere] = idsOf(await addJobs(other, ['fpga-scoped'], 1));
		const [own] = idsOf(await addJobs(mine.scope[0]!, ['fpga-scoped'], 1));
		const page = await eventually(
			() => waiting('?q=fpga-scoped&per_page=200'),
			(p) => p.items.some((j) => j.id === elsewhere && j.reason_text.includes('its groups')),
			60_000,
			'the out-of-scope job explained'
		);
		expect(page.items.find((j) => j.id === elsewhere)).toMatchObject({
			reason: 'no_runner',
			reason_text: `no runner of ${other} or its groups has tags [fpga-scoped] (1 runner with them belongs to other projects or groups)`,
			candidates_total: 0
		});
		// The runner's own project's job has it as its one candidate (or was already picked by it).
		const ownJob = page.items.find((j) => j.id === own);
		if (ownJob) expect(ownJob.candidates.map((c) => c.id)).toEqual([mine.id]);
	}, 90_000);
});
