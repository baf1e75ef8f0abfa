import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../index.js';
import { control, controlOk, start, state } from '../testing.js';
import { check, loadGhesSpec, responseSchema, type OpenApi } from './openapi-check.js';
import { GITHUB_TOKEN, github, githubJson, walkRunners } from './testing.js';

const ORG_RUNNERS = '/orgs/sandbox-org/actions/runners';

let sb: Sandbox;
beforeEach(async () => {
	sb = await start();
});
afterEach(async () => {
	await sb.close();
});

describe('auth', () => {
	it('answers 401 without a token or with a wrong one; accepts Bearer and token schemes', async () => {
		const none = await fetch(`${sb.url}/github/api/v3${ORG_RUNNERS}`);
		expect(none.status).toBe(401);
		expect(await none.json()).toEqual({ message: 'Requires authentication', documentation_url: 'https://docs.github.com/enterprise-server@3.17/rest', status: '401' });
		expect(none.headers.get('x-ratelimit-limit')).toBe('5000');
		for (const auth of ['Bearer nope', 'token nope', 'Basic abc']) {
			const res = await github(sb, ORG_RUNNERS, { headers: { Authorization: auth } });
			expect(res.status).toBe(401);
			expect(((await res.json()) as any).message).toBe('Bad credentials');
		}
		for (const auth of [`Bearer ${GITHUB_TOKEN}`, `token ${GITHUB_TOKEN}`]) {
			expect((await github(sb, ORG_RUNNERS, { headers: { Authorization: auth } })).status).toBe(200);
		}
	});

	it('uses a configured token', async () => {
		const other = await start({ githubToken: 'ghp_other' });
		try {
			expect((await github(other, ORG_RUNNERS)).status).toBe(401);
			expect((await github(other, ORG_RUNNERS, { headers: { Authorization: 'token ghp_other' } })).status).toBe(200);
		} finally {
			await other.close();
		}
	});

	it('answers like GHES: headers on every answer, 404 outside the API root and for unknown routes', async () => {
		const res = await github(sb, '/meta');
		expect(await res.json()).toEqual({ verifiable_password_authentication: true, installed_version: '3.17.0' });
		expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
		expect(res.headers.get('x-github-enterprise-version')).toBe('3.17.0');
		expect(res.headers.get('x-ratelimit-resource')).toBe('core');
		const used = Number(res.headers.get('x-ratelimit-used'));
		expect(Number(res.headers.get('x-ratelimit-remaining'))).toBe(5000 - used);
		expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
		expect((await fetch(`${sb.url}/github/sandbox-org`)).status).toBe(404);
		const unknown = await github(sb, '/orgs/sandbox-org/nothing-here');
		expect(unknown.status).toBe(404);
		expect(((await unknown.json()) as any).message).toBe('Not Found');
		for (const path of ['/orgs/other-org/actions/runners', '/repos/sandbox-org/nope/actions/runners', `${ORG_RUNNERS}/999999`, `${ORG_RUNNERS}/abc`, '/orgs/sandbox-org/actions/runner-groups/9/runners']) {
			expect((await github(sb, path)).status).toBe(404);
		}
	});
});

describe('pagination', () => {
	const link = (path: string, query: string) => `<${sb.url}/github/api/v3${path}?${query}>`;

	it('pages with per_page (default 30) and page, and a Link header exactly like GitHub', async () => {
		const truth = await state(sb);
		const total = truth.github.runners.total;
		expect(total).toBe(39);
		const first = await github(sb, ORG_RUNNERS);
		const body = (await first.json()) as any;
		expect(body.total_count).toBe(total);
		expect(body.runners).toHaveLength(30);
		expect(first.headers.get('link')).toBe(`${link(ORG_RUNNERS, 'page=2')}; rel="next", ${link(ORG_RUNNERS, 'page=2')}; rel="last"`);

		const mid = await github(sb, `${ORG_RUNNERS}?per_page=10&page=2`);
		expect(mid.headers.get('link')).toBe(
			[
				`${link(ORG_RUNNERS, 'per_page=10&page=1')}; rel="prev"`,
				`${link(ORG_RUNNERS, 'per_page=10&page=3')}; rel="next"`,
				`${link(ORG_RUNNERS, 'per_page=10&page=4')}; rel="last"`,
				`${link(ORG_RUNNERS, 'per_page=10&page=1')}; rel="first"`
			].join(', ')
		);
		expect(((await mid.json()) as any).runners.map((r: any) => r.id)).toEqual(body.runners.slice(10, 20).map((r: any) => r.id));

		const last = await github(sb, `${ORG_RUNNERS}?per_page=10&page=4`);
		expect(last.headers.get('link')).toBe(`${link(ORG_RUNNERS, 'per_page=10&page=3')}; rel="prev", ${link(ORG_RUNNERS, 'per_page=10&page=1')}; rel="first"`);
		expect(((await last.json()) as any).runners).toHaveLength(9);

		// Everything on one page: no Link header at all.
		const single = await github(sb, `${ORG_RUNNERS}?per_page=100`);
		expect(single.headers.get('link')).toBeNull();
		// Past the end: an empty page that still counts everything; prev points at the last page.
		const past = await github(sb, `${ORG_RUNNERS}?page=9&per_page=10`);
		expect(await past.json()).toEqual({ total_count: total, runners: [] });
		expect(past.headers.get('link')).toBe(`${link(ORG_RUNNERS, 'page=4&per_page=10')}; rel="prev", ${link(ORG_RUNNERS, 'page=1&per_page=10')}; rel="first"`);
		// Other parameters stay in the links, in their order.
		const kept = await github(sb, `${ORG_RUNNERS}?per_page=20&x=1`);
		expect(kept.headers.get('link')).toContain(`${link(ORG_RUNNERS, 'per_page=20&x=1&page=2')}; rel="next"`);
	});

	it('clamps per_page to 100, ignores bad values, and every runner is on exactly one page', async () => {
		await controlOk(sb, '/fleet', { github_runners: 260 });
		await controlOk(sb, '/clock', { advance_s: 300 });
		const truth = await state(sb);
		const body = (await githubJson(sb, `${ORG_RUNNERS}?per_page=500`)) as any;
		expect(body.runners).toHaveLength(100);
		expect(body.total_count).toBe(truth.github.runners.total);
		expect(((await githubJson(sb, `${ORG_RUNNERS}?per_page=abc&page=-1`)) as any).runners).toHaveLength(30);

		const walked = await walkRunners(sb, `${ORG_RUNNERS}?per_page=100`);
		expect(walked.pages).toBe(Math.ceil(body.total_count / 100));
		expect(walked.runners).toHaveLength(body.total_count);
		expect(new Set(walked.runners.map((r) => r.id)).size).toBe(body.total_count);
		const ids = walked.runners.map((r) => r.id);
		expect(ids).toEqual([...ids].sort((a, b) => a - b));
		// The org list is `github.runners`; the repository lists are `github.repository_runners`.
		const org = walked.runners;
		expect(org.filter((r) => r.ephemeral).length).toBe(truth.github.runners.ephemeral);
		expect(org.filter((r) => r.status === 'offline').length).toBe(truth.github.runners.by_status.offline);
		expect(org.filter((r) => r.busy).length).toBe(truth.github.runners.busy);
		const repo = await repoRunners();
		expect(repo.length).toBe(truth.github.repository_runners.total);
		expect(repo.filter((r) => r.status === 'offline').length).toBe(truth.github.repository_runners.by_status.offline);
		expect(repo.filter((r) => r.busy).length).toBe(truth.github.repository_runners.busy);
	});
});

async function repoRunners(): Promise<any[]> {
	const out: any[] = [];
	for (const repo of ['runner-images', 'storefront']) out.push(...(await walkRunners(sb, `/repos/sandbox-org/${repo}/actions/runners?per_page=100`)).runners);
	return out;
}

describe('runners', () => {
	it('lists plain runners with labels and groups, and ARC runners as ephemeral runners of their scale set', async () => {
		const before = (await githubJson(sb, `${ORG_RUNNERS}?per_page=100`)) as any;
		const plain = before.runners.filter((r: any) => !r.ephemeral);
		// gh-docker keeps one idle runner (minRunners 1) from the start.
		expect(before.runners.filter((r: any) => r.ephemeral).map((r: any) => r.labels[0].name)).toEqual(['gh-docker']);
		expect(plain.some((r: any) => r.status === 'offline')).toBe(true);
		expect(plain.some((r: any) => r.busy)).toBe(true);
		for (const r of plain) {
			expect(r.ephemeral).toBe(false);
			expect(r.labels.slice(0, 2)).toEqual([
				{ id: 1, name: 'self-hosted', type: 'read-only' },
				{ id: 2, name: 'Linux', type: 'read-only' }
			]);
			expect(['X64', 'ARM64']).toContain(r.labels[2].name);
			expect([1, 3]).toContain(r.runner_group_id);
		}
		expect(plain.some((r: any) => r.labels.some((l: any) => l.type === 'custom'))).toBe(true);

		await controlOk(sb, '/clock', { advance_s: 600 });
		const after = (await githubJson(sb, `${ORG_RUNNERS}?per_page=100`)) as any;
		const eph = after.runners.filter((r: any) => r.ephemeral);
		expect(eph.length).toBeGreaterThan(0);
		const names = new Set(['gh-nix', 'gh-docker', 'gh-dind']);
		for (const r of eph) {
			expect(r.id).toBeGreaterThan(20000);
			expect(r.status).toBe('online');
			expect(r.runner_group_id).toBe(2);
			expect(names.has(r.labels[0].name)).toBe(true);
			expect(r.name.startsWith(`${r.labels[0].name}-`)).toBe(true);
		}
		const one = (await githubJson(sb, `${ORG_RUNNERS}/${eph[0].id}`)) as any;
		expect(one).toEqual(eph[0]);
		expect(await githubJson(sb, `${ORG_RUNNERS}?name=${encodeURIComponent(eph[0].name)}`)).toEqual({ total_count: 1, runners: [eph[0]] });
	});

	it('lists repository runners per repository and runner groups with their runners', async () => {
		const repo = (await githubJson(sb, '/repos/sandbox-org/storefront/actions/runners')) as any;
		expect(repo.total_count).toBeGreaterThan(0);
		expect(repo.runners.every((r: any) => r.name.startsWith('storefront-runner-') && !('runner_group_id' in r))).toBe(true);
		// A repository runner is not an org runner.
		expect((await github(sb, `${ORG_RUNNERS}/${repo.runners[0].id}`)).status).toBe(404);
		expect(await githubJson(sb, `/repos/sandbox-org/storefront/actions/runners/${repo.runners[0].id}`)).toEqual(repo.runners[0]);

		await controlOk(sb, '/clock', { advance_s: 300 });
		const groups = (await githubJson(sb, '/orgs/sandbox-org/actions/runner-groups')) as any;
		expect(groups.runner_groups.map((g: any) => [g.id, g.name, g.default])).toEqual([
			[1, 'Default', true],
			[2, 'arc-runners', false],
			[3, 'gpu', false]
		]);
		const org = (await githubJson(sb, `${ORG_RUNNERS}?per_page=100`)) as any;
		let sum = 0;
		for (const g of groups.runner_groups) {
			const members = (await githubJson(sb, `/orgs/sandbox-org/actions/runner-groups/${g.id}/runners?per_page=100`)) as any;
			expect(members.runners.every((r: any) => r.runner_group_id === g.id)).toBe(true);
			expect(await githubJson(sb, `/orgs/sandbox-org/actions/runner_groups/${g.id}`)).toEqual(g);
			sum += members.total_count;
		}
		expect(sum).toBe(org.total_count);
	});

	it('answers 304 to a matching If-None-Match', async () => {
		const res = await github(sb, ORG_RUNNERS);
		const etag = res.headers.get('etag') as string;
		expect(etag).toMatch(/^W\/"[0-9a-f]{40}"$/);
		const again = await github(sb, ORG_RUNNERS, { headers: { 'If-None-Match': etag } });
		expect(again.status).toBe(304);
		expect(again.headers.get('link')).toBe(res.headers.get('link'));
	});
});

describe('responses conform to GitHub’s OpenAPI description (GHES 3.17)', () => {
	let spec: OpenApi;
	beforeAll(() => {
		spec = loadGhesSpec();
	});
	afterAll(() => {
		spec = undefined as unknown as OpenApi;
	});

	it('for every endpoint served', async () => {
		await controlOk(sb, '/clock', { advance_s: 600 });
		const org = (await githubJson(sb, `${ORG_RUNNERS}?per_page=100`)) as any;
		const eph = org.runners.find((r: any) => r.ephemeral);
		const plain = org.runners.find((r: any) => !r.ephemeral);
		expect(eph && plain).toBeTruthy();
		const cases: [string, string][] = [
			[`${ORG_RUNNERS}?per_page=100`, '/orgs/{org}/actions/runners'],
			[`${ORG_RUNNERS}/${eph.id}`, '/orgs/{org}/actions/runners/{runner_id}'],
			[`${ORG_RUNNERS}/${plain.id}`, '/orgs/{org}/actions/runners/{runner_id}'],
			['/repos/sandbox-org/storefront/actions/runners', '/repos/{owner}/{repo}/actions/runners'],
			['/repos/sandbox-org/runner-images/actions/runners', '/repos/{owner}/{repo}/actions/runners'],
			['/orgs/sandbox-org/actions/runner-groups', '/orgs/{org}/actions/runner-groups'],
			['/orgs/sandbox-org/actions/runner-groups/1', '/orgs/{org}/actions/runner-groups/{runner_group_id}'],
			['/orgs/sandbox-org/actions/runner-groups/2/runners', '/orgs/{org}/actions/runner-groups/{runner_group_id}/runners'],
			['/orgs/sandbox-org', '/orgs/{org}'],
			['/repos/sandbox-org/storefront', '/repos/{owner}/{repo}'],
			['/orgs/sandbox-org/repos', '/orgs/{org}/repos'],
			['/rate_limit', '/rate_limit'],
			['/meta', '/meta']
		];
		for (const [path, op] of cases) {
			const body = await githubJson(sb, path);
			expect({ path, errors: check(spec, responseSchema(spec, op), body) }).toEqual({ path, errors: [] });
		}
		// Error bodies are GitHub's basic-error.
		const notFound = await (await github(sb, `${ORG_RUNNERS}/424242`)).json();
		expect(check(spec, { $ref: '#/components/schemas/basic-error' }, notFound)).toEqual([]);
	});

	it('and the checker does catch what GitHub would not send', () => {
		const schema = responseSchema(spec, '/orgs/{org}/actions/runners');
		expect(check(spec, schema, { total_count: 1 })).toEqual(['$: missing required runners']);
		const bad = { total_count: 1, runners: [{ id: 1, name: 'x', os: 'Linux', status: 'online', busy: 'no', labels: [{ name: 'a', type: 'builtin' }], tag_list: [] }] };
		expect(check(spec, schema, bad)).toEqual([
			'$.runners[0].busy: expected boolean, got string ("no")',
			'$.runners[0].labels[0].type: "builtin" not in enum ["read-only","custom"]',
			'$.runners[0]: property tag_list is not in the schema'
		]);
	});
});

describe('faults and control', () => {
	it('rate_limit answers like a secondary rate limit: 429, retry-after, x-ratelimit-remaining 0; error answers 500', async () => {
		await controlOk(sb, '/faults', { target: 'github', mode: 'rate_limit', retry_after_s: 7 });
		const res = await github(sb, ORG_RUNNERS);
		expect(res.status).toBe(429);
		expect(res.headers.get('retry-after')).toBe('7');
		expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
		expect(Number(res.headers.get('x-ratelimit-reset'))).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 8);
		expect(((await res.json()) as any).message).toMatch(/secondary rate limit/);
		await controlOk(sb, '/faults', { target: 'github', mode: 'error' });
		expect((await github(sb, ORG_RUNNERS)).status).toBe(500);
		await controlOk(sb, '/faults', { target: 'github', mode: 'none' });
		expect((await github(sb, ORG_RUNNERS)).status).toBe(200);
	});

	it('takes a plain runner offline and back, holds it busy, and refuses ARC runners', async () => {
		const { runners } = (await githubJson(sb, `${ORG_RUNNERS}?per_page=100`)) as any;
		const r = runners.find((x: any) => x.status === 'online' && !x.busy);
		const s0 = await state(sb);
		expect(await controlOk(sb, `/github/runners/${r.id}`, { status: 'offline' })).toEqual({ id: r.id, name: r.name, status: 'offline', busy: false });
		expect(await githubJson(sb, `${ORG_RUNNERS}/${r.id}`)).toMatchObject({ status: 'offline', busy: false });
		expect((await state(sb)).github.runners.by_status.offline).toBe(s0.github.runners.by_status.offline + 1);
		await controlOk(sb, '/clock', { advance_s: 3600 });
		expect((await githubJson(sb, `${ORG_RUNNERS}/${r.id}`)).status).toBe('offline');
		await controlOk(sb, `/github/runners/${r.id}`, { status: 'online', busy: true });
		expect(await githubJson(sb, `${ORG_RUNNERS}/${r.id}`)).toMatchObject({ status: 'online', busy: true });
		await controlOk(sb, `/github/runners/${r.id}`, { busy: false });
		expect((await githubJson(sb, `${ORG_RUNNERS}/${r.id}`)).busy).toBe(false);

		const eph = ((await githubJson(sb, `${ORG_RUNNERS}?per_page=100`)) as any).runners.find((x: any) => x.ephemeral);
		expect((await control(sb, `/github/runners/${eph.id}`, { status: 'offline' })).status).toBe(409);
		expect((await control(sb, '/github/runners/9999', { status: 'offline' })).status).toBe(404);
		const bad = await control(sb, `/github/runners/${r.id}`, { status: 'gone' });
		expect(bad.status).toBe(400);
		expect(((await bad.json()) as any).error).toMatch(/status must be online or offline/);
		expect(((await (await control(sb, `/github/runners/${r.id}`, {})).json()) as any).error).toMatch(/at least one of status, busy/);
	});
});
