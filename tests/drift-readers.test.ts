// The GitOps readers against the sandbox's GitLab and GitHub (real gitbeaker and Octokit
// clients), a local checkout and a basic-auth http backend: what they read, when they
// read again, and how failures come back.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlOk, start } from '../sandbox/testing';
import type { Sandbox } from '../sandbox/index';
import { createGithubClient } from '$lib/sources/github/client';
import { createGitlabClient } from '$lib/sources/gitlab/client';
import { GithubDeclared, GitlabDeclared, LocalDeclared } from '$lib/sources/gitops/declared';
import { TooLargeError } from '$lib/sources/gitops/limits';
import { FileState, GitlabState, HttpState, StateReadError } from '$lib/sources/gitops/state';
import { UpstreamError } from '$lib/sources/errors';
import { checkDrift, liveObjects, loadDriftMap, readStack } from '$lib/server/drift/check';
import { stackReaders } from '$lib/server/drift/readers';
import type { DriftStack } from '$lib/server/config';

let sb: Sandbox;
let requests = 0;
let dir: string;
const gitlab = () => createGitlabClient({ source: 'gl', url: `${sb.url}/gitlab`, token: 'sandbox-gitlab-token', observe: () => requests++ });

beforeAll(async () => {
	sb = await start();
	dir = mkdtempSync(join(tmpdir(), 'rd-readers-'));
});
afterAll(async () => {
	await sb?.close();
	if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('GitLab files', () => {
	it('reads variables.tf and a tfvars at the branch head, with a web link at that commit', async () => {
		const r = new GitlabDeclared(gitlab(), 42, 'main', 'tofu/stacks/gitlab-runners');
		const s = await r.read(['variables.tf', 'dev.tfvars', 'prod.tfvars']);
		expect(s.revision).toMatch(/^[0-9a-f]{40}$/);
		expect(s.files.get('variables.tf')?.text).toMatch(/variable "docker_hpa_max_replicas"/);
		expect(s.files.get('dev.tfvars')).toMatchObject({ path: 'tofu/stacks/gitlab-runners/dev.tfvars', webUrl: expect.stringMatching(new RegExp(`/platform/gitops/-/blob/${s.revision}/tofu/stacks/gitlab-runners/dev\\.tfvars$`)) });
		expect(s.files.get('prod.tfvars')).toBeNull();
	});

	it('asks only for the branch head while it has not moved, and reads again after a commit', async () => {
		const r = new GitlabDeclared(gitlab(), 'platform/gitops', 'main', 'tofu/stacks/arc-runners');
		const first = await r.read(['variables.tf', 'dev.tfvars']);
		requests = 0;
		expect(await r.read(['variables.tf', 'dev.tfvars'])).toBe(first);
		expect(requests).toBe(1);
		const text = first.files.get('dev.tfvars')!.text;
		await controlOk(sb, '/gitops/commit', { file: 'tofu/stacks/arc-runners/dev.tfvars', content: `${text}# reviewed\n` });
		const next = await r.read(['variables.tf', 'dev.tfvars']);
		expect(next.revision).not.toBe(first.revision);
		expect(next.files.get('dev.tfvars')!.text).toBe(`${text}# reviewed\n`);
	});

	it('reads files at a commit: those the last read holds at that commit are not asked for again', async () => {
		const r = new GitlabDeclared(gitlab(), 'platform/gitops', 'main', 'tofu/stacks/arc-runners');
		const head = await r.read(['variables.tf']);
		requests = 0;
		const at = await r.readAt(['variables.tf', 'dev.tfvars'], head.revision!);
		expect(at.revision).toBe(head.revision);
		expect(at.files.get('variables.tf')).toBe(head.files.get('variables.tf'));
		expect(at.files.get('dev.tfvars')?.text).toMatch(/=/);
		// Only dev.tfvars was read: variables.tf came from the last read at the same commit.
		expect(requests).toBe(1);
	});

	it('says when the ref does not exist', async () => {
		const r = new GitlabDeclared(gitlab(), 42, 'no-such-branch', 'tofu/stacks/arc-runners');
		await expect(r.read(['variables.tf'])).rejects.toThrow(/no branch, tag or commit "no-such-branch"/);
	});
});

describe('GitHub contents', () => {
	it('reads the same files from the repository on GitHub, linking to the file view', async () => {
		const client = createGithubClient({ source: 'gh', apiUrl: `${sb.url}/github/api/v3`, token: 'sandbox-github-token' });
		const r = new GithubDeclared(client, 'gh', 'sandbox-org/gitops', 'main', 'tofu/stacks/gitlab-runners');
		const s = await r.read(['variables.tf', 'dev.tfvars', 'prod.tfvars']);
		const fromGitlab = await new GitlabDeclared(gitlab(), 42, 'main', 'tofu/stacks/gitlab-runners').read(['dev.tfvars']);
		expect(s.files.get('dev.tfvars')!.text).toBe(fromGitlab.files.get('dev.tfvars')!.text);
		expect(s.files.get('dev.tfvars')!.webUrl).toMatch(/\/sandbox-org\/gitops\/blob\/[^/]+\/tofu\/stacks\/gitlab-runners\/dev\.tfvars$/);
		expect(s.files.get('prod.tfvars')).toBeNull();
	});
});

describe('local checkout', () => {
	it('reads files from disk; a missing tfvars is null', async () => {
		mkdirSync(join(dir, 'stack'), { recursive: true });
		writeFileSync(join(dir, 'stack/variables.tf'), 'variable "x" {\n  default = 1\n}\n');
		const s = await new LocalDeclared(join(dir, 'stack')).read(['variables.tf', 'dev.tfvars']);
		expect(s).toMatchObject({ revision: null });
		expect(s.files.get('variables.tf')).toEqual({ path: join(dir, 'stack/variables.tf'), text: 'variable "x" {\n  default = 1\n}\n', webUrl: null });
		expect(s.files.get('dev.tfvars')).toBeNull();
	});
});

describe('state', () => {
	it('reads GitLab-managed state as its text', async () => {
		const s = await new GitlabState(gitlab(), 42, 'gitlab-runners-dev').read();
		expect(s.file).toBe('terraform/state/gitlab-runners-dev');
		expect(JSON.parse(s.text)).toMatchObject({ version: 4, resources: expect.any(Array) });
	});

	it('says which state is absent', async () => {
		const e = await new GitlabState(gitlab(), 42, 'nope-dev').read().catch((x) => x);
		expect(e).toBeInstanceOf(StateReadError);
		expect(e).toMatchObject({ file: 'terraform/state/nope-dev', message: 'no state "nope-dev" in GitLab project 42' });
	});

	it('reads the same state through the generic http backend with basic auth, and fails without it', async () => {
		const url = `${sb.url}/gitlab/api/v4/projects/42/terraform/state/arc-runners-dev`;
		const viaHttp = await new HttpState(url, { username: 'tofu', password: 'sandbox-gitlab-token' }, 'drift:arc').read();
		const viaGitlab = await new GitlabState(gitlab(), 42, 'arc-runners-dev').read();
		expect(viaHttp).toEqual({ file: url, text: viaGitlab.text });
		const denied = await new HttpState(url, { username: 'tofu', password: 'wrong' }, 'drift:arc').read().catch((x) => x);
		expect(denied).toBeInstanceOf(UpstreamError);
		expect(denied.status).toBe(401);
	});

	it('reads a malformed state as the text stored, once, so its parser can name the line', async () => {
		const broken = '{\n  "version": 4,\n  "resources": [,]\n}\n';
		const original = (await new GitlabState(gitlab(), 42, 'arc-runners-dev').read()).text;
		await controlOk(sb, '/gitops/state', { name: 'arc-runners-dev', content: broken });
		try {
			requests = 0;
			expect(await new GitlabState(gitlab(), 42, 'arc-runners-dev').read()).toEqual({ file: 'terraform/state/arc-runners-dev', text: broken });
			expect(requests).toBe(1);
		} finally {
			await controlOk(sb, '/gitops/state', { name: 'arc-runners-dev', content: original });
		}
	});

	it('refuses a state or a declared file over its size cap, naming the file and the cap', async () => {
		const url = `${sb.url}/gitlab/api/v4/projects/42/terraform/state/arc-runners-dev`;
		const over = [
			await new GitlabState(gitlab(), 42, 'gitlab-runners-dev', 1000).read().catch((e) => e),
			await new HttpState(url, { username: 'tofu', password: 'sandbox-gitlab-token' }, 'drift:arc', undefined, 1000).read().catch((e) => e),
			await new GitlabDeclared(gitlab(), 42, 'main', 'tofu/stacks/gitlab-runners', 100).read(['variables.tf']).catch((e) => e)
		];
		for (const e of over) expect(e).toBeInstanceOf(TooLargeError);
		expect(over.map((e: TooLargeError) => e.message)).toEqual([
			expect.stringMatching(/^terraform\/state\/gitlab-runners-dev is (larger than|[\d.]+ KiB, over) the 1000 bytes limit for a state; not read$/),
			expect.stringMatching(/arc-runners-dev is (larger than|[\d.]+ KiB, over) the 1000 bytes limit for a state; not read$/),
			expect.stringMatching(/^tofu\/stacks\/gitlab-runners\/variables\.tf is [\d.]+ KiB, over the 100 bytes limit for a declared file; not read$/)
		]);
		writeFileSync(join(dir, 'big.tfstate'), 'x'.repeat(2000));
		await expect(new FileState(join(dir, 'big.tfstate'), 1000).read()).rejects.toMatchObject({ name: 'TooLargeError', file: join(dir, 'big.tfstate'), size: 2000, limit: 1000 });
	});

	it('reads a state file; an unreadable one names its path', async () => {
		writeFileSync(join(dir, 'dev.tfstate'), '{"version":4}');
		expect(await new FileState(join(dir, 'dev.tfstate')).read()).toEqual({ file: join(dir, 'dev.tfstate'), text: '{"version":4}' });
		await expect(new FileState(join(dir, 'absent.tfstate')).read()).rejects.toMatchObject({ file: join(dir, 'absent.tfstate') });
	});
});

describe('one check over readers', () => {
	it('checks a local stack and reports an unreachable forge against the other stack only', async () => {
		const local: DriftStack = {
			name: 'gitlab-runners',
			envs: ['dev'],
			declared: { local: { path: join(dir, 'stack') } },
			state: { file: { path: join(dir, '{env}.tfstate') } },
			cluster: 'c',
			simulated: false
		};
		writeFileSync(join(dir, 'dev.tfstate'), JSON.stringify({ version: 4, terraform_version: '1.8.0', serial: 1, lineage: 'x', outputs: {}, resources: [] }));
		const down: DriftStack = {
			name: 'arc-runners',
			envs: ['dev'],
			declared: { gitlab: { source: 'gone', project: 42, ref: 'main', path: 'tofu/stacks/arc-runners' } },
			state: { gitlab: { source: 'gone', project: 42 } },
			cluster: 'c',
			simulated: false
		};
		const unreachable = createGitlabClient({ source: 'gone', url: 'http://127.0.0.1:1', token: 't', timeoutMs: 2000 });
		const clients = { gitlab: () => unreachable, github: () => null as never };
		const check = await checkDrift([stackReaders(local, clients), stackReaders(down, clients)], () => ({ ok: true, objects: liveObjects('ConfigMap', 'v1', []) }), await loadDriftMap(undefined));
		expect([...check.scopes]).toEqual(['gitlab-runners\u0000dev']);
		expect(check.errors.map((e) => [e.stack, e.file]).sort()).toEqual([
			['arc-runners', 'terraform/state/arc-runners-dev'],
			['arc-runners', 'tofu/stacks/arc-runners']
		]);
		for (const e of check.errors) expect(e.message).toMatch(/GitLab unreachable/);
		expect(check.items).toEqual([]);
	});

	it('remembers how long a rate-limited forge asked to wait', async () => {
		const stack: DriftStack = {
			name: 'gitlab-runners',
			envs: ['dev'],
			declared: { gitlab: { source: 'gl', project: 42, ref: 'main', path: 'tofu/stacks/gitlab-runners' } },
			state: { gitlab: { source: 'gl', project: 42 } },
			cluster: 'c',
			simulated: true
		};
		await controlOk(sb, '/faults', { target: 'gitlab', mode: 'rate_limit' });
		try {
			const read = await readStack(stackReaders(stack, { gitlab: () => gitlab(), github: () => null as never }));
			expect(read.retryAfterMs).toBeGreaterThan(0);
			expect(read.inputs[0]!.declared).toMatchObject({ file: 'tofu/stacks/gitlab-runners', message: expect.stringMatching(/rate limit/) });
			expect(read.inputs[0]!.state).toMatchObject({ file: 'terraform/state/gitlab-runners-dev' });
		} finally {
			await controlOk(sb, '/faults', { target: 'gitlab', mode: 'none' });
		}
		const ok = await readStack(stackReaders(stack, { gitlab: () => gitlab(), github: () => null as never }));
		expect(ok.retryAfterMs).toBe(0);
		expect(ok.revision).toMatch(/^[0-9a-f]{40}$/);
	});
});
