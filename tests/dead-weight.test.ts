// Dead weight against the sandbox: the preview agrees with the sandbox's own count of
// runners silent for longer than N days, only an admin may delete them (with the typed
// confirmation), each deletion is audited, and afterwards the forge no longer has them.
// Also: the runners CSV holds the same rows as the paged JSON answer for a filtered view,
// and version skew: the `outdated` filter of the list and the CSV agrees with the core rule
// applied to the unfiltered list against the sandbox's own versions; and the GitHub runners'
// first-seen-offline times are kept in the store.
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, eventually, startApp, type RunningApp } from './helpers/app';
import { newest, outdated, versionInFilename } from '../src/lib/core/versions';

let app: RunningApp;
const tokens: Record<'viewer' | 'operator' | 'admin', string> = { viewer: '', operator: '', admin: '' };

const call = (path: string, role: keyof typeof tokens, init: RequestInit = {}) =>
	fetch(`${app.url}${path}`, { ...init, headers: { authorization: `Bearer ${tokens[role]}`, origin: app.origin, 'content-type': 'application/json', ...init.headers } });
const sandboxDead = async (days: number) => (await (await fetch(`${app.sandboxUrl}/_sandbox/state?offline_days=${days}`)).json()).dead_weight;

beforeAll(async () => {
	// A still clock: nobody drifts into or out of the preview while the test compares.
	app = await startApp({ tickMs: 0 });
	for (const role of ['viewer', 'operator', 'admin'] as const) tokens[role] = createToken(app, role, role);
}, 60_000);

afterAll(async () => {
	await app?.stop();
});

interface Preview {
	items: { id: string; name: string; status: string; silent_since: string | null }[];
	total: number;
	offline_days: number;
	confirm: string;
}

describe('dead weight', () => {
	let preview: Preview;

	it('previews exactly the runners the sandbox counts as offline for more than 7 days', async () => {
		const truth = await sandboxDead(7);
		expect(truth.gitlab.total).toBe(14);
		const r = await call('/api/v1/runners/dead-weight?offline_days=7&forge=gitlab&per_page=200', 'viewer');
		expect(r.status).toBe(200);
		preview = await r.json();
		expect(preview.total).toBe(truth.gitlab.total);
		expect(preview.items.map((i) => i.id).sort()).toEqual(truth.gitlab.runner_ids.map((n: number) => `gitlab:sandbox-gitlab:${n}`).sort());
		expect(preview.items.filter((i) => i.silent_since === null)).toHaveLength(truth.gitlab.never_contacted);
		expect(preview.confirm).toBe('delete 14 runners');
		// A longer N lists fewer, as the sandbox counts them.
		const month = await (await call('/api/v1/runners/dead-weight?offline_days=30&forge=gitlab', 'viewer')).json();
		expect(month.total).toBeLessThanOrEqual(preview.total);
	});

	it('refuses viewers and operators, and a wrong confirmation, deleting nothing', async () => {
		const ids = preview.items.map((i) => i.id);
		const body = JSON.stringify({ ids, offline_days: 7, confirm: preview.confirm });
		for (const role of ['viewer', 'operator'] as const) expect((await call('/api/v1/runners/dead-weight/delete', role, { method: 'POST', body })).status).toBe(403);
		const wrong = await call('/api/v1/runners/dead-weight/delete', 'admin', { method: 'POST', body: JSON.stringify({ ids, offline_days: 7, confirm: 'delete 13 runners' }) });
		expect(wrong.status).toBe(400);
		expect((await wrong.json()).error.message).toBe('type "delete 14 runners" to confirm deleting these runners');
		expect((await sandboxDead(7)).gitlab.total).toBe(14);
	});

	it('deletes them on the forge for an admin, each with its outcome and audit record', async () => {
		const ids = preview.items.map((i) => i.id);
		// One runner that is alive is left alone, whatever the list says.
		const alive = (await (await call('/api/v1/runners?status=online&forge=gitlab&per_page=1', 'viewer')).json()).items[0].id;
		const r = await call('/api/v1/runners/dead-weight/delete', 'admin', { method: 'POST', body: JSON.stringify({ ids: [...ids, alive], offline_days: 7, confirm: 'delete 15 runners' }) });
		expect(r.status).toBe(200);
		const out = await r.json();
		expect(out).toMatchObject({ deleted: 14, failed: 1 });
		expect(out.items.find((i: { id: string }) => i.id === alive)).toMatchObject({ result: 'not_dead_weight' });
		expect((await sandboxDead(7)).gitlab).toMatchObject({ total: 0, runner_ids: [] });
		const gone = await fetch(`${app.sandboxUrl}/gitlab/api/v4/runners/${preview.items[0]!.id.split(':')[2]}`, { headers: { 'PRIVATE-TOKEN': 'sandbox-gitlab-token' } });
		expect(gone.status).toBe(404);
		const after = await (await call('/api/v1/runners/dead-weight?offline_days=7&forge=gitlab', 'viewer')).json();
		expect(after.total).toBe(0);
		const audit = await (await call('/api/v1/audit?action=runner.delete&per_page=100', 'admin')).json();
		expect(audit.items.filter((a: { outcome: string }) => a.outcome === 'success')).toHaveLength(14);
		expect(audit.items.find((a: { target: string }) => a.target === alive)).toMatchObject({ outcome: 'failure', principal: 'token:admin' });
	});
});

describe('runners as CSV', () => {
	it('has the same rows, in the same order, as the paged answer of the same filtered view', async () => {
		const query = 'forge=gitlab&status=online,offline&tag=docker&sort=-name';
		const paged: string[] = [];
		for (let page = 1; ; page++) {
			const p = await (await call(`/api/v1/runners?${query}&per_page=25&page=${page}`, 'viewer')).json();
			paged.push(...p.items.map((i: { id: string }) => i.id));
			if (paged.length >= p.total) break;
		}
		const r = await call(`/api/v1/runners/export?${query}`, 'viewer');
		expect(r.status).toBe(200);
		expect(r.headers.get('content-disposition')).toBe('attachment; filename="runners.csv"');
		const lines = (await r.text()).trimEnd().split('\r\n');
		expect(lines[0]).toBe('id,forge,source,name,description,status,paused,busy,type,tags,version,outdated,ip_address,contacted_at,scale_set');
		expect(paged.length).toBeGreaterThan(25);
		expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(paged);
		expect((await call('/api/v1/runners/export?sort=bogus', 'viewer')).status).toBe(400);
	});

	it('stores when each offline GitHub runner was first seen offline, where every replica and the next start read it', async () => {
		type R = { id: string; status: string };
		const offline = ((await (await call('/api/v1/runners?forge=github&per_page=200', 'viewer')).json()).items as R[]).filter((r) => r.status !== 'online').map((r) => r.id);
		expect(offline.length).toBeGreaterThan(0);
		const db = new SQLite(join(app.dataDir, 'runner-dashboard.sqlite'), { readonly: true });
		try {
			const rows = await eventually(
				async () => db.prepare('select runner_id, since_ms from runner_offline_since').all() as { runner_id: string; since_ms: number }[],
				(r) => offline.every((id) => r.some((x) => x.runner_id === id)),
				60_000,
				'the offline GitHub runners stored'
			);
			expect(rows.map((r) => r.runner_id).sort()).toEqual([...offline].sort());
			expect(rows.every((r) => r.since_ms > Date.now() - 600_000 && r.since_ms <= Date.now())).toBe(true);
		} finally {
			db.close();
		}
	});
});

describe('version skew', () => {
	interface Listed {
		id: string;
		forge: 'gitlab' | 'github';
		source: string;
		version: string | null;
		outdated: string;
	}
	const everyRunner = async (query = '') => {
		const all: Listed[] = [];
		for (let page = 1; ; page++) {
			const p = await (await call(`/api/v1/runners?${query}&per_page=200&page=${page}&sort=id`, 'viewer')).json();
			all.push(...p.items);
			if (all.length >= p.total || p.items.length === 0) return { items: all, total: p.total as number };
		}
	};

	it('lists as outdated exactly the runners behind the sandbox’s own versions, in the list, the CSV and the detail', async () => {
		// What the sandbox's forges say they run, read from them directly.
		const gitlab = (await (await fetch(`${app.sandboxUrl}/gitlab/api/v4/version`, { headers: { 'PRIVATE-TOKEN': 'sandbox-gitlab-token' } })).json()).version as string;
		const downloads = (await (await fetch(`${app.sandboxUrl}/github/api/v3/orgs/sandbox-org/actions/runners/downloads`, { headers: { authorization: 'Bearer sandbox-github-token' } })).json()) as { filename: string }[];
		const github = newest(downloads.map((d) => versionInFilename(d.filename)).filter((v): v is string => v !== null));
		const references: Record<string, string | null> = { 'sandbox-gitlab': gitlab, 'sandbox-github': github };
		// The references are read at start; wait until the dashboard names them.
		const skew = await eventually(
			async () => (await call('/api/v1/runners/version-skew', 'viewer')).json(),
			(s) => s.references.every((r: { version: string | null }) => r.version !== null),
			30_000,
			'the forges’ reference versions'
		);
		expect(Object.fromEntries(skew.references.map((r: { source: string; version: string }) => [r.source, r.version]))).toEqual(references);

		const all = await everyRunner();
		const expected = all.items.filter((r) => outdated(r.forge, r.version, references[r.source] ?? null) === 'true').map((r) => r.id);
		// The sandbox spreads versions across releases: some of each forge are behind.
		expect(expected.some((id) => id.startsWith('gitlab:'))).toBe(true);
		expect(expected.some((id) => id.startsWith('github:'))).toBe(true);
		expect(all.items.filter((r) => r.outdated === 'true').map((r) => r.id)).toEqual(expected);

		const filtered = await everyRunner('outdated=true');
		expect(filtered.total).toBe(expected.length);
		expect(filtered.items.map((r) => r.id)).toEqual(expected);
		const fresh = await everyRunner('outdated=false');
		const unknown = await everyRunner('outdated=unknown');
		expect(filtered.total + fresh.total + unknown.total).toBe(all.total);

		const csv = (await (await call('/api/v1/runners/export?outdated=true&sort=id', 'viewer')).text()).trimEnd().split('\r\n');
		const outdatedColumn = csv[0]!.split(',').indexOf('outdated');
		expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(expected);
		expect(new Set(csv.slice(1).map((l) => l.split(',')[outdatedColumn]))).toEqual(new Set(['true']));
		expect((await call('/api/v1/runners?outdated=maybe', 'viewer')).status).toBe(400);

		// Per runner type: every counted runner is one the list calls outdated.
		const counted = skew.by_runner_type.reduce((n: number, t: { outdated: number }) => n + t.outdated, 0) + skew.outside_types.gitlab.outdated + skew.outside_types.github.outdated;
		expect(counted).toBe(expected.length);
		expect(skew.by_runner_type.find((t: { forge: string; group: string }) => t.forge === 'gitlab' && t.group === 'docker')?.outdated).toBeGreaterThan(0);

		const one = await (await call(`/api/v1/runners/${encodeURIComponent(expected[0]!)}`, 'viewer')).json();
		expect(one).toMatchObject({ id: expected[0], outdated: 'true', reference_version: references[expected[0]!.split(':')[1]!] });
	});
});
