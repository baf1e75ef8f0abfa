// The GitOps repository on the simulated GitHub (`sandbox-org/gitops`) through Octokit's
// contents API: the same files and blob ids as the GitLab project.

import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../index.js';
import { GITHUB_TOKEN, github } from '../github/testing.js';
import { controlOk, start } from '../testing.js';
import { blobId } from './repo.js';
import { repositoryFiles } from './stacks.js';

const TFVARS = 'tofu/stacks/arc-runners/dev.tfvars';

describe('GitHub contents API for sandbox-org/gitops', () => {
	let sb: Sandbox;
	let octokit: Octokit;
	beforeAll(async () => {
		sb = await start();
		octokit = new Octokit({ baseUrl: `${sb.url}/github/api/v3`, auth: GITHUB_TOKEN });
	});
	afterAll(() => sb.close());

	it('serves a file as base64 with its blob sha, and raw on request', async () => {
		const { data } = await octokit.repos.getContent({ owner: 'sandbox-org', repo: 'gitops', path: TFVARS, ref: 'main' });
		if (Array.isArray(data) || data.type !== 'file') throw new Error('expected a file');
		const text = repositoryFiles(3).get(TFVARS) as string;
		expect(Buffer.from((data as { content: string }).content, 'base64').toString('utf8')).toBe(text);
		expect(data).toMatchObject({ name: 'dev.tfvars', path: TFVARS, sha: blobId(text), size: Buffer.byteLength(text), encoding: 'base64' });
		expect(data.html_url).toBe(`${sb.url}/github/sandbox-org/gitops/blob/main/${TFVARS}`);
		const raw = await github(sb, `/repos/sandbox-org/gitops/contents/${TFVARS}`, { headers: { Accept: 'application/vnd.github.raw+json' } });
		expect(await raw.text()).toBe(text);
	});

	it('lists a directory and follows commits on main', async () => {
		const { data } = await octokit.repos.getContent({ owner: 'sandbox-org', repo: 'gitops', path: 'tofu/stacks' });
		expect(Array.isArray(data) && data.map((e) => [e.type, e.name])).toEqual([
			['dir', 'arc-runners'],
			['dir', 'gitlab-runners']
		]);
		const c = await controlOk(sb, '/gitops/commit', { file: TFVARS, content: 'docker_max_runners = 30\n' });
		const now = await octokit.repos.getContent({ owner: 'sandbox-org', repo: 'gitops', path: TFVARS });
		expect(Buffer.from((now.data as { content: string }).content, 'base64').toString('utf8')).toBe('docker_max_runners = 30\n');
		const atCommit = await octokit.repos.getContent({ owner: 'sandbox-org', repo: 'gitops', path: TFVARS, ref: (c.id as string).slice(0, 7) });
		expect(Buffer.from((atCommit.data as { content: string }).content, 'base64').toString('utf8')).toBe('docker_max_runners = 30\n');
		await expect(octokit.repos.getContent({ owner: 'sandbox-org', repo: 'gitops', path: 'nope.tf' })).rejects.toMatchObject({ status: 404 });
		await expect(octokit.repos.getContent({ owner: 'sandbox-org', repo: 'gitops', path: TFVARS, ref: 'nope' })).rejects.toMatchObject({ status: 404 });
		// Other repositories have no contents here.
		expect((await github(sb, '/repos/sandbox-org/storefront/contents/README.md')).status).toBe(404);
	});
});
