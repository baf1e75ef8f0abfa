// Webhook delivery from the sandbox's forges to a receiver the test runs: GitLab's
// Merge Request and Pipeline hooks with X-Gitlab-Token, GitHub's pull_request,
// check_run and workflow_run with an HMAC signature (payloads checked against GitHub's
// webhook schemas), retries on failure, the delivery log, and a byte-exact replay.

import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxWithWorld } from '../index.js';
import { check, loadGhesSpec, type OpenApi } from '../github/openapi-check.js';
import { control, controlOk } from '../testing.js';
import { advance, gitbeaker, octokit, type TestSandbox } from './testing.js';

interface Received {
	headers: IncomingHttpHeaders;
	body: string;
	json: any;
}

/** A webhook receiver: records every request; answers `failures` 500s first, then 200s. */
async function receiver(): Promise<{ url: string; got: Received[]; fail: (n: number) => void; close: () => Promise<void> }> {
	const got: Received[] = [];
	let failures = 0;
	const server: Server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const body = Buffer.concat(chunks).toString('utf8');
			got.push({ headers: req.headers, body, json: JSON.parse(body) });
			res.statusCode = failures > 0 ? (failures--, 500) : 200;
			res.end();
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
		got,
		fail: (n) => (failures = n),
		close: () => new Promise((r) => server.close(() => r()))
	};
}

async function until<T>(what: string, fn: () => T | undefined | false, ms = 5000): Promise<T> {
	const end = Date.now() + ms;
	for (;;) {
		const v = fn();
		if (v) return v;
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}

async function deliveries(sb: TestSandbox, query = ''): Promise<any[]> {
	return (await (await fetch(`${sb.url}/_sandbox/webhooks/deliveries${query}`)).json()).deliveries;
}

describe('webhooks from the sandbox forges', () => {
	let sb: TestSandbox;
	let hook: Awaited<ReturnType<typeof receiver>>;
	let spec: OpenApi;
	beforeAll(async () => {
		sb = await startSandboxWithWorld({ port: 0, tickMs: 0 });
		hook = await receiver();
		spec = loadGhesSpec();
		sb.world.changes.webhooks.retryDelaysMs = [50, 50, 50];
	});
	afterAll(async () => {
		await sb.close();
		await hook.close();
	});

	it('refuses bad registrations', async () => {
		expect((await control(sb, '/webhooks', { forge: 'gitlab', url: 'not a url', secret: 's' })).status).toBe(400);
		expect((await control(sb, '/webhooks', { forge: 'gitlab', url: hook.url, secret: '' })).status).toBe(400);
		expect((await control(sb, '/webhooks', { forge: 'github', url: hook.url, secret: 's', events: ['pipeline'] })).status).toBe(400);
		expect((await control(sb, '/webhooks', { forge: 'bitbucket', url: hook.url, secret: 's' })).status).toBe(400);
	});

	it('GitLab: merge request and pipeline hooks with X-Gitlab-Token, in order, through to the merge', async () => {
		await controlOk(sb, '/webhooks', { forge: 'gitlab', url: hook.url, secret: 'gl-secret' });
		const api = gitbeaker(sb);
		await api.Branches.create(42, 'hooked', 'main');
		await controlOk(sb, '/gitops/commit', { stack: 'gitlab-runners', set: { nix_hpa_max_replicas: 7 }, branch: 'hooked' });
		await api.MergeRequests.create(42, 'hooked', 'main', 'nix: 7', { labels: 'gitops' });
		await advance(sb, 40);
		await api.MergeRequests.merge(42, 1);
		await advance(sb, 75);
		const kinds = () => hook.got.filter((r) => r.headers['x-gitlab-event']).map((r) => `${r.json.object_kind}:${r.json.object_attributes.action ?? r.json.object_attributes.status}`);
		await until('the apply pipeline hook', () => kinds().filter((k) => k === 'pipeline:success').length === 2);
		expect(kinds()).toEqual([
			'merge_request:open',
			'pipeline:created',
			'pipeline:pending',
			'pipeline:running',
			'pipeline:success',
			'merge_request:merge',
			'pipeline:created',
			'pipeline:pending',
			'pipeline:running',
			'pipeline:success'
		]);
		const gl = hook.got.filter((r) => r.headers['x-gitlab-event']);
		for (const r of gl) {
			expect(r.headers['x-gitlab-token']).toBe('gl-secret');
			expect(r.headers['x-gitlab-event-uuid']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
			expect(r.headers['content-type']).toBe('application/json');
		}
		expect(new Set(gl.map((r) => r.headers['x-gitlab-event-uuid'])).size).toBe(gl.length);
		const open = gl[0] as Received;
		expect(open.headers['x-gitlab-event']).toBe('Merge Request Hook');
		expect(open.json).toMatchObject({
			event_type: 'merge_request',
			user: { username: 'sandbox-admin' },
			project: { id: 42, path_with_namespace: 'platform/gitops' },
			object_attributes: { iid: 1, source_branch: 'hooked', target_branch: 'main', state: 'opened', detailed_merge_status: 'checking' },
			labels: [{ title: 'gitops' }]
		});
		const success = gl[4] as Received;
		expect(success.headers['x-gitlab-event']).toBe('Pipeline Hook');
		expect(success.json).toMatchObject({
			object_attributes: { status: 'success', source: 'merge_request_event', ref: 'refs/merge-requests/1/head', duration: 30 },
			merge_request: { iid: 1, detailed_merge_status: 'mergeable' },
			builds: [{ name: 'plan', status: 'success' }]
		});
		expect((gl[5] as Received).json.object_attributes).toMatchObject({ state: 'merged', action: 'merge' });
		expect((gl[9] as Received).json).toMatchObject({ object_attributes: { ref: 'main', source: 'push' }, merge_request: null, builds: [{ name: 'plan' }, { name: 'apply', status: 'success' }] });
		const log = await deliveries(sb, '?forge=gitlab');
		expect(log.map((d) => d.status)).toEqual(Array(10).fill('delivered'));
		expect(log[0]).toMatchObject({ event: 'Merge Request Hook', kind: 'merge_request', action: 'open', url: hook.url, attempts: [{ status: 200, error: null }] });
		await controlOk(sb, '/webhooks', { forge: 'gitlab', url: hook.url, secret: 'gl-secret', events: ['merge_request'] });
		expect((await fetch(`${sb.url}/_sandbox/webhooks/gitlab`, { method: 'DELETE' })).status).toBe(200);
	});

	it('GitHub: pull_request, check_run and workflow_run with a valid signature and GitHub webhook shapes', async () => {
		hook.got.length = 0;
		await controlOk(sb, '/webhooks', { forge: 'github', url: hook.url, secret: 'gh-secret' });
		const gh = octokit(sb);
		const R = { owner: 'sandbox-org', repo: 'gitops' };
		const main = await gh.git.getRef({ ...R, ref: 'heads/main' });
		await gh.git.createRef({ ...R, ref: 'refs/heads/gh-hooked', sha: main.data.object.sha });
		await controlOk(sb, '/gitops/commit', { stack: 'arc-runners', set: { docker_max_runners: 22 }, branch: 'gh-hooked' });
		const pr = await gh.pulls.create({ ...R, title: 'gh-docker: 22', head: 'gh-hooked', base: 'main' });
		await gh.issues.addLabels({ ...R, issue_number: pr.data.number, labels: ['gitops'] });
		await advance(sb, 40);
		await gh.pulls.merge({ ...R, pull_number: pr.data.number });
		await advance(sb, 75);
		const events = () => hook.got.map((r) => `${r.headers['x-github-event']}:${r.json.action}${r.json.check_run ? `:${r.json.check_run.name}` : ''}`);
		await until('the apply check run', () => events().includes('check_run:completed:apply'));
		await until('the last workflow run', () => events().filter((e) => e === 'workflow_run:completed').length === 2);
		expect(events()).toEqual([
			'pull_request:opened',
			'workflow_run:requested',
			'check_run:created:plan',
			'pull_request:labeled',
			'workflow_run:in_progress',
			'check_run:completed:plan',
			'workflow_run:completed',
			'pull_request:closed',
			'workflow_run:requested',
			'check_run:created:plan',
			'check_run:created:apply',
			'workflow_run:in_progress',
			'check_run:completed:plan',
			'check_run:completed:apply',
			'workflow_run:completed'
		]);
		for (const r of hook.got) {
			const sig = `sha256=${createHmac('sha256', 'gh-secret').update(r.body).digest('hex')}`;
			expect(r.headers['x-hub-signature-256']).toBe(sig);
			expect(r.headers['x-github-delivery']).toMatch(/^[0-9a-f-]{36}$/);
			expect(r.headers['x-github-hook-installation-target-type']).toBe('repository');
			const schema = `webhook-${String(r.headers['x-github-event']).replace(/_/g, '-')}-${String(r.json.action).replace(/_/g, '-')}`;
			// Strict, except that the description's in_progress workflow_run lacks display_title, which GitHub sends with every action.
			const errors = check(spec, { $ref: `#/components/schemas/${schema}` }, r.json, true).filter((e) => e !== '$.workflow_run: property display_title is not in the schema');
			expect({ schema, errors }).toEqual({ schema, errors: [] });
		}
		const closed = hook.got.find((r) => r.json.action === 'closed') as Received;
		expect(closed.json).toMatchObject({ number: pr.data.number, pull_request: { merged: true, state: 'closed' }, repository: { full_name: 'sandbox-org/gitops' }, sender: { login: 'sandbox-admin' } });
		const applied = hook.got.find((r) => r.json.check_run?.name === 'apply' && r.json.action === 'completed') as Received;
		expect(applied.json.check_run).toMatchObject({ conclusion: 'success', output: { title: 'Apply complete! Resources: 0 added, 1 changed, 0 destroyed.' } });
		const done = hook.got.filter((r) => r.json.action === 'completed' && r.json.workflow_run).map((r) => [r.json.workflow_run.event, r.json.workflow_run.conclusion]);
		expect(done).toEqual([
			['pull_request', 'success'],
			['push', 'success']
		]);
	});

	it('retries a failed delivery, logs the attempts, and replays a delivery byte for byte', async () => {
		hook.got.length = 0;
		hook.fail(2);
		const gh = octokit(sb);
		const R = { owner: 'sandbox-org', repo: 'gitops' };
		const main = await gh.git.getRef({ ...R, ref: 'heads/main' });
		await gh.git.createRef({ ...R, ref: 'refs/heads/retry', sha: main.data.object.sha });
		await controlOk(sb, '/gitops/commit', { stack: 'arc-runners', set: { dind_max_runners: 4 }, branch: 'retry' });
		const since = Math.max(0, ...(await deliveries(sb)).map((d) => d.id));
		await gh.pulls.create({ ...R, title: 'dind: 4', head: 'retry', base: 'main' });
		const log = await until('three attempts', () => hook.got.length >= 5 && hook.got);
		expect(log.slice(0, 3).map((r) => r.json.action)).toEqual(['opened', 'opened', 'opened']);
		const entries = await deliveries(sb, `?since_id=${since}&kind=pull_request`);
		expect(entries[0]).toMatchObject({ status: 'delivered', action: 'opened' });
		expect(entries[0].attempts.map((a: any) => a.status)).toEqual([500, 500, 200]);

		// A replay: the same delivery id, signature and bytes.
		hook.got.length = 0;
		const again = await controlOk(sb, `/webhooks/deliveries/${entries[0].id}/redeliver`);
		expect(again).toMatchObject({ redelivery_of: entries[0].id, guid: entries[0].guid });
		const replayed = await until('the replay', () => hook.got[0]);
		expect(replayed.headers['x-github-delivery']).toBe(entries[0].guid);
		expect(replayed.headers['x-hub-signature-256']).toBe(entries[0].headers['X-Hub-Signature-256']);
		expect(replayed.body).toBe(JSON.stringify(entries[0].payload));
		expect((await control(sb, '/webhooks/deliveries/999999/redeliver')).status).toBe(404);

		// A receiver that never answers 2xx: four attempts, then failed.
		hook.got.length = 0;
		hook.fail(4);
		await controlOk(sb, '/gitops/commit', { stack: 'arc-runners', set: { dind_max_runners: 3 }, branch: 'retry' });
		const last = await until('a failed delivery', () => hook.got.length >= 4 && hook.got);
		expect(last.slice(0, 4).map((r) => r.json.action)).toEqual(['synchronize', 'synchronize', 'synchronize', 'synchronize']);
		const entry = (await deliveries(sb, '?kind=pull_request&status=failed'))[0];
		expect(entry.attempts.map((a: any) => a.status)).toEqual([500, 500, 500, 500]);
		const summary = await (await fetch(`${sb.url}/_sandbox/webhooks`)).json();
		expect(summary.deliveries.github.failed).toBe(1);
	});
});
