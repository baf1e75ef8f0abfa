// The change flow on the sandbox's GitHub through Octokit, as a product drives it: a
// ref from the commit it read, one contents commit, a pull request with labels, its
// `plan` check run and workflow run on the simulated clock, the merge (refused before
// the check passes and with a stale sha), and `apply` on main changing the scale set.
// Every answer is checked against GitHub's OpenAPI description (GHES 3.17), strictly.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../index.js';
import { check, loadGhesSpec, responseSchema, type OpenApi } from '../github/openapi-check.js';
import { controlOk, start, state } from '../testing.js';
import { advance, changes, octokit } from './testing.js';

const TFVARS = 'tofu/stacks/arc-runners/dev.tfvars';
const R = { owner: 'sandbox-org', repo: 'gitops' };

async function maxRunners(sb: Sandbox, name: string): Promise<number> {
	const res = await fetch(`${sb.url}/k8s/apis/actions.github.com/v1alpha1/namespaces/arc-runners/autoscalingrunnersets/${name}`);
	return ((await res.json()) as { spec: { maxRunners: number } }).spec.maxRunners;
}

describe('GitHub pull requests, checks and workflow runs on sandbox-org/gitops', () => {
	let sb: Sandbox;
	let gh: ReturnType<typeof octokit>;
	let spec: OpenApi;
	const conforms = (path: string, method: string, status: string, body: unknown) =>
		expect({ op: `${method} ${path}`, errors: check(spec, responseSchema(spec, path, method, status), body) }).toEqual({ op: `${method} ${path}`, errors: [] });

	beforeAll(async () => {
		sb = await start();
		gh = octokit(sb);
		spec = loadGhesSpec();
	});
	afterAll(() => sb.close());
	const requests = async () => (await fetch(`${sb.url}/_sandbox/requests`)).json();

	/** A branch from main with one contents commit setting `name` to `value`, as the product writes it. */
	async function proposeEdit(branch: string, name: string, value: number) {
		const main = await gh.git.getRef({ ...R, ref: 'heads/main' });
		conforms('/repos/{owner}/{repo}/git/ref/{ref}', 'get', '200', main.data);
		const file = await gh.repos.getContent({ ...R, path: TFVARS, ref: main.data.object.sha });
		const { content, sha } = file.data as { content: string; sha: string };
		const text = Buffer.from(content, 'base64').toString('utf8');
		const edited = text.replace(new RegExp(`^(${name}\\s*=\\s*)\\S+$`, 'm'), `$1${value}`);
		expect(edited).not.toBe(text);
		const ref = await gh.git.createRef({ ...R, ref: `refs/heads/${branch}`, sha: main.data.object.sha });
		expect(ref.status).toBe(201);
		conforms('/repos/{owner}/{repo}/git/refs', 'post', '201', ref.data);
		const put = await gh.repos.createOrUpdateFileContents({ ...R, path: TFVARS, branch, message: `${name}: ${value}`, content: Buffer.from(edited).toString('base64'), sha });
		expect(put.status).toBe(200);
		conforms('/repos/{owner}/{repo}/contents/{path}', 'put', '200', put.data);
		return { base: main.data.object.sha, head: put.data.commit.sha as string, blob: sha };
	}

	it('creates, reads, moves and deletes refs; writes files with the blob sha check', async () => {
		const main = await gh.git.getRef({ ...R, ref: 'heads/main' });
		await gh.git.createRef({ ...R, ref: 'refs/heads/probe/x', sha: main.data.object.sha });
		await expect(gh.git.createRef({ ...R, ref: 'refs/heads/probe/x', sha: main.data.object.sha })).rejects.toMatchObject({ status: 422, response: { data: { message: 'Reference already exists' } } });
		await expect(gh.git.createRef({ ...R, ref: 'refs/heads/probe/y', sha: 'f'.repeat(40) })).rejects.toMatchObject({ status: 422, response: { data: { message: 'Object does not exist' } } });
		const file = await gh.repos.getContent({ ...R, path: TFVARS, ref: 'probe/x' });
		const sha = (file.data as { sha: string }).sha;
		await expect(
			gh.repos.createOrUpdateFileContents({ ...R, path: TFVARS, branch: 'probe/x', message: 'm', content: Buffer.from('x = 1\n').toString('base64'), sha: 'f'.repeat(40) })
		).rejects.toMatchObject({ status: 409, response: { data: { message: `${TFVARS} does not match ${'f'.repeat(40)}` } } });
		await expect(gh.repos.createOrUpdateFileContents({ ...R, path: TFVARS, branch: 'probe/x', message: 'm', content: Buffer.from('x = 1\n').toString('base64') })).rejects.toMatchObject({ status: 422 });
		const created = await gh.repos.createOrUpdateFileContents({ ...R, path: 'notes/new.md', branch: 'probe/x', message: 'a new file', content: Buffer.from('hello\n').toString('base64') });
		expect(created.status).toBe(201);
		conforms('/repos/{owner}/{repo}/contents/{path}', 'put', '201', created.data);
		expect(created.data.commit.parents?.map((p) => p.sha)).toEqual([main.data.object.sha]);
		// Fast-forward only, unless forced.
		await expect(gh.git.updateRef({ ...R, ref: 'heads/main', sha: created.data.commit.sha as string })).resolves.toMatchObject({ status: 200 });
		await expect(gh.git.updateRef({ ...R, ref: 'heads/main', sha: main.data.object.sha })).rejects.toMatchObject({ status: 422, response: { data: { message: 'Update is not a fast forward' } } });
		const back = await gh.git.updateRef({ ...R, ref: 'heads/main', sha: main.data.object.sha, force: true });
		conforms('/repos/{owner}/{repo}/git/refs/{ref}', 'patch', '200', back.data);
		expect(sha).toMatch(/^[0-9a-f]{40}$/);
		const branches = await gh.repos.listBranches(R);
		conforms('/repos/{owner}/{repo}/branches', 'get', '200', branches.data);
		expect(branches.data.map((b) => [b.name, b.protected])).toEqual([
			['main', true],
			['probe/x', false]
		]);
		await gh.git.deleteRef({ ...R, ref: 'heads/probe/x' });
		await expect(gh.git.getRef({ ...R, ref: 'heads/probe/x' })).rejects.toMatchObject({ status: 404 });
		await expect(gh.git.deleteRef({ ...R, ref: 'heads/probe/x' })).rejects.toMatchObject({ status: 422 });
		await expect(gh.git.deleteRef({ ...R, ref: 'heads/main' })).rejects.toMatchObject({ status: 422 });
		const repo = await gh.repos.get(R);
		conforms('/repos/{owner}/{repo}', 'get', '200', repo.data);
		expect(repo.data).toMatchObject({ full_name: 'sandbox-org/gitops', default_branch: 'main', allow_rebase_merge: false });
	});

	it('takes a change from pull request to applied: plan check, merge, plan + apply on main', async () => {
		const requestsBefore = await requests();
		const before = await state(sb);
		expect(await maxRunners(sb, 'gh-docker')).toBe(20);
		const { base, head } = await proposeEdit('change/arc-docker', 'docker_max_runners', 25);

		const pr = await gh.pulls.create({ ...R, title: 'gh-docker: up to 25 runners', head: 'change/arc-docker', base: 'main', body: 'Proposed from the dashboard' });
		expect(pr.status).toBe(201);
		conforms('/repos/{owner}/{repo}/pulls', 'post', '201', pr.data);
		expect(pr.data).toMatchObject({ number: 1, state: 'open', merged: false, mergeable: true, mergeable_state: 'blocked', head: { ref: 'change/arc-docker', sha: head }, base: { ref: 'main', sha: base } });
		await expect(gh.pulls.create({ ...R, title: 'again', head: 'change/arc-docker', base: 'main' })).rejects.toMatchObject({
			status: 422,
			response: { data: { errors: [{ message: 'A pull request already exists for sandbox-org:change/arc-docker.' }] } }
		});
		const labels = await gh.issues.addLabels({ ...R, issue_number: 1, labels: ['runner-dashboard', 'gitops'] });
		conforms('/repos/{owner}/{repo}/issues/{issue_number}/labels', 'post', '200', labels.data);
		expect(labels.data.map((l) => l.name)).toEqual(['runner-dashboard', 'gitops']);

		const files = await gh.pulls.listFiles({ ...R, pull_number: 1 });
		conforms('/repos/{owner}/{repo}/pulls/{pull_number}/files', 'get', '200', files.data);
		expect(files.data.map((f) => [f.filename, f.status, f.additions, f.deletions])).toEqual([[TFVARS, 'modified', 1, 1]]);
		expect(files.data[0]?.patch?.split('\n').filter((l) => /^[-+]/.test(l))).toEqual(['-docker_max_runners   = 20', '+docker_max_runners   = 25']);

		// The plan check run on the head, and its workflow run.
		const queued = await gh.checks.listForRef({ ...R, ref: head });
		conforms('/repos/{owner}/{repo}/commits/{ref}/check-runs', 'get', '200', queued.data);
		expect(queued.data.check_runs.map((c) => [c.name, c.status, c.conclusion])).toEqual([['plan', 'queued', null]]);
		const runs = await gh.actions.listWorkflowRunsForRepo({ ...R, head_sha: head });
		conforms('/repos/{owner}/{repo}/actions/runs', 'get', '200', runs.data);
		expect(runs.data.workflow_runs.map((r) => [r.name, r.event, r.status, r.head_branch])).toEqual([['tofu', 'pull_request', 'queued', 'change/arc-docker']]);
		expect(runs.data.workflow_runs[0]?.pull_requests?.map((p) => p.number)).toEqual([1]);
		await expect(gh.pulls.merge({ ...R, pull_number: 1 })).rejects.toMatchObject({ status: 405, response: { data: { message: 'Required status check "plan" is expected.' } } });
		await advance(sb, 10);
		expect((await gh.checks.listForRef({ ...R, ref: head })).data.check_runs[0]?.status).toBe('in_progress');
		await advance(sb, 30);
		const done = await gh.checks.listForRef({ ...R, ref: head });
		const plan = done.data.check_runs[0];
		expect(plan).toMatchObject({ name: 'plan', status: 'completed', conclusion: 'success', output: { title: 'Plan: 0 to add, 1 to change, 0 to destroy.' } });
		expect(plan?.output.text).toContain('~ manifest.spec.maxRunners = 20 -> 25');
		const single = await gh.checks.get({ ...R, check_run_id: plan?.id as number });
		conforms('/repos/{owner}/{repo}/check-runs/{check_run_id}', 'get', '200', single.data);
		const run = (await gh.actions.listWorkflowRunsForRepo({ ...R, head_sha: head })).data.workflow_runs[0];
		expect(run).toMatchObject({ status: 'completed', conclusion: 'success' });
		const jobs = await gh.actions.listJobsForWorkflowRun({ ...R, run_id: run?.id as number });
		conforms('/repos/{owner}/{repo}/actions/runs/{run_id}/jobs', 'get', '200', jobs.data);
		const log = await gh.actions.downloadJobLogsForWorkflowRun({ ...R, job_id: jobs.data.jobs[0]?.id as number });
		expect(String(log.data)).toContain('Plan: 0 to add, 1 to change, 0 to destroy.');

		const ready = await gh.pulls.get({ ...R, pull_number: 1 });
		conforms('/repos/{owner}/{repo}/pulls/{pull_number}', 'get', '200', ready.data);
		expect(ready.data).toMatchObject({ mergeable: true, mergeable_state: 'clean', changed_files: 1, additions: 1, deletions: 1, commits: 1, labels: [{ name: 'runner-dashboard' }, { name: 'gitops' }] });
		await expect(gh.pulls.merge({ ...R, pull_number: 1, sha: base })).rejects.toMatchObject({ status: 409 });
		await expect(gh.pulls.merge({ ...R, pull_number: 1, merge_method: 'rebase' })).rejects.toMatchObject({ status: 405 });
		const merged = await gh.pulls.merge({ ...R, pull_number: 1, sha: head });
		conforms('/repos/{owner}/{repo}/pulls/{pull_number}/merge', 'put', '200', merged.data);
		expect(merged.data).toMatchObject({ merged: true, message: 'Pull Request successfully merged' });
		const mainHead = (await gh.git.getRef({ ...R, ref: 'heads/main' })).data.object.sha;
		expect(merged.data.sha).toBe(mainHead);
		expect((await gh.pulls.checkIfMerged({ ...R, pull_number: 1 })).status).toBe(204);
		await expect(gh.pulls.merge({ ...R, pull_number: 1 })).rejects.toMatchObject({ status: 405, response: { data: { message: 'Pull Request is not mergeable' } } });

		// main: plan, then apply for the ARC stack.
		const mainRun = (await gh.actions.listWorkflowRunsForRepo({ ...R, branch: 'main' })).data.workflow_runs;
		expect(mainRun.map((r) => [r.event, r.head_sha, r.status])).toEqual([['push', mainHead, 'queued']]);
		await advance(sb, 75);
		const checks = await gh.checks.listForRef({ ...R, ref: mainHead });
		expect(checks.data.check_runs.map((c) => [c.name, c.conclusion]).sort()).toEqual([
			['apply', 'success'],
			['plan', 'success']
		]);
		expect(checks.data.check_runs.find((c) => c.name === 'apply')?.output.title).toBe('Apply complete! Resources: 0 added, 1 changed, 0 destroyed.');
		expect(await maxRunners(sb, 'gh-docker')).toBe(25);
		const after = await state(sb);
		expect(after.gitops.states['arc-runners-dev'].serial).toBe(before.gitops.states['arc-runners-dev'].serial + 1);
		expect(after.gitops.states['gitlab-runners-dev'].serial).toBe(before.gitops.states['gitlab-runners-dev'].serial);
		const closed = await gh.pulls.get({ ...R, pull_number: 1 });
		conforms('/repos/{owner}/{repo}/pulls/{pull_number}', 'get', '200', closed.data);
		expect(closed.data).toMatchObject({ state: 'closed', merged: true, merge_commit_sha: mainHead });

		// Re-apply: a workflow dispatch on main plans and applies every stack.
		await gh.actions.createWorkflowDispatch({ ...R, workflow_id: 'tofu.yml', ref: 'main' });
		const dispatched = (await gh.actions.listWorkflowRunsForRepo({ ...R, event: 'workflow_dispatch' })).data.workflow_runs;
		expect(dispatched.map((r) => [r.head_branch, r.status])).toEqual([['main', 'queued']]);
		const workflows = await gh.actions.listRepoWorkflows(R);
		conforms('/repos/{owner}/{repo}/actions/workflows', 'get', '200', workflows.data);
		// Every call above is counted by route pattern.
		const counted = (await requests()).github;
		const delta = (k: string) => (counted[k] ?? 0) - (requestsBefore.github[k] ?? 0);
		expect(
			['POST /repos/:owner/:repo/pulls', 'PUT /repos/:owner/:repo/pulls/:number/merge', 'GET /repos/:owner/:repo/commits/:ref/check-runs', 'PUT /repos/:owner/:repo/contents/*path', 'POST /repos/:owner/:repo/actions/workflows/:workflow_id/dispatches'].map(delta)
		).toEqual([2, 5, 4, 1, 1]);
	});

	it('lists, edits and closes pull requests; deleting the head branch closes one', async () => {
		await proposeEdit('change/nix', 'dind_max_runners', 6);
		const pr = await gh.pulls.create({ ...R, title: 'gh-dind: 6', head: 'sandbox-org:change/nix', base: 'main' });
		const open = await gh.pulls.list({ ...R });
		conforms('/repos/{owner}/{repo}/pulls', 'get', '200', open.data);
		expect(open.data.map((p) => p.number)).toEqual([pr.data.number]);
		expect((await gh.pulls.list({ ...R, state: 'all' })).data.map((p) => p.number)).toEqual([pr.data.number, 1]);
		expect((await gh.pulls.list({ ...R, state: 'all', head: 'sandbox-org:change/nix' })).data.map((p) => p.number)).toEqual([pr.data.number]);
		const edited = await gh.pulls.update({ ...R, pull_number: pr.data.number, title: 'gh-dind: at most 6 runners' });
		conforms('/repos/{owner}/{repo}/pulls/{pull_number}', 'patch', '200', edited.data);
		const comment = await gh.issues.createComment({ ...R, issue_number: pr.data.number, body: 'Plan looks right.' });
		conforms('/repos/{owner}/{repo}/issues/{issue_number}/comments', 'post', '201', comment.data);
		const closed = await gh.pulls.update({ ...R, pull_number: pr.data.number, state: 'closed' });
		expect(closed.data).toMatchObject({ state: 'closed', merged: false });
		await gh.pulls.update({ ...R, pull_number: pr.data.number, state: 'open' });
		await gh.git.deleteRef({ ...R, ref: 'heads/change/nix' });
		expect((await gh.pulls.get({ ...R, pull_number: pr.data.number })).data.state).toBe('closed');
		await expect(gh.pulls.create({ ...R, title: 't', head: 'main', base: 'main' })).rejects.toMatchObject({ status: 422 });
		await expect(gh.pulls.create({ ...R, title: 't', head: 'nope', base: 'main' })).rejects.toMatchObject({ status: 422, response: { data: { errors: [{ field: 'head', code: 'invalid' }] } } });
		await expect(gh.pulls.get({ owner: 'sandbox-org', repo: 'storefront', pull_number: 1 })).rejects.toMatchObject({ status: 404 });
	});

	it('a refused pull request leaves the branch to clean up; a conflict blocks the merge', async () => {
		await controlOk(sb, '/gitops/fail-next', { forge: 'github', op: 'create_pull_request' });
		await proposeEdit('change/refused', 'docker_min_runners', 2);
		await expect(gh.pulls.create({ ...R, title: 't', head: 'change/refused', base: 'main' })).rejects.toMatchObject({ status: 500 });
		expect((await changes(sb)).orphan_branches).toEqual(['change/refused']);
		const pr = await gh.pulls.create({ ...R, title: 'min 2', head: 'change/refused', base: 'main' });
		expect((await changes(sb)).orphan_branches).toEqual([]);
		await advance(sb, 40);
		await controlOk(sb, '/gitops/conflict', { forge: 'github', id: pr.data.number });
		expect((await gh.pulls.get({ ...R, pull_number: pr.data.number })).data).toMatchObject({ mergeable: false, mergeable_state: 'dirty' });
		await expect(gh.pulls.merge({ ...R, pull_number: pr.data.number })).rejects.toMatchObject({ status: 405, response: { data: { message: 'Pull Request is not mergeable' } } });
		await controlOk(sb, '/gitops/conflict', { forge: 'github', id: pr.data.number, conflict: false });
		// Merged as a reviewer would, through the control API.
		expect(await controlOk(sb, '/gitops/merge', { forge: 'github', id: pr.data.number })).toMatchObject({ state: 'merged' });
		const truth = await changes(sb);
		expect(truth.pull_requests.find((p: any) => p.number === pr.data.number)).toMatchObject({ state: 'merged', merge_status: 'not_open' });
	});
});
