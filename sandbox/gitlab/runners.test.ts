import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../index.js';
import { TOKEN, controlOk, gitlab, gitlabJson, start, state, walk } from '../testing.js';

const LIST_KEYS = ['id', 'description', 'ip_address', 'active', 'paused', 'is_shared', 'runner_type', 'name', 'online', 'status'];

let sb: Sandbox;
beforeEach(async () => {
	sb = await start();
});
afterEach(async () => {
	await sb.close();
});

describe('auth', () => {
	it('answers 401 without or with a wrong token, and accepts PRIVATE-TOKEN or Bearer', async () => {
		const none = await fetch(`${sb.url}/gitlab/api/v4/runners/all`);
		expect(none.status).toBe(401);
		expect(await none.json()).toEqual({ message: '401 Unauthorized' });
		expect(none.headers.get('ratelimit-limit')).toBe('2000');
		expect((await gitlab(sb, '/runners/all', { headers: { 'PRIVATE-TOKEN': 'nope' } })).status).toBe(401);
		expect((await gitlab(sb, '/version', { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
		expect((await gitlab(sb, '/version', { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
		expect((await gitlab(sb, '/version')).status).toBe(200);
	});

	it('uses a configured token', async () => {
		const other = await start({ gitlabToken: 'glpat-other' });
		try {
			expect((await fetch(`${other.url}/gitlab/api/v4/version`, { headers: { 'PRIVATE-TOKEN': TOKEN } })).status).toBe(401);
			expect((await fetch(`${other.url}/gitlab/api/v4/version`, { headers: { 'PRIVATE-TOKEN': 'glpat-other' } })).status).toBe(200);
		} finally {
			await other.close();
		}
	});
});

describe('runner lists', () => {
	it('serves ≥150 runners across the three scopes, each exactly once over all pages', async () => {
		const all = await walk(sb, '/runners/all?per_page=100');
		expect(all.length).toBe(160);
		expect(new Set(all.map((r) => r.id)).size).toBe(160);
		const ids = all.map((r) => r.id);
		expect(ids).toEqual([...ids].sort((a, b) => a - b));
		const byType = (t: string) => all.filter((r) => r.runner_type === t).length;
		expect([byType('instance_type'), byType('group_type'), byType('project_type')]).toEqual([40, 60, 60]);
		expect(all.every((r) => r.is_shared === (r.runner_type === 'instance_type'))).toBe(true);
		// Walking with the default page size gives the same set.
		expect((await walk(sb, '/runners/all')).map((r) => r.id)).toEqual(ids);
	});

	it('renders list items with exactly GitLab fields (no tag_list); details carry tags', async () => {
		const res = await gitlab(sb, '/runners/all');
		expect(res.headers.get('content-type')).toBe('application/json');
		const items = (await res.json()) as any[];
		expect(items).toHaveLength(20);
		for (const r of items) {
			expect(Object.keys(r)).toEqual(LIST_KEYS);
			expect(r).not.toHaveProperty('tag_list');
			expect(r.active).toBe(!r.paused);
			expect(r.online).toBe(r.status === 'online');
		}
		const d = await gitlabJson(sb, `/runners/${items[0].id}`);
		for (const k of LIST_KEYS) expect(d[k]).toEqual(items[0][k]);
		for (const k of ['tag_list', 'version', 'revision', 'platform', 'architecture', 'contacted_at', 'maintenance_note', 'run_untagged', 'locked', 'access_level', 'maximum_timeout', 'projects', 'groups']) {
			expect(d).toHaveProperty(k);
		}
		expect(Array.isArray(d.tag_list) && d.tag_list.length > 0).toBe(true);
	});

	it('filters by type, status, paused, tag_list and version_prefix', async () => {
		const truth = await state(sb);
		const total = async (q: string) => Number((await gitlab(sb, `/runners/all?${q}`)).headers.get('x-total'));
		expect(await total('type=group_type')).toBe(60);
		for (const s of ['online', 'offline', 'stale', 'never_contacted']) {
			expect(await total(`status=${s}`)).toBe(truth.gitlab.runners.by_status[s]);
		}
		expect(await total('paused=true')).toBe(truth.gitlab.runners.paused);
		expect(await total('paused=false')).toBe(160 - truth.gitlab.runners.paused);
		const online = await walk(sb, '/runners/all?status=online&type=instance_type&per_page=100');
		expect(online.every((r) => r.status === 'online' && r.runner_type === 'instance_type')).toBe(true);

		const nixArm = await walk(sb, '/runners/all?tag_list=nix,arm64');
		expect(nixArm.length).toBeGreaterThan(0);
		for (const r of nixArm) expect((await gitlabJson(sb, `/runners/${r.id}`)).tag_list).toEqual(expect.arrayContaining(['nix', 'arm64']));
		expect((await walk(sb, '/runners/all?tag_list[]=nix&tag_list[]=arm64')).map((r) => r.id)).toEqual(nixArm.map((r) => r.id));

		const v16 = await walk(sb, '/runners/all?version_prefix=16.&per_page=100');
		expect(v16.length).toBeGreaterThan(0);
		const managers = await gitlabJson<any[]>(sb, `/runners/${v16[0].id}/managers`);
		expect(managers.some((m) => m.version.startsWith('16.'))).toBe(true);
	});

	it('rejects invalid filter values like GitLab', async () => {
		const bad = async (q: string) => {
			const res = await gitlab(sb, `/runners/all?${q}`);
			expect(res.status).toBe(400);
			return res.json();
		};
		expect(await bad('status=busy')).toEqual({ error: 'status does not have a valid value' });
		expect(await bad('type=shared_type')).toEqual({ error: 'type does not have a valid value' });
		expect(await bad('paused=maybe')).toEqual({ error: 'paused is invalid' });
		expect(await bad('page=abc')).toEqual({ error: 'page is invalid' });
		expect(await bad('version_prefix=abc')).toEqual({ error: 'version_prefix is invalid' });
		expect(await bad('status=busy&type=x')).toEqual({ error: 'type does not have a valid value, status does not have a valid value' });
	});

	it('scopes /runners, /groups/:id/runners and /projects/:id/runners', async () => {
		const owned = await walk(sb, '/runners?per_page=100');
		expect(owned).toHaveLength(120);
		expect(owned.some((r) => r.runner_type === 'instance_type')).toBe(false);

		const group = await walk(sb, '/groups/10/runners?per_page=100');
		expect(group.filter((r) => r.runner_type === 'instance_type')).toHaveLength(40);
		expect(group.filter((r) => r.runner_type === 'group_type')).toHaveLength(20);
		expect(group.some((r) => r.runner_type === 'project_type')).toBe(false);
		expect((await walk(sb, '/groups/platform/runners?per_page=100')).map((r) => r.id)).toEqual(group.map((r) => r.id));

		const project = await walk(sb, `/projects/${encodeURIComponent('platform/infra')}/runners?per_page=100`);
		expect(project.filter((r) => r.runner_type === 'project_type')).toHaveLength(10);
		expect(project.filter((r) => r.runner_type === 'group_type')).toHaveLength(20);
		expect(project.filter((r) => r.runner_type === 'instance_type')).toHaveLength(40);
		const own = project.find((r) => r.runner_type === 'project_type');
		const details = await gitlabJson(sb, `/runners/${own.id}`);
		expect(details.projects).toEqual([expect.objectContaining({ id: 101, path_with_namespace: 'platform/infra' })]);
		expect(await gitlabJson(sb, '/projects/101/runners?type=project_type')).toHaveLength(10);

		const missing = await gitlab(sb, '/groups/999/runners');
		expect(missing.status).toBe(404);
		expect(await missing.json()).toEqual({ message: '404 Group Not Found' });
	});
});

describe('pagination', () => {
	it('sets GitLab offset pagination headers on the first page', async () => {
		const res = await gitlab(sb, '/runners/all');
		const h = res.headers;
		const base = `${sb.url}/gitlab/api/v4/runners/all`;
		expect(h.get('x-page')).toBe('1');
		expect(h.get('x-per-page')).toBe('20');
		expect(h.get('x-total')).toBe('160');
		expect(h.get('x-total-pages')).toBe('8');
		expect(h.get('x-next-page')).toBe('2');
		expect(h.get('x-prev-page')).toBe('');
		expect(h.get('link')).toBe(
			`<${base}?page=2&per_page=20>; rel="next", <${base}?page=1&per_page=20>; rel="first", <${base}?page=8&per_page=20>; rel="last"`
		);
	});

	it('keeps other query parameters in Link on a middle page', async () => {
		const res = await gitlab(sb, '/runners/all?type=group_type&per_page=7&page=3');
		const h = res.headers;
		const base = `${sb.url}/gitlab/api/v4/runners/all`;
		expect(((await res.json()) as any).map((r: any) => r.runner_type)).toEqual(Array(7).fill('group_type'));
		expect([h.get('x-page'), h.get('x-per-page'), h.get('x-total'), h.get('x-total-pages')]).toEqual(['3', '7', '60', '9']);
		expect([h.get('x-prev-page'), h.get('x-next-page')]).toEqual(['2', '4']);
		expect(h.get('link')).toBe(
			[
				`<${base}?page=2&per_page=7&type=group_type>; rel="prev"`,
				`<${base}?page=4&per_page=7&type=group_type>; rel="next"`,
				`<${base}?page=1&per_page=7&type=group_type>; rel="first"`,
				`<${base}?page=9&per_page=7&type=group_type>; rel="last"`
			].join(', ')
		);
	});

	it('leaves X-Next-Page empty and drops rel="next" on the last page', async () => {
		const res = await gitlab(sb, '/runners/all?page=8');
		const h = res.headers;
		expect(((await res.json()) as any).length).toBe(20);
		expect(h.get('x-next-page')).toBe('');
		expect(h.get('x-prev-page')).toBe('7');
		expect(h.get('link')).not.toContain('rel="next"');
		expect(h.get('link')).toContain('rel="prev"');
		const past = await gitlab(sb, '/runners/all?page=9');
		expect(await past.json()).toEqual([]);
		expect(past.headers.get('x-next-page')).toBe('');
	});

	it('clamps per_page to 100', async () => {
		const res = await gitlab(sb, '/runners/all?per_page=500');
		expect(((await res.json()) as any).length).toBe(100);
		expect(res.headers.get('x-per-page')).toBe('100');
		expect(res.headers.get('x-total-pages')).toBe('2');
		expect(res.headers.get('link')).toContain('page=2&per_page=100>; rel="next"');
	});

	it('reports one page for an empty result', async () => {
		const res = await gitlab(sb, '/runners/all?tag_list=no-such-tag');
		expect(await res.json()).toEqual([]);
		expect([res.headers.get('x-total'), res.headers.get('x-total-pages'), res.headers.get('x-next-page')]).toEqual(['0', '1', '']);
	});
});

describe('runner details, update, jobs, managers', () => {
	it('answers 404/400 for unknown or malformed runner ids', async () => {
		const res = await gitlab(sb, '/runners/999999');
		expect(res.status).toBe(404);
		expect(await res.json()).toEqual({ message: '404 Not found' });
		const bad = await gitlab(sb, '/runners/abc');
		expect(bad.status).toBe(400);
		expect(await bad.json()).toEqual({ error: 'id is invalid' });
		expect((await gitlab(sb, '/nope')).status).toBe(404);
		expect((await gitlab(sb, '/runners/all', { method: 'POST' })).status).toBe(405);
		// `DELETE /runners/:id` exists, so `all` is an invalid id there, as in Grape.
		const del = await gitlab(sb, '/runners/all', { method: 'DELETE' });
		expect(del.status).toBe(400);
		expect(await del.json()).toEqual({ error: 'id is invalid' });
	});

	it('pauses and resumes with PUT (JSON and form), reflected in details, lists and ground truth', async () => {
		const before = (await state(sb)).gitlab.runners.paused;
		const [target] = await gitlabJson<any[]>(sb, '/runners/all?paused=false&per_page=1');
		const put = await gitlab(sb, `/runners/${target.id}`, {
			method: 'PUT',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ paused: true, maintenance_note: 'draining for upgrade' })
		});
		expect(put.status).toBe(200);
		const updated = await put.json();
		expect(updated).toMatchObject({ id: target.id, paused: true, active: false, maintenance_note: 'draining for upgrade' });
		expect(updated).toHaveProperty('tag_list');
		expect((await gitlabJson(sb, `/runners/${target.id}`)).paused).toBe(true);
		expect((await state(sb)).gitlab.runners.paused).toBe(before + 1);
		expect((await walk(sb, '/runners/all?paused=true&per_page=100')).map((r) => r.id)).toContain(target.id);

		const form = await gitlab(sb, `/runners/${target.id}`, {
			method: 'PUT',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body: 'paused=false&tag_list=docker,linux,fast'
		});
		expect(await form.json()).toMatchObject({ paused: false, tag_list: ['docker', 'linux', 'fast'] });
		expect((await state(sb)).gitlab.runners.paused).toBe(before);

		// Deprecated `active` is the inverse of paused.
		const legacy = await gitlabJson(sb, `/runners/${target.id}`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{"active":false}' });
		expect(legacy.paused).toBe(true);
	});

	it('validates PUT bodies', async () => {
		const put = (body: string) => gitlab(sb, '/runners/1001', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body });
		const empty = await put('{}');
		expect(empty.status).toBe(400);
		expect(((await empty.json()) as any).error).toContain('at least one parameter must be provided');
		expect(await (await put('{"paused":"sometimes"}')).json()).toEqual({ error: 'paused is invalid' });
		expect(await (await put('{"paused":true,"active":true}')).json()).toEqual({ error: 'active, paused are mutually exclusive' });
		expect((await put('not json')).status).toBe(400);
		expect((await gitlab(sb, '/runners/999999', { method: 'PUT', body: '{"paused":true}' })).status).toBe(404);
	});

	it('lists a runner\'s jobs with status filter, sort and pagination', async () => {
		await controlOk(sb, '/load', { jobs_per_minute: 600 });
		await controlOk(sb, '/clock', { advance_s: 1800 });
		const all = await walk(sb, '/runners/all?status=online&paused=false&per_page=100');
		let busiest: { id: number; total: number } = { id: 0, total: 0 };
		for (const r of all.slice(0, 40)) {
			const total = Number((await gitlab(sb, `/runners/${r.id}/jobs?per_page=1`)).headers.get('x-total'));
			if (total > busiest.total) busiest = { id: r.id, total };
		}
		expect(busiest.total).toBeGreaterThan(3);

		const desc = await gitlabJson<any[]>(sb, `/runners/${busiest.id}/jobs?per_page=100`);
		expect(desc.map((j) => j.id)).toEqual([...desc.map((j) => j.id)].sort((a, b) => b - a));
		const asc = await gitlabJson<any[]>(sb, `/runners/${busiest.id}/jobs?order_by=id&sort=asc&per_page=100`);
		expect(asc.map((j) => j.id)).toEqual([...desc.map((j) => j.id)].reverse());
		const job = desc[0];
		for (const k of ['id', 'status', 'stage', 'name', 'ref', 'tag', 'created_at', 'started_at', 'finished_at', 'duration', 'queued_duration', 'web_url', 'pipeline', 'project']) {
			expect(job).toHaveProperty(k);
		}
		expect(Object.keys(job.pipeline)).toEqual(expect.arrayContaining(['id', 'project_id', 'ref', 'sha', 'status']));
		expect(Object.keys(job.project)).toEqual(expect.arrayContaining(['id', 'name', 'path_with_namespace']));
		expect(job.queued_duration).toBeGreaterThanOrEqual(0);

		const success = await gitlabJson<any[]>(sb, `/runners/${busiest.id}/jobs?status=success&per_page=100`);
		expect(success.every((j) => j.status === 'success' && j.duration > 0 && j.finished_at)).toBe(true);
		const paged = await gitlab(sb, `/runners/${busiest.id}/jobs?per_page=2&page=2`);
		expect(paged.headers.get('x-page')).toBe('2');
		expect(((await paged.json()) as any).map((j: any) => j.id)).toEqual(desc.slice(2, 4).map((j) => j.id));
		expect((await gitlab(sb, `/runners/${busiest.id}/jobs?status=done`)).status).toBe(400);
	});

	it('lists runner managers', async () => {
		const [r] = await gitlabJson<any[]>(sb, '/runners/all?status=online&per_page=1');
		const managers = await gitlabJson<any[]>(sb, `/runners/${r.id}/managers`);
		expect(managers.length).toBeGreaterThanOrEqual(1);
		for (const m of managers) {
			expect(Object.keys(m)).toEqual(['id', 'system_id', 'version', 'revision', 'platform', 'architecture', 'created_at', 'contacted_at', 'ip_address', 'status']);
			expect(m.system_id).toMatch(/^[rs]_[0-9a-f]{12}$/);
		}
		expect(managers.some((m) => m.status === 'online')).toBe(true);
	});
});

describe('namespaces', () => {
	it('serves version, user, groups and projects', async () => {
		expect((await gitlabJson(sb, '/version')).version).toMatch(/^\d+\.\d+\.\d+/);
		expect(await gitlabJson(sb, '/user')).toMatchObject({ username: 'sandbox-admin', is_admin: true });
		const groups = await gitlabJson<any[]>(sb, '/groups');
		expect(groups.map((g) => g.full_path)).toEqual(['platform', 'web', 'data']);
		expect(await gitlabJson(sb, '/groups/11')).toMatchObject({ id: 11, path: 'web', web_url: `${sb.url}/gitlab/groups/web` });
		const projects = await gitlabJson<any[]>(sb, '/projects');
		expect(projects).toHaveLength(6);
		expect(await gitlabJson(sb, `/projects/${encodeURIComponent('data/ml-training')}`)).toMatchObject({
			id: 106,
			path_with_namespace: 'data/ml-training',
			web_url: `${sb.url}/gitlab/data/ml-training`
		});
		const missing = await gitlab(sb, '/projects/404');
		expect(missing.status).toBe(404);
		expect(await missing.json()).toEqual({ message: '404 Project Not Found' });
	});

	it('sends RateLimit headers on every answer', async () => {
		for (const path of ['/version', '/runners/all', '/runners/999999', '/nope']) {
			const res = await gitlab(sb, path);
			expect(res.headers.get('ratelimit-limit')).toBe('2000');
			expect(Number(res.headers.get('ratelimit-remaining'))).toBeLessThan(2000);
			expect(Number(res.headers.get('ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000 - 1);
		}
	});
});
