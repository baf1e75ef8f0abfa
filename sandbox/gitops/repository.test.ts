// The GitOps project over the GitLab REST API: project lookup, files (JSON and raw),
// tree, branches, commits (list, show, create), and the generated files' validity.

import { createHash } from 'node:crypto';
import { parse } from '@cdktf/hcl2json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../index.js';
import { control, gitlab, gitlabJson, start, state, walk } from '../testing.js';
import { blobId } from './repo.js';
import { repositoryFiles } from './stacks.js';

const enc = encodeURIComponent;
const TFVARS = 'tofu/stacks/gitlab-runners/dev.tfvars';

describe('the GitOps project over GitLab REST', () => {
	let sb: Sandbox;
	beforeAll(async () => {
		sb = await start();
	});
	afterAll(() => sb.close());

	it('answers the project by id and by URL-encoded path', async () => {
		const byId = await gitlabJson(sb, '/projects/42');
		const byPath = await gitlabJson(sb, `/projects/${enc('platform/gitops')}`);
		expect(byId).toEqual(byPath);
		expect(byId).toMatchObject({ id: 42, path_with_namespace: 'platform/gitops', default_branch: 'main', web_url: `${sb.url}/gitlab/platform/gitops` });
		// Other projects are unaffected.
		expect((await gitlabJson(sb, '/projects/101')).path_with_namespace).toBe('platform/infra');
		expect((await gitlab(sb, '/projects/999/repository/tree')).status).toBe(404);
	});

	it('needs the token', async () => {
		const res = await fetch(`${sb.url}/gitlab/api/v4/projects/42/repository/files/${enc(TFVARS)}?ref=main`);
		expect(res.status).toBe(401);
	});

	it('serves a file as base64 JSON and raw, with git blob ids', async () => {
		const f = await gitlabJson(sb, `/projects/42/repository/files/${enc(TFVARS)}?ref=main`);
		const text = Buffer.from(f.content, 'base64').toString('utf8');
		expect(text).toBe(repositoryFiles(3).get(TFVARS));
		expect(f).toMatchObject({ file_name: 'dev.tfvars', file_path: TFVARS, encoding: 'base64', ref: 'main', size: Buffer.byteLength(text) });
		expect(f.blob_id).toBe(blobId(text));
		// What `git hash-object` gives for the same bytes.
		expect(blobId('hello\n')).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
		expect(f.content_sha256).toBe(createHash('sha256').update(text).digest('hex'));
		expect(f.commit_id).toMatch(/^[0-9a-f]{40}$/);
		expect(f.last_commit_id).toMatch(/^[0-9a-f]{40}$/);

		const raw = await gitlab(sb, `/projects/42/repository/files/${enc(TFVARS)}/raw?ref=main`);
		expect(raw.status).toBe(200);
		expect(await raw.text()).toBe(text);
		expect(raw.headers.get('x-gitlab-last-commit-id')).toBe(f.last_commit_id);
		expect(raw.headers.get('x-gitlab-blob-id')).toBe(f.blob_id);
		// raw without ref reads the default branch
		expect(await (await gitlab(sb, `/projects/42/repository/files/${enc(TFVARS)}/raw`)).text()).toBe(text);
	});

	it('answers missing files, refs and parameters like GitLab', async () => {
		const missing = await gitlab(sb, `/projects/42/repository/files/${enc('tofu/nope.tf')}?ref=main`);
		expect(missing.status).toBe(404);
		expect(await missing.json()).toEqual({ message: '404 File Not Found' });
		const noRef = await gitlab(sb, `/projects/42/repository/files/${enc(TFVARS)}`);
		expect(noRef.status).toBe(400);
		expect(await noRef.json()).toEqual({ error: 'ref is missing' });
		const badRef = await gitlab(sb, `/projects/42/repository/files/${enc(TFVARS)}?ref=no-such-branch`);
		expect(badRef.status).toBe(404);
		expect(await badRef.json()).toEqual({ message: '404 Commit Not Found' });
	});

	it('lists the tree, one level or recursively, paged', async () => {
		const top = await gitlabJson(sb, '/projects/42/repository/tree');
		expect(top.map((e: any) => [e.type, e.path])).toEqual([
			['tree', 'tofu'],
			['blob', 'README.md']
		]);
		const stack = await gitlabJson(sb, `/projects/42/repository/tree?path=${enc('tofu/stacks/arc-runners')}&ref=main`);
		expect(stack.map((e: any) => e.name)).toEqual(['dev.tfvars', 'main.tf', 'variables.tf']);
		expect(stack[0]).toMatchObject({ type: 'blob', mode: '100644', path: 'tofu/stacks/arc-runners/dev.tfvars' });

		const all = await walk(sb, '/projects/42/repository/tree?recursive=true&per_page=3');
		const blobs = all.filter((e) => e.type === 'blob').map((e) => e.path);
		expect(blobs.sort()).toEqual([...repositoryFiles(3).keys()].sort());
		expect(all.filter((e) => e.type === 'tree').map((e) => e.path)).toEqual(['tofu', 'tofu/stacks', 'tofu/stacks/arc-runners', 'tofu/stacks/gitlab-runners']);
		const paged = await gitlab(sb, '/projects/42/repository/tree?recursive=true&per_page=3');
		expect(paged.headers.get('x-total')).toBe(String(all.length));
		expect(paged.headers.get('x-next-page')).toBe('2');

		const none = await gitlab(sb, '/projects/42/repository/tree?path=nope');
		expect(none.status).toBe(404);
		expect(await none.json()).toEqual({ message: '404 Tree Not Found' });
	});

	it('has a history whose head declares the running values', async () => {
		const commits = await gitlabJson(sb, '/projects/42/repository/commits');
		expect(commits).toHaveLength(3);
		expect(commits[0].parent_ids).toEqual([commits[1].id]);
		expect(commits[2].parent_ids).toEqual([]);
		const branch = await gitlabJson(sb, '/projects/42/repository/branches/main');
		expect(branch).toMatchObject({ name: 'main', default: true, protected: true });
		expect(branch.commit.id).toBe(commits[0].id);
		const onlyTfvars = await gitlabJson(sb, `/projects/42/repository/commits?path=${enc(TFVARS)}`);
		expect(onlyTfvars.map((c: any) => c.id)).toEqual([commits[0].id, commits[2].id]);
		// The first commit's tfvars still had docker at 6 managers.
		const old = await gitlab(sb, `/projects/42/repository/files/${enc(TFVARS)}/raw?ref=${commits[2].id}`);
		expect(await old.text()).toMatch(/^docker_hpa_max_replicas = 6$/m);
		const detail = await gitlabJson(sb, `/projects/42/repository/commits/${commits[0].short_id}`);
		expect(detail).toMatchObject({ id: commits[0].id, project_id: 42, stats: { additions: 1, deletions: 1, total: 2 } });
		expect((await gitlab(sb, '/projects/42/repository/commits/0000000000000000000000000000000000000000')).status).toBe(404);
		expect((await gitlab(sb, '/projects/42/repository/branches/nope')).status).toBe(404);
		expect((await gitlabJson(sb, '/projects/42/repository/branches')).map((b: any) => b.name)).toEqual(['main']);
	});

	it('commits through the API: main moves, the old commit keeps the old file', async () => {
		const before = await gitlabJson(sb, `/projects/42/repository/files/${enc(TFVARS)}?ref=main`);
		const oldText = Buffer.from(before.content, 'base64').toString('utf8');
		const newText = oldText.replace(/^docker_hpa_max_replicas = 8$/m, 'docker_hpa_max_replicas = 10');
		expect(newText).not.toBe(oldText);
		const res = await gitlab(sb, '/projects/42/repository/commits', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({
				branch: 'main',
				commit_message: 'docker: 10 managers',
				actions: [
					{ action: 'update', file_path: TFVARS, content: Buffer.from(newText).toString('base64'), encoding: 'base64', last_commit_id: before.last_commit_id },
					{ action: 'create', file_path: 'docs/notes.md', content: 'why 10\n' }
				]
			})
		});
		expect(res.status).toBe(201);
		const c = await res.json();
		expect(c).toMatchObject({ title: 'docker: 10 managers', parent_ids: [before.commit_id], author_name: 'Sandbox Admin', stats: { additions: 2, deletions: 1 } });

		const after = await gitlabJson(sb, `/projects/42/repository/files/${enc(TFVARS)}?ref=main`);
		expect(Buffer.from(after.content, 'base64').toString('utf8')).toBe(newText);
		expect(after.last_commit_id).toBe(c.id);
		expect(after.commit_id).toBe(c.id);
		const atOld = await gitlabJson(sb, `/projects/42/repository/files/${enc(TFVARS)}?ref=${before.commit_id}`);
		expect(Buffer.from(atOld.content, 'base64').toString('utf8')).toBe(oldText);
		expect(atOld.last_commit_id).toBe(before.last_commit_id);
		// A file the commit did not touch keeps its last commit.
		const vars = await gitlabJson(sb, `/projects/42/repository/files/${enc('tofu/stacks/gitlab-runners/variables.tf')}?ref=main`);
		expect(vars.last_commit_id).not.toBe(c.id);

		// Optimistic concurrency: the stale last_commit_id is refused and nothing changes.
		const stale = await gitlab(sb, '/projects/42/repository/commits', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ branch: 'main', commit_message: 'x', actions: [{ action: 'update', file_path: TFVARS, content: 'x = 1\n', last_commit_id: before.last_commit_id }] })
		});
		expect(stale.status).toBe(400);
		expect(await stale.json()).toEqual({ message: `The file has changed since you started editing it: ${TFVARS}` });
		expect((await gitlabJson(sb, '/projects/42/repository/branches/main')).commit.id).toBe(c.id);

		const bad = await gitlab(sb, '/projects/42/repository/commits', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ branch: 'main', actions: [{ action: 'rename', file_path: 'a' }] })
		});
		expect(bad.status).toBe(400);
		expect(await bad.json()).toEqual({ error: 'commit_message is missing, actions[0][action] does not have a valid value' });
		const exists = await gitlab(sb, '/projects/42/repository/commits', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ branch: 'main', commit_message: 'x', actions: [{ action: 'create', file_path: TFVARS, content: '' }] })
		});
		expect(await exists.json()).toEqual({ message: 'A file with this name already exists' });

		// A new branch from main; main stays where it was.
		const feature = await gitlab(sb, '/projects/42/repository/commits', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ branch: 'raise-nix', start_branch: 'main', commit_message: 'nix: 8', actions: [{ action: 'delete', file_path: 'docs/notes.md' }] })
		});
		expect(feature.status).toBe(201);
		const branches = await gitlabJson(sb, '/projects/42/repository/branches');
		expect(branches.map((b: any) => b.name)).toEqual(['main', 'raise-nix']);
		expect(branches[0].commit.id).toBe(c.id);
		expect((await gitlab(sb, `/projects/42/repository/files/${enc('docs/notes.md')}?ref=raise-nix`)).status).toBe(404);
		expect((await gitlab(sb, `/projects/42/repository/files/${enc('docs/notes.md')}?ref=main`)).status).toBe(200);
	});

	it('the control API commits to main too, and ground truth follows', async () => {
		const res = await control(sb, '/gitops/commit', { file: TFVARS, content: 'docker_hpa_max_replicas = 9\n', message: 'pin docker' });
		expect(res.status).toBe(200);
		const body = await res.json();
		const raw = await gitlab(sb, `/projects/42/repository/files/${enc(TFVARS)}/raw?ref=main`);
		expect(await raw.text()).toBe('docker_hpa_max_replicas = 9\n');
		expect(raw.headers.get('x-gitlab-last-commit-id')).toBe(body.id);
		expect((await state(sb)).gitops).toMatchObject({ project_id: 42, head_commit: body.id });
		const same = await control(sb, '/gitops/commit', { file: TFVARS, content: 'docker_hpa_max_replicas = 9\n' });
		expect(same.status).toBe(400);
		expect(await same.json()).toEqual({ error: 'No changes were made' });
		expect((await control(sb, '/gitops/commit', { file: TFVARS })).status).toBe(400);
	});
});

describe('the generated stack files', () => {
	it('are valid HCL (hcl2json parses every .tf and .tfvars)', async () => {
		for (const scaleSets of [0, 3, 5]) {
			for (const [path, text] of repositoryFiles(scaleSets)) {
				if (!/\.(tf|tfvars)$/.test(path)) continue;
				const doc = await parse(path, text);
				expect(typeof doc, path).toBe('object');
			}
		}
	});
});
