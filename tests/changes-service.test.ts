// The change service and tracker against an in-process sandbox (GitLab side): a proposal
// becomes a branch, one commit and a merge request whose diff is one line of dev.tfvars;
// the tracker follows it through the plan, the merge, the apply (state serial 14 → 15)
// and a drift check to verified. Refusals change nothing; a fault between the branch and
// the merge request leaves no branch; a read-only token is refused up front; a live value
// is adopted into git and git's values re-applied; a stale base conflicts or is rebased.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN } from '../sandbox/testing';
import type { Sandbox } from '../sandbox/index';
import { DomainError } from '$lib/server/services/errors';
import type { Change } from '$lib/server/store/changes';
import { eventually } from './helpers/app';
import { actor, changeFixture, flowTruth, sandboxControl, startChangeSandbox, type ChangeFixture, type ChangeSandbox } from './helpers/changes';
import type { DriftFixture } from './helpers/drift';

let sb: Sandbox;
let f: DriftFixture;
let cf: ChangeFixture;
const GL = () => `${sb.url}/gitlab/api/v4/projects/42`;
const gl = async (path: string, init: RequestInit = {}) => {
	const r = await fetch(`${GL()}${path}`, { ...init, headers: { 'PRIVATE-TOKEN': TOKEN, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
	const text = await r.text();
	return { status: r.status, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
};
const advance = (s: number) => sandboxControl(sb, '/clock', { advance_s: s });
const hpaMax = async (name: string) => {
	const r = await fetch(`${sb.url}/k8s/apis/autoscaling/v2/namespaces/gitlab-runners/horizontalpodautoscalers/${name}`);
	return ((await r.json()) as { spec: { maxReplicas: number } }).spec.maxReplicas;
};
const refusal = async (p: Promise<unknown>) => {
	const e = await p.then(
		() => null,
		(err: unknown) => err
	);
	expect(e).toBeInstanceOf(DomainError);
	return e as DomainError;
};
const DOCKER = { stack: 'gitlab-runners', env: 'dev' };
/** The diff's changed lines (without the file headers). */
const changedLines = (diff: string) => diff.split('\n').filter((l) => /^[-+]/.test(l) && !/^(---|\+\+\+) /.test(l));

let env: ChangeSandbox;
beforeAll(async () => {
	env = await startChangeSandbox({ webhookSecrets: { gitlab: 'gl-s3cret', github: 'gh-s3cret' } });
	({ sb, f, cf } = env);
}, 30_000);
afterAll(() => env?.stop());

let first: Change;

describe('proposing', () => {
	it('makes a branch from the head, one commit naming the operator and a merge request whose diff is one line of dev.tfvars; the same values again answer the same change', async () => {
		const form = await cf.service.variables('gitlab-runners', 'dev');
		const head = (await gl('/repository/branches/main')).body.commit.id;
		expect(form).toMatchObject({ forge: 'gitlab', revision: head, file: 'tofu/stacks/gitlab-runners/dev.tfvars', proposable: true, open_changes: [] });
		expect(form.variables.find((v) => v.name === 'docker_hpa_max_replicas')).toMatchObject({ value: 8, value_from: 'tfvars', editable: true, type: 'number' });

		const { change, created } = await cf.service.propose(actor('alice'), { ...DOCKER, set: { docker_hpa_max_replicas: 10 }, base: head });
		first = change;
		expect(created).toBe(true);
		expect(change).toMatchObject({ kind: 'edit', state: 'open', forge: 'gitlab', number: expect.any(Number), base_commit: head, created_by: 'alice', state_serial: 14 });
		expect(change.variables).toEqual([{ name: 'docker_hpa_max_replicas', old: 8, old_from: 'tfvars', new: 10 }]);
		expect(changedLines(change.diff)).toEqual([expect.stringMatching(/^-docker_hpa_max_replicas\s*=\s*8$/), expect.stringMatching(/^\+docker_hpa_max_replicas\s*=\s*10$/)]);
		expect(change.branch).toMatch(/^runner-dashboard\/gitlab-runners-dev-[0-9a-f]{8}$/);

		const mr = (await gl(`/merge_requests/${change.number}/changes`)).body;
		expect(mr).toMatchObject({ source_branch: change.branch, target_branch: 'main', labels: ['runner-dashboard'], web_url: change.url });
		expect(mr.changes).toHaveLength(1);
		expect(mr.changes[0].new_path).toBe('tofu/stacks/gitlab-runners/dev.tfvars');
		expect(changedLines(mr.changes[0].diff)).toHaveLength(2);
		expect(mr.description).toContain('Proposed by **alice**');
		expect(mr.description).toContain(`https://dashboard.example/changes/${change.id}`);
		const commits = (await gl(`/merge_requests/${change.number}/commits`)).body;
		expect(commits).toHaveLength(1);
		expect(commits[0].message).toMatch(/docker_hpa_max_replicas 8 → 10/);
		expect(commits[0].message).toMatch(/Proposed by alice through runner-dashboard/);
		expect(commits[0].parent_ids ?? [head]).toContain(head);

		expect(cf.followed()).toBe(1);
		const again = await cf.service.propose(actor('bob'), { ...DOCKER, set: { docker_hpa_max_replicas: 10 } });
		expect(again.created).toBe(false);
		expect(again.change.id).toBe(change.id);
		expect((await flowTruth(sb)).merge_requests).toHaveLength(1);
		const audit = await f.store.audit.list({ page: 1, perPage: 10, action: 'change.propose' });
		expect(audit.items[0]).toMatchObject({ principal: 'alice', outcome: 'success', target: `change:${change.id} gitlab-runners/dev` });
	});

	it('refuses a viewer, a value of the wrong type, an undeclared or sensitive variable and no change at all, with nothing made', async () => {
		const before = await flowTruth(sb);
		expect((await refusal(cf.service.propose(actor('vera', 'viewer'), { ...DOCKER, set: { docker_hpa_max_replicas: 11 } }))).kind).toBe('forbidden');
		const wrong = await refusal(cf.service.propose(actor('alice'), { ...DOCKER, set: { docker_hpa_max_replicas: 'many' } }));
		expect(wrong).toMatchObject({ kind: 'invalid', code: 'invalid_change' });
		expect(wrong.message).toMatch(/docker_hpa_max_replicas/);
		expect((await refusal(cf.service.propose(actor('alice'), { ...DOCKER, set: { no_such_variable: 1 } }))).message).toMatch(/no_such_variable/);
		expect((await refusal(cf.service.propose(actor('alice'), { ...DOCKER, set: { dind_hpa_max_replicas: 4 } }))).code).toBe('nothing_to_change');
		expect((await refusal(cf.service.propose(actor('alice'), { stack: 'nope', env: 'dev', set: { x: 1 } }))).kind).toBe('not_found');
		expect((await refusal(cf.service.propose(actor('alice'), { stack: 'gitlab-runners', env: 'prod', set: { x: 1 } }))).kind).toBe('not_found');
		const after = await flowTruth(sb);
		expect(after.branches).toEqual(before.branches);
		expect(after.merge_requests).toEqual(before.merge_requests);
	});
});

describe('following a change', () => {
	it('moves through the plan, the merge, the apply (serial 14 → 15) and drift to verified, publishing each step', async () => {
		const states: string[] = [];
		const off = f.bus.subscribe((e) => {
			if (e.type === 'changes' && (e.data as { id: number }).id === first.id) states.push((e.data as { state: string }).state);
		});
		const get = async () => (await cf.service.get(first.id))!;
		await cf.tracker.cycle();
		expect((await get()).state).toBe('pipeline_running');
		await advance(40);
		await cf.tracker.cycle();
		expect(await get()).toMatchObject({ state: 'pipeline_passed', pipeline: { status: 'success' } });

		const merged = await gl(`/merge_requests/${first.number}/merge`, { method: 'PUT', body: '{}' });
		expect(merged.status).toBe(200);
		await cf.tracker.cycle();
		const m = await get();
		expect(m).toMatchObject({ state: 'merged', merge_commit: merged.body.merge_commit_sha, merged_at: expect.any(String) });
		// Merged: the same values may be proposed again (they would be nothing to change).
		await advance(80);
		await cf.tracker.cycle();
		expect(await get()).toMatchObject({ state: 'applied', apply_pipeline: { status: 'success' }, applied_at: expect.any(String) });
		expect(await hpaMax('docker-runner-hpa')).toBe(10);
		expect((await gl('/terraform/state/gitlab-runners-dev')).body.serial).toBe(15);
		const verified = await eventually(
			async () => {
				await cf.tracker.cycle();
				return get();
			},
			(c) => c.state === 'verified',
			20_000,
			'the change to be verified'
		);
		expect(verified.verified_at).toEqual(expect.any(String));
		off();
		expect(states).toEqual(expect.arrayContaining(['pipeline_running', 'pipeline_passed', 'merged', 'applied', 'verified']));
		expect(states.indexOf('verified')).toBe(states.length - 1);
	}, 60_000);
});

describe('faults and refusals upstream', () => {
	it('deletes the branch when the merge request cannot be opened, and records the change as failed with the reason', async () => {
		await sandboxControl(sb, '/gitops/fail-next', { forge: 'gitlab', op: 'create_merge_request', status: 500 });
		const e = await refusal(cf.service.propose(actor('alice'), { ...DOCKER, set: { dind_hpa_max_replicas: 6 } }));
		expect(e).toMatchObject({ kind: 'upstream' });
		expect(e.message).toMatch(/opening the merge request: GitLab answered 500/);
		const failed = (await cf.service.list({ page: 1, perPage: 1 })).items[0]!;
		expect(failed).toMatchObject({ state: 'failed', reason: expect.stringMatching(/^opening the merge request: GitLab answered 500/), number: null });
		const truth = await flowTruth(sb);
		expect(truth.orphan_branches).toEqual([]);
		expect(truth.branches.map((b: { name: string }) => b.name)).not.toContain(failed.branch);
		// The failed one holds no key: the same values can be proposed again.
		const retry = await cf.service.propose(actor('alice'), { ...DOCKER, set: { dind_hpa_max_replicas: 6 } });
		expect(retry.created).toBe(true);
		expect(retry.change.id).not.toBe(failed.id);
	});

	it('refuses a read-only GitLab token before writing anything', async () => {
		await sandboxControl(sb, '/tokens', { forge: 'gitlab', token: 'glpat-read-only', scopes: ['read_api'], name: 'dashboard-read' });
		const ro = changeFixture(f, { tokens: { 'sandbox-gitlab': 'glpat-read-only' } });
		const before = await flowTruth(sb);
		const e = await refusal(ro.service.propose(actor('alice'), { ...DOCKER, set: { nix_hpa_max_replicas: 9 } }));
		expect(e).toMatchObject({ kind: 'unsupported', code: 'forge_read_only' });
		expect(e.message).toMatch(/sandbox-gitlab.*read_api.*api scope/);
		expect((await refusal(ro.service.reapply(actor('alice'), 'gitlab-runners', 'dev'))).code).toBe('forge_read_only');
		expect((await flowTruth(sb)).branches).toEqual(before.branches);
		// Reading the form works with a read-only token.
		expect((await ro.service.variables('gitlab-runners', 'dev')).variables.length).toBeGreaterThan(10);
		await ro.stop();
	});
});

describe('adopting and re-applying', () => {
	it('adopts a live value into git as a proposal, and re-applies git over out-of-band changes until drift clears', async () => {
		await f.patchHpaMax(13);
		const snap = await eventually(async () => cf.drift!.snapshot(), (s) => s.items.some((i) => i.field === 'spec.maxReplicas' && i.live === 13), 20_000, 'the out-of-band item');
		const item = snap.items.find((i) => i.field === 'spec.maxReplicas' && i.live === 13)!;
		expect(item).toMatchObject({ class: 'out-of-band', variable: 'docker_hpa_max_replicas', declared: 10 });
		const { change } = await cf.service.adopt(actor('alice'), item.key);
		expect(change).toMatchObject({ kind: 'adopt', drift_item: item.key, variables: [{ name: 'docker_hpa_max_replicas', old: 10, new: 13 }] });
		expect(change.title).toMatch(/adopt live value/);
		const mr = (await gl(`/merge_requests/${change.number}`)).body;
		expect(mr.description).toContain('taking the live value of HorizontalPodAutoscaler gitlab-runners/docker-runner-hpa spec.maxReplicas into git');

		const re = await cf.service.reapply(actor('alice'), 'gitlab-runners', 'dev');
		expect(re).toMatchObject({ kind: 'reapply', state: 'pipeline_running', apply_pipeline: { id: expect.any(Number) } });
		const source = (await gl(`/pipelines/${re.apply_pipeline!.id}`)).body;
		expect(source).toMatchObject({ ref: 'main', source: 'api' });
		await advance(80);
		await cf.tracker.cycle();
		expect((await cf.service.get(re.id)).state).toBe('applied');
		expect(await hpaMax('docker-runner-hpa')).toBe(10);
		await eventually(
			async () => {
				await cf.tracker.cycle();
				return cf.service.get(re.id);
			},
			(c) => c.state === 'verified',
			20_000,
			'the re-apply to be verified'
		);
	}, 60_000);

	it('refuses to adopt an item that is not out-of-band drift', async () => {
		expect((await refusal(cf.service.adopt(actor('alice'), 'gitlab-runners|dev|nothing'))).kind).toBe('not_found');
	});
});

describe('a base that is no longer the head', () => {
	it('conflicts (409 with both values) when the same variable changed, and rebases onto the head when another one did', async () => {
		const form = await cf.service.variables('gitlab-runners', 'dev');
		const seen = form.revision!;
		const was = form.variables.find((v) => v.name === 'nix_hpa_max_replicas')!.value;
		await sandboxControl(sb, '/gitops/commit', { stack: 'gitlab-runners', set: { nix_hpa_max_replicas: 12 }, message: 'someone else' });
		const conflict = await refusal(cf.service.propose(actor('alice'), { ...DOCKER, set: { nix_hpa_max_replicas: 11 }, base: seen }));
		expect(conflict).toMatchObject({ kind: 'conflict', code: 'conflict' });
		expect(conflict.extra.details?.conflicts).toEqual([{ name: 'nix_hpa_max_replicas', base: was, head: 12, proposed: 11 }]);
		expect(conflict.message).toMatch(new RegExp(`nix_hpa_max_replicas was ${was} at ${seen.slice(0, 8)} and is 12 on main now; you proposed 11`));

		const { change } = await cf.service.propose(actor('alice'), { ...DOCKER, set: { docker_concurrent_jobs: 5 }, base: seen });
		expect(change.base_commit).not.toBe(seen);
		expect(change.seen_commit).toBe(seen);
		expect(changedLines(change.diff).filter((l) => l.startsWith('+'))).toEqual([expect.stringMatching(/^\+docker_concurrent_jobs\s*=\s*5$/)]);
		const onBranch = await gl(`/repository/files/${encodeURIComponent('tofu/stacks/gitlab-runners/dev.tfvars')}/raw?ref=${encodeURIComponent(change.branch!)}`);
		expect(onBranch.body).toMatch(/nix_hpa_max_replicas\s*=\s*12/);
		expect(onBranch.body).toMatch(/docker_concurrent_jobs\s*=\s*5/);
	});
});

describe('webhooks', () => {
	it('take a delivery with the right secret once, naming the changes it is about; refuse a wrong secret and a replay', async () => {
		const open = (await cf.service.list({ page: 1, perPage: 50, states: ['open', 'pipeline_running', 'pipeline_passed'] })).items.find((c) => c.forge === 'gitlab' && c.number !== null)!;
		const body = Buffer.from(JSON.stringify({ object_kind: 'merge_request', object_attributes: { iid: open.number, source_branch: open.branch, action: 'update' } }));
		const headers = (token: string, uuid: string) => ({ 'x-gitlab-token': token, 'x-gitlab-event-uuid': uuid, 'x-gitlab-event': 'Merge Request Hook' });
		const anon = { principal: null, ip: '10.0.0.9', requestId: 'hook', userAgent: 'GitLab/17.5.2' };
		expect((await refusal(cf.service.receiveWebhook(anon, 'gitlab', headers('wrong', 'u-1'), body))).code).toBe('invalid_signature');
		const ok = await cf.service.receiveWebhook(anon, 'gitlab', headers('gl-s3cret', 'u-1'), body);
		expect(ok).toEqual({ accepted: true, event: 'Merge Request Hook', changes: [open.id] });
		expect((await refusal(cf.service.receiveWebhook(anon, 'gitlab', headers('gl-s3cret', 'u-1'), body))).code).toBe('replayed_delivery');

		const gh = Buffer.from(JSON.stringify({ action: 'opened', number: 7 }));
		const sig = `sha256=${createHmac('sha256', 'gh-s3cret').update(gh).digest('hex')}`;
		const ghHeaders = (s: string) => ({ 'x-hub-signature-256': s, 'x-github-delivery': 'd-1', 'x-github-event': 'pull_request' });
		expect((await refusal(cf.service.receiveWebhook(anon, 'github', ghHeaders(sig.replace(/.$/, (c) => (c === '0' ? '1' : '0'))), gh))).code).toBe('invalid_signature');
		expect(await cf.service.receiveWebhook(anon, 'github', ghHeaders(sig), gh)).toEqual({ accepted: true, event: 'pull_request', changes: [] });
		const denied = await f.store.audit.list({ page: 1, perPage: 10, outcome: 'denied' });
		expect(denied.items.map((a) => a.action)).toEqual(expect.arrayContaining(['webhook.gitlab', 'webhook.github']));
	});
});

describe('sensitive variables', () => {
	it('are listed without their value, not editable, and refused in a proposal', async () => {
		const path = 'tofu/stacks/gitlab-runners/variables.tf';
		const text = (await gl(`/repository/files/${encodeURIComponent(path)}/raw?ref=main`)).body as string;
		await sandboxControl(sb, '/gitops/commit', { file: path, content: `${text}\nvariable "registration_token" {\n  type      = string\n  default   = "glrt-not-to-be-shown"\n  sensitive = true\n}\n` });
		const form = await cf.service.variables('gitlab-runners', 'dev');
		const secret = form.variables.find((v) => v.name === 'registration_token')!;
		expect(secret).toMatchObject({ sensitive: true, editable: false, value_from: 'hidden', reason: expect.stringMatching(/sensitive/) });
		expect(secret).not.toHaveProperty('value');
		expect(JSON.stringify(form)).not.toContain('glrt-not-to-be-shown');
		const e = await refusal(cf.service.propose(actor('alice'), { ...DOCKER, set: { registration_token: 'glrt-new' } }));
		expect(e).toMatchObject({ kind: 'invalid', code: 'invalid_change' });
		expect(e.message).toMatch(/registration_token.*sensitive/);
		expect(JSON.stringify(await cf.service.list({ page: 1, perPage: 100 }))).not.toContain('glrt-new');
	});
});
