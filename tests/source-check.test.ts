// `runner-dashboard check` and GET /api/v1/sources/check against the sandbox, whose
// tokens and cluster permissions are narrowed through its control API: all green, a
// cluster identity that may not watch pods in arc-runners, a GitLab token with read_api.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, startApp, type RunningApp } from './helpers/app';

let app: RunningApp;
let admin: string;
let viewer: string;

const control = async (path: string, body: unknown) => {
	const r = await fetch(`${app.sandboxUrl}/_sandbox${path}`, { method: 'POST', body: JSON.stringify(body) });
	expect(r.status, `${path} ${await r.clone().text()}`).toBe(200);
};

interface Row {
	source: string;
	check: string;
	status: string;
	detail: string;
	fix: string | null;
}
const row = (rows: Row[], source: string, check: string) => rows.find((r) => r.source === source && r.check === check);

beforeAll(async () => {
	app = await startApp();
	admin = createToken(app, 'check-admin', 'admin');
	viewer = createToken(app, 'check-viewer', 'viewer');
});
afterAll(async () => {
	await app?.stop();
});

describe('GET /api/v1/sources/check', () => {
	it('answers admins with the same rows as the command; viewers are refused', async () => {
		const res = await fetch(`${app.url}/api/v1/sources/check`, { headers: { authorization: `Bearer ${admin}` } });
		expect(res.status).toBe(200);
		const body = (await res.json()) as { ok: boolean; checked_at: string; rows: Row[] };
		expect(body.ok).toBe(true);
		expect(Date.now() - Date.parse(body.checked_at)).toBeLessThan(60_000);
		const cli = (JSON.parse(app.cli(['check', '--json']).stdout) as { rows: Row[] }).rows;
		expect(body.rows.map((r) => `${r.source} ${r.check} ${r.status}`)).toEqual(cli.map((r) => `${r.source} ${r.check} ${r.status}`));
		expect((await fetch(`${app.url}/api/v1/sources/check`, { headers: { authorization: `Bearer ${viewer}` } })).status).toBe(403);
	});
});

describe('runner-dashboard check against the sandbox', () => {
	it('all green: every source reachable, its token known, every feature covered; exit 0', () => {
		const r = app.cli(['check']);
		expect(r.stderr).toBe('');
		expect(r.status).toBe(0);
		expect(r.stdout).toMatch(/^sandbox-gitlab +token +ok +user sandbox-admin \(administrator\); token "sandbox-default" with api; no expiry date$/m);
		expect(r.stdout).toMatch(/^sandbox-github +token +ok +user sandbox-admin; classic token with repo, admin:org, workflow$/m);
		expect(r.stdout).toMatch(/^sandbox-k8s +identity +ok +the API server sees system:serviceaccount:runner-dashboard:runner-dashboard$/m);
		expect(r.stdout).toMatch(/^sandbox-k8s +watch arc-runners +ok +may list and watch pods, /m);
		expect(r.stdout).toMatch(/^All \d+ checks passed\.$/m);
		const json = JSON.parse(app.cli(['check', '--json']).stdout) as { ok: boolean; rows: Row[] };
		expect(json.ok).toBe(true);
		expect(json.rows.filter((x) => x.status !== 'ok' && x.status !== 'not_used')).toEqual([]);
	});

	it('a cluster identity that may not watch pods in arc-runners: exit 1, the row names it and the fix', async () => {
		await control('/k8s/permissions', { deny: [{ verb: 'watch', resource: 'pods', namespace: 'arc-runners', group: '' }] });
		try {
			const r = app.cli(['check']);
			expect(r.status).toBe(1);
			const lines = r.stdout.split('\n');
			const at = lines.findIndex((l) => /^sandbox-k8s +watch arc-runners +MISSING +cannot watch pods in arc-runners \(needed for: Pods page/.test(l));
			expect(at, r.stdout).toBeGreaterThan(0);
			expect(lines[at + 1]!.trim()).toBe(
				`fix: grant it with the module's Role (rbac.tf: kubernetes_role_v1.arc, one per entry of var.arc_namespaces — list "arc-runners" there) or a Role in arc-runners bound to system:serviceaccount:runner-dashboard:runner-dashboard with the rule apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"]`
			);
			expect(r.stdout).toMatch(/^sandbox-k8s +watch gitlab-runners +ok/m);
			expect(r.stdout).toContain('1 of');
		} finally {
			await control('/k8s/permissions', { reset: true });
		}
		expect(app.cli(['check']).status).toBe(0);
	});

	it('a GitLab token with only read_api: the pause and change-flow rows say so, the read rows stay green', async () => {
		await control('/tokens', { forge: 'gitlab', token: 'sandbox-gitlab-token', scopes: ['read_api'] });
		try {
			const r = app.cli(['check', '--json']);
			expect(r.status).toBe(1);
			const rows = (JSON.parse(r.stdout) as { rows: Row[] }).rows;
			expect(row(rows, 'sandbox-gitlab', 'token')!.detail).toContain('with read_api');
			for (const check of ['connection', 'read runners', 'runner jobs', 'drift: declared files', 'drift: state']) expect(row(rows, 'sandbox-gitlab', check)!.status, check).toBe('ok');
			expect(row(rows, 'sandbox-gitlab', 'pause and resume')).toMatchObject({ status: 'missing', detail: 'pausing and resuming runners (PUT /runners/:id) needs api; the token has read_api' });
			expect(row(rows, 'sandbox-gitlab', 'change flow')!.status).toBe('missing');
			expect(row(rows, 'sandbox-gitlab', 'change flow')!.fix).toMatch(/^a token with the api scope/);
			expect(rows.filter((x) => x.status === 'missing').map((x) => `${x.source} ${x.check}`)).toEqual(['sandbox-gitlab pause and resume', 'sandbox-gitlab change flow']);
		} finally {
			await control('/tokens', { forge: 'gitlab', token: 'sandbox-gitlab-token', scopes: ['api'] });
		}
	});

	it('a configuration error is exit 2, named', () => {
		const r = app.cli(['check', '--config', '/nonexistent/runner-dashboard.yaml']);
		expect(r.status).toBe(2);
		expect(r.stderr).toMatch(/^runner-dashboard: configuration error: RUNNER_DASHBOARD_CONFIG=\/nonexistent\/runner-dashboard\.yaml cannot be read/);
		const empty = app.cli(['check'], { RUNNER_DASHBOARD_SANDBOX_URL: '' });
		expect(empty.status).toBe(2);
		expect(empty.stderr).toContain('RUNNER_DASHBOARD_SANDBOX_URL is set but empty');
	});
});
