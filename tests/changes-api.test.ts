// The change routes over HTTP against the built dashboard and its sandbox: the form's
// schema for a viewer, a proposal for an operator (201, then 200 for the same values),
// a conflict (409 with both values), the sandbox's own webhooks driving the change
// through plan, merge, apply and drift to verified, forged and replayed deliveries
// refused, adoption of a drift item by its key and a re-apply.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, eventually, startApp, type RunningApp } from './helpers/app';

let app: RunningApp;
let dir: string;
let viewer: string;
let operator: string;
const SECRET = 'gitlab-hook-s3cret';

const api = async (path: string, init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
	const r = await fetch(`${app.url}${path}`, {
		method: init.method ?? 'GET',
		headers: { authorization: `Bearer ${init.token ?? operator}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
		body: init.body === undefined ? undefined : JSON.stringify(init.body)
	});
	const text = await r.text();
	return { status: r.status, body: text ? JSON.parse(text) : null };
};
const sandbox = async (path: string, body?: unknown, method = 'POST') => {
	const r = await fetch(`${app.sandboxUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
	return { status: r.status, body: await r.json() };
};
const gitlab = async (path: string, method = 'GET') => {
	const r = await fetch(`${app.sandboxUrl}/gitlab/api/v4/projects/42${path}`, { method, headers: { 'PRIVATE-TOKEN': 'sandbox-gitlab-token' } });
	return { status: r.status, body: await r.json() };
};

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), 'rd-changes-api-'));
	const config = join(dir, 'config.yaml');
	writeFileSync(config, 'changes:\n  gitlab: { webhook_secret: { env: CHANGES_GITLAB_HOOK } }\n  poll_interval_seconds: 60\n');
	app = await startApp({ env: { RUNNER_DASHBOARD_CONFIG: config, CHANGES_GITLAB_HOOK: SECRET } });
	viewer = createToken(app, 'changes-viewer', 'viewer');
	operator = createToken(app, 'changes-operator', 'operator');
	expect((await sandbox('/_sandbox/webhooks', { forge: 'gitlab', url: `${app.url}/api/v1/webhooks/gitlab`, secret: SECRET })).status).toBe(200);
}, 60_000);
afterAll(async () => {
	await app?.stop();
	if (dir) rmSync(dir, { recursive: true, force: true });
});

let id: number;
let revision: string;

describe('the change form and a proposal', () => {
	it('gives a viewer the form’s schema from variables.tf with the environment’s values, and refuses the viewer a proposal', async () => {
		const form = await api('/api/v1/stacks/gitlab-runners/dev/variables', { token: viewer });
		expect(form.status).toBe(200);
		expect(form.body).toMatchObject({ stack: 'gitlab-runners', env: 'dev', forge: 'gitlab', proposable: true, file: 'tofu/stacks/gitlab-runners/dev.tfvars', revision: expect.stringMatching(/^[0-9a-f]{40}$/) });
		revision = form.body.revision;
		const max = form.body.variables.find((v: { name: string }) => v.name === 'docker_hpa_max_replicas');
		expect(max).toMatchObject({ type: 'number', value: 8, value_from: 'tfvars', editable: true, constraint: { kind: 'number' } });
		const refused = await api('/api/v1/changes', { method: 'POST', token: viewer, body: { stack: 'gitlab-runners', env: 'dev', set: { docker_hpa_max_replicas: 10 } } });
		expect(refused.status).toBe(403);
		expect((await api('/api/v1/stacks/nope/dev/variables', { token: viewer })).status).toBe(404);
	});

	it('answers an operator’s proposal with 201 and the change, the same values again with 200 and the same change', async () => {
		const body = { stack: 'gitlab-runners', env: 'dev', set: { docker_hpa_max_replicas: 10 }, base: revision };
		const made = await api('/api/v1/changes', { method: 'POST', body });
		expect(made.status).toBe(201);
		expect(made.body).toMatchObject({ stack: 'gitlab-runners', env: 'dev', forge: 'gitlab', state: 'open', created_by: 'token:changes-operator', ref: expect.stringMatching(/^runner-dashboard\//), url: expect.stringContaining('/merge_requests/'), proposal: expect.stringMatching(/^!\d+$/) });
		expect(made.body.diff).toMatch(/^-docker_hpa_max_replicas\s+=\s+8$/m);
		id = made.body.id;
		const again = await api('/api/v1/changes', { method: 'POST', body });
		expect(again.status).toBe(200);
		expect(again.body.id).toBe(id);
		const listed = await api('/api/v1/changes?state=open,pipeline_running&stack=gitlab-runners', { token: viewer });
		expect(listed.body).toMatchObject({ total: 1, items: [{ id }] });
		expect((await api(`/api/v1/changes/${id}`, { token: viewer })).body.id).toBe(id);
		expect((await api('/api/v1/changes/999999', { token: viewer })).status).toBe(404);
		expect((await api('/api/v1/changes?state=nope', { token: viewer })).body.error.message).toMatch(/unknown state "nope"/);
		const bad = await api('/api/v1/changes', { method: 'POST', body: { stack: 'gitlab-runners', env: 'dev', set: { docker_hpa_max_replicas: 'lots' } } });
		expect(bad.status).toBe(400);
		expect(bad.body.error).toMatchObject({ code: 'invalid_change', message: expect.stringMatching(/docker_hpa_max_replicas/) });
	});

	it('answers 409 with both values when the same variable changed on main since the form was read', async () => {
		await sandbox('/_sandbox/gitops/commit', { stack: 'gitlab-runners', set: { dind_hpa_max_replicas: 9 } });
		const r = await api('/api/v1/changes', { method: 'POST', body: { stack: 'gitlab-runners', env: 'dev', set: { dind_hpa_max_replicas: 7 }, base: revision } });
		expect(r.status).toBe(409);
		expect(r.body.error.code).toBe('conflict');
		expect(r.body.error.details.conflicts).toEqual([{ name: 'dind_hpa_max_replicas', base: 4, head: 9, proposed: 7 }]);
		expect(r.body.error.message).toMatch(/dind_hpa_max_replicas was 4 .* is 9 on main now; you proposed 7/);
	});
});

describe('webhooks and the way to verified', () => {
	it('follows the change on the sandbox’s webhooks through plan, merge and apply to verified', async () => {
		const change = (await api(`/api/v1/changes/${id}`, { token: viewer })).body;
		await sandbox('/_sandbox/clock', { advance_s: 40 });
		await eventually(async () => (await api(`/api/v1/changes/${id}`, { token: viewer })).body, (c) => c.state === 'pipeline_passed', 20_000, 'pipeline_passed');
		const delivered = await sandbox('/_sandbox/webhooks/deliveries?forge=gitlab&status=delivered', undefined, 'GET');
		expect(delivered.body.deliveries.length).toBeGreaterThan(0);
		expect(delivered.body.deliveries.map((d: { attempts: { status: number }[] }) => d.attempts.at(-1)!.status)).toEqual(delivered.body.deliveries.map(() => 202));
		const merged = await gitlab(`/merge_requests/${change.number}/merge`, 'PUT');
		expect(merged.status).toBe(200);
		await eventually(async () => (await api(`/api/v1/changes/${id}`, { token: viewer })).body, (c) => c.state === 'merged', 20_000, 'merged');
		await sandbox('/_sandbox/clock', { advance_s: 80 });
		const done = await eventually(async () => (await api(`/api/v1/changes/${id}`, { token: viewer })).body, (c) => c.state === 'verified', 40_000, 'verified');
		expect(done).toMatchObject({ merge_commit: merged.body.merge_commit_sha, apply_pipeline: { status: 'success' }, verified_at: expect.any(String) });
	}, 90_000);

	it('refuses a delivery with the wrong secret (401), one without a secret configured (403), and a replay (409)', async () => {
		const body = JSON.stringify({ object_kind: 'merge_request', object_attributes: { iid: 1 } });
		const hook = (headers: Record<string, string>, forge = 'gitlab') => fetch(`${app.url}/api/v1/webhooks/${forge}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
		const wrong = await hook({ 'x-gitlab-token': 'nope', 'x-gitlab-event-uuid': 'forged-1' });
		expect(wrong.status).toBe(401);
		expect((await wrong.json()).error.code).toBe('invalid_signature');
		const github = await hook({ 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`, 'x-github-delivery': 'g-1' }, 'github');
		expect(github.status).toBe(403);
		// A browser cannot post to it from another site.
		expect((await hook({ 'x-gitlab-token': SECRET, 'x-gitlab-event-uuid': 'x-1', origin: 'https://evil.example' })).status).toBe(403);

		const first = (await sandbox('/_sandbox/webhooks/deliveries?forge=gitlab&status=delivered', undefined, 'GET')).body.deliveries[0];
		const replay = await sandbox(`/_sandbox/webhooks/deliveries/${first.id}/redeliver`);
		expect(replay.body.redelivery_of).toBe(first.id);
		const attempt = await eventually(async () => (await sandbox(`/_sandbox/webhooks/deliveries/${replay.body.id}`, undefined, 'GET')).body, (d) => d.attempts.length > 0, 10_000, 'the replay attempt');
		expect(attempt.attempts[0].status).toBe(409);
		const audit = await fetch(`${app.url}/api/v1/audit?outcome=denied&per_page=200`, { headers: { authorization: `Bearer ${createToken(app, 'changes-admin', 'admin')}` } }).then((r) => r.json());
		expect(audit.items.map((a: { action: string }) => a.action)).toEqual(expect.arrayContaining(['webhook.gitlab', 'webhook.github']));
	}, 30_000);
});

describe('adopting and re-applying over the API', () => {
	it('adopts an out-of-band item by its key and re-applies git with 202', async () => {
		const patched = await fetch(`${app.sandboxUrl}/k8s/apis/autoscaling/v2/namespaces/gitlab-runners/horizontalpodautoscalers/nix-runner-hpa`, {
			method: 'PATCH',
			headers: { 'content-type': 'application/merge-patch+json' },
			body: JSON.stringify({ spec: { maxReplicas: 17 } })
		});
		expect(patched.status).toBe(200);
		const drift = await eventually(async () => (await api('/api/v1/drift', { token: viewer })).body, (d) => d.items.some((i: { live: unknown }) => i.live === 17), 30_000, 'the out-of-band item');
		const item = drift.items.find((i: { live: unknown }) => i.live === 17);
		expect((await api(`/api/v1/drift/${encodeURIComponent(item.key)}/adopt`, { method: 'POST', token: viewer, body: {} })).status).toBe(403);
		const adopted = await api(`/api/v1/drift/${encodeURIComponent(item.key)}/adopt`, { method: 'POST', body: {} });
		expect(adopted.status).toBe(201);
		expect(adopted.body).toMatchObject({ kind: 'adopt', drift_item: item.key, variables: [{ name: 'nix_hpa_max_replicas', new: 17 }] });
		expect((await api(`/api/v1/drift/${encodeURIComponent('gitlab-runners|dev|no|such|item')}/adopt`, { method: 'POST' })).status).toBe(404);

		const re = await api('/api/v1/stacks/gitlab-runners/dev/reapply', { method: 'POST' });
		expect(re.status).toBe(202);
		expect(re.body).toMatchObject({ kind: 'reapply', state: 'pipeline_running', apply_pipeline: { id: expect.any(Number) } });
		expect((await api('/api/v1/stacks/gitlab-runners/dev/reapply', { method: 'POST', token: viewer })).status).toBe(403);
	}, 60_000);
});

describe('runner-dashboard change', () => {
	it('proposes through a running dashboard with an operator token, and on the store and forges as cli; a refusal exits 1', async () => {
		const tokenFile = join(dir, 'operator-token');
		writeFileSync(tokenFile, `${operator}\n`);
		const server = ['--server', app.url, '--token-file', tokenFile];
		const r = app.cli(['change', '--stack', 'arc-runners', '--env', 'dev', '--set', 'nix_max_runners=23', ...server]);
		expect(r.status, r.stderr).toBe(0);
		expect(r.stdout).toMatch(/^change \d+ opened: merge request !\d+ http/);
		expect(r.stdout).toMatch(/arc-runners\/dev: nix_max_runners \d+ → 23/);
		expect(r.stdout).toMatch(/^\+nix_max_runners\s*=\s*23$/m);
		const again = app.cli(['change', '--stack', 'arc-runners', '--env', 'dev', '--set', 'nix_max_runners=23', ...server]);
		expect(again.status, again.stderr).toBe(0);
		expect(again.stdout).toMatch(/already proposes these values/);

		const local = app.cli(['change', '--stack', 'arc-runners', '--env', 'dev', '--set', 'docker_max_runners=21', '--json']);
		expect(local.status, local.stderr).toBe(0);
		const made = JSON.parse(local.stdout);
		expect(made).toMatchObject({ created_by: 'cli', state: 'open', number: expect.any(Number) });
		expect((await api(`/api/v1/changes/${made.id}`, { token: viewer })).body.created_by).toBe('cli');

		const refused = app.cli(['change', '--stack', 'arc-runners', '--env', 'dev', '--set', 'nix_max_runners=lots', ...server]);
		expect(refused.status).toBe(1);
		expect(refused.stderr).toMatch(/refused \(invalid_change\): .*nix_max_runners/);
		const viewerFile = join(dir, 'viewer-token');
		writeFileSync(viewerFile, viewer);
		const forbidden = app.cli(['change', '--stack', 'arc-runners', '--env', 'dev', '--set', 'nix_max_runners=24', '--server', app.url, '--token-file', viewerFile]);
		expect(forbidden.status).toBe(1);
		expect(forbidden.stderr).toMatch(/refused \(forbidden\)/);
		expect(app.cli(['change', '--stack', 'arc-runners', '--env', 'dev']).status).toBe(2);
	}, 60_000);
});
