// The change flow on GitHub against an in-process sandbox: the arc-runners stack declared
// in sandbox-org/gitops, so raising an ARC scale set's maximum is a ref, one contents
// commit and a pull request (labelled); its check runs pass, a merge through GitHub's
// pulls API, the push's workflow run applies it (state serial 9 → 10), drift clears.
// A re-apply dispatches the workflow; a token without `repo` is refused up front.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../sandbox/index';
import { DomainError } from '$lib/server/services/errors';
import { eventually } from './helpers/app';
import { actor, changeFixture, flowTruth, sandboxControl, startChangeSandbox, type ChangeFixture, type ChangeSandbox } from './helpers/changes';
import type { DriftFixture } from './helpers/drift';

let sb: Sandbox;
let f: DriftFixture;
let cf: ChangeFixture;
const REPO = () => `${sb.url}/github/api/v3/repos/sandbox-org/gitops`;
const gh = async (path: string, init: RequestInit = {}) => {
	const r = await fetch(`${REPO()}${path}`, { ...init, headers: { authorization: 'Bearer sandbox-github-token', 'content-type': 'application/json', accept: 'application/vnd.github+json' } });
	return { status: r.status, body: await r.json().catch(() => null) };
};
const advance = (s: number) => sandboxControl(sb, '/clock', { advance_s: s });
const maxRunners = async (name: string) => {
	const r = await fetch(`${sb.url}/k8s/apis/actions.github.com/v1alpha1/namespaces/arc-runners/autoscalingrunnersets/${name}`);
	return ((await r.json()) as { spec: { maxRunners: number } }).spec.maxRunners;
};
const follow = async (id: number, state: string) =>
	eventually(
		async () => {
			await cf.tracker.cycle();
			return cf.service.get(id);
		},
		(c) => c.state === state,
		20_000,
		`change ${id} to be ${state}`
	);

let env: ChangeSandbox;
beforeAll(async () => {
	env = await startChangeSandbox({
		configYaml: [
			'drift:',
			'  stacks:',
			'    - name: arc-runners',
			'      envs: [dev]',
			'      declared: { github: { source: sandbox-github, repo: sandbox-org/gitops, ref: main, path: tofu/stacks/arc-runners } }',
			'      state: { gitlab: { source: sandbox-gitlab, project: 42 } }',
			'      cluster: sandbox-k8s',
			'changes:',
			'  labels: [runner-dashboard, capacity]',
			''
		].join('\n')
	});
	({ sb, f, cf } = env);
}, 30_000);
afterAll(() => env?.stop());

describe('a change to an ARC scale set through a GitHub pull request', () => {
	it('opens a labelled pull request whose diff is one line, and follows checks, merge, apply and drift to verified', async () => {
		const form = await cf.service.variables('arc-runners', 'dev');
		expect(form).toMatchObject({ forge: 'github', file: 'tofu/stacks/arc-runners/dev.tfvars' });
		const before = form.variables.find((v) => v.name === 'nix_max_runners')!;
		const was = before.value as number;
		// Set in dev.tfvars: one line replaced; from its default: one line appended.
		const removed = before.value_from === 'tfvars' ? 1 : 0;
		const raised = was + 4;
		const { change } = await cf.service.propose(actor('alice'), { stack: 'arc-runners', env: 'dev', set: { nix_max_runners: raised } });
		expect(change).toMatchObject({ forge: 'github', repository: 'sandbox-org/gitops', state: 'open', state_serial: 9, url: expect.stringContaining('/pull/') });
		const lines = change.diff.split('\n').filter((l) => /^[-+](?![-+]{2} )/.test(l));
		expect(lines.filter((l) => l.startsWith('+'))).toEqual([expect.stringMatching(new RegExp(`^\\+nix_max_runners\\s*=\\s*${raised}$`))]);
		expect(lines.filter((l) => l.startsWith('-'))).toHaveLength(removed);

		const pr = (await gh(`/pulls/${change.number}`)).body;
		expect(pr).toMatchObject({ head: { ref: change.branch }, base: { ref: 'main' }, state: 'open' });
		expect(pr.labels.map((l: { name: string }) => l.name)).toEqual(['runner-dashboard', 'capacity']);
		expect(pr.body).toContain('Proposed by **alice**');
		const files = (await gh(`/pulls/${change.number}/files`)).body;
		expect(files).toHaveLength(1);
		expect(files[0]).toMatchObject({ filename: 'tofu/stacks/arc-runners/dev.tfvars', additions: 1, deletions: removed });

		await cf.tracker.cycle();
		expect((await cf.service.get(change.id)).state).toBe('pipeline_running');
		await advance(40);
		await follow(change.id, 'pipeline_passed');
		const merged = await gh(`/pulls/${change.number}/merge`, { method: 'PUT', body: JSON.stringify({ merge_method: 'merge' }) });
		expect(merged.status).toBe(200);
		const m = await follow(change.id, 'merged');
		expect(m.merge_commit).toBe(merged.body.sha);
		await advance(80);
		const applied = await follow(change.id, 'applied');
		expect(applied.apply_pipeline).toMatchObject({ status: 'success', url: expect.stringContaining('/actions/runs/') });
		expect(await maxRunners('gh-nix')).toBe(raised);
		await follow(change.id, 'verified');
	}, 60_000);

	it('re-applies by dispatching the workflow on main', async () => {
		const re = await cf.service.reapply(actor('alice'), 'arc-runners', 'dev');
		expect(re).toMatchObject({ forge: 'github', state: 'pipeline_running', apply_pipeline: { id: expect.any(Number) } });
		const run = await gh(`/actions/runs/${re.apply_pipeline!.id}`);
		expect(run.body).toMatchObject({ event: 'workflow_dispatch', head_branch: 'main' });
		await advance(80);
		await follow(re.id, 'applied');
	}, 30_000);

	it('refuses a token without the repo scope before writing anything', async () => {
		await sandboxControl(sb, '/tokens', { forge: 'github', token: 'ghp-org-only', scopes: ['read:org'] });
		const ro = changeFixture(f, { tokens: { 'sandbox-github': 'ghp-org-only' } });
		const before = await flowTruth(sb);
		const e = await ro.service.propose(actor('alice'), { stack: 'arc-runners', env: 'dev', set: { docker_max_runners: 30 } }).catch((x: unknown) => x);
		expect(e).toBeInstanceOf(DomainError);
		expect(e).toMatchObject({ kind: 'unsupported', code: 'forge_read_only' });
		expect((e as DomainError).message).toMatch(/sandbox-github.*read:org.*repo scope/);
		expect((await flowTruth(sb)).branches).toEqual(before.branches);
		await ro.stop();
	});
});
