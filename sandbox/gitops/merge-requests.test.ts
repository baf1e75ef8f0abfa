// The change flow on the sandbox's GitLab through gitbeaker, as a product drives it:
// a branch and one commit, a merge request, its plan pipeline on the simulated clock,
// the merge (refused while the pipeline runs, with a stale sha, on a conflict), the
// default branch's plan + apply changing the cluster and the state, and re-applying.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../index.js';
import { control, controlOk, start, state } from '../testing.js';
import { advance, changes, gitbeaker } from './testing.js';

const TFVARS = 'tofu/stacks/gitlab-runners/dev.tfvars';
const P = 42;

async function hpaMax(sb: Sandbox, name: string): Promise<number> {
	const res = await fetch(`${sb.url}/k8s/apis/autoscaling/v2/namespaces/gitlab-runners/horizontalpodautoscalers/${name}`);
	return ((await res.json()) as { spec: { maxReplicas: number } }).spec.maxReplicas;
}

/** A branch from main with one commit setting `name` to `value` in dev.tfvars, as the product writes it. */
async function proposeEdit(api: ReturnType<typeof gitbeaker>, branch: string, name: string, value: number) {
	const file = (await api.RepositoryFiles.show(P, TFVARS, 'main')) as any;
	const text = Buffer.from(file.content, 'base64').toString('utf8');
	const edited = text.replace(new RegExp(`^(${name}\\s*=\\s*)\\S+$`, 'm'), `$1${value}`);
	expect(edited).not.toBe(text);
	await api.Branches.create(P, branch, file.commit_id);
	await api.Commits.create(P, branch, `${name}: ${value}`, [{ action: 'update', filePath: TFVARS, content: edited, lastCommitId: file.last_commit_id }]);
	return { text, edited };
}

describe('GitLab merge requests, pipelines and merges on the GitOps project', () => {
	let sb: Sandbox;
	let api: ReturnType<typeof gitbeaker>;
	beforeAll(async () => {
		sb = await start();
		api = gitbeaker(sb);
	});
	afterAll(() => sb.close());

	it('creates, lists, reads and deletes branches', async () => {
		const main = (await api.Branches.show(P, 'main')) as any;
		const made = (await api.Branches.create(P, 'feature/probe', 'main')) as any;
		expect(made).toMatchObject({ name: 'feature/probe', default: false, protected: false, commit: { id: main.commit.id } });
		expect(((await api.Branches.all(P)) as any[]).map((b) => b.name)).toEqual(['feature/probe', 'main']);
		await expect(api.Branches.create(P, 'feature/probe', 'main')).rejects.toMatchObject({ status: 400, body: { message: 'Branch already exists' } });
		await expect(api.Branches.create(P, 'x', 'no-such-ref')).rejects.toMatchObject({ status: 400, body: { message: 'Invalid reference name: no-such-ref' } });
		await expect(api.Branches.create(P, 'bad..name', 'main')).rejects.toMatchObject({ status: 400 });
		await expect(api.Branches.remove(P, 'main')).rejects.toMatchObject({ status: 405 });
		await api.Branches.remove(P, 'feature/probe');
		await expect(api.Branches.show(P, 'feature/probe')).rejects.toMatchObject({ status: 404 });
		await expect(api.Branches.remove(P, 'feature/probe')).rejects.toMatchObject({ status: 404 });
		expect((await changes(sb)).orphan_branches).toEqual([]);
	});

	it('refuses a commit whose last_commit_id is stale, as GitLab does', async () => {
		const file = (await api.RepositoryFiles.show(P, TFVARS, 'main')) as any;
		await expect(
			api.Commits.create(P, 'stale', 'x', [{ action: 'update', filePath: TFVARS, content: 'x = 1\n', lastCommitId: 'f'.repeat(40) }], { startBranch: 'main' })
		).rejects.toMatchObject({ status: 400, body: { message: `The file has changed since you started editing it: ${TFVARS}` } });
		// Nothing was made: no branch, no commit.
		expect((await changes(sb)).branches.map((b: any) => b.name)).toEqual(['main']);
		expect(file.last_commit_id).toMatch(/^[0-9a-f]{40}$/);
	});

	it('takes a change from merge request to applied: plan on the MR, merge, plan + apply on main', async () => {
		const before = await state(sb);
		const serial = before.gitops.states['gitlab-runners-dev'].serial;
		expect(await hpaMax(sb, 'docker-runner-hpa')).toBe(8);
		await proposeEdit(api, 'change/docker-max', 'docker_hpa_max_replicas', 10);

		const mr = (await api.MergeRequests.create(P, 'change/docker-max', 'main', 'docker runners: at most 10 managers', {
			description: 'Proposed from the dashboard',
			labels: 'runner-dashboard,gitops',
			removeSourceBranch: true
		})) as any;
		expect(mr).toMatchObject({
			iid: 1,
			project_id: P,
			state: 'opened',
			source_branch: 'change/docker-max',
			target_branch: 'main',
			labels: ['runner-dashboard', 'gitops'],
			has_conflicts: false,
			detailed_merge_status: 'ci_still_running',
			force_remove_source_branch: true,
			web_url: `${sb.url}/gitlab/platform/gitops/-/merge_requests/1`
		});
		expect(mr.sha).toBe(((await api.Branches.show(P, 'change/docker-max')) as any).commit.id);
		// A second MR for the same branch is refused.
		await expect(api.MergeRequests.create(P, 'change/docker-max', 'main', 'again')).rejects.toMatchObject({
			status: 409,
			body: { message: ['Another open merge request already exists for this source branch: !1'] }
		});

		// Exactly one line of dev.tfvars changes.
		const diffs = (await api.MergeRequests.allDiffs(P, 1)) as any[];
		expect(diffs.map((d) => d.new_path)).toEqual([TFVARS]);
		const lines = (diffs[0].diff as string).split('\n');
		expect(lines.filter((l) => l.startsWith('-'))).toEqual(['-docker_hpa_max_replicas = 8']);
		expect(lines.filter((l) => l.startsWith('+'))).toEqual(['+docker_hpa_max_replicas = 10']);

		// Its pipeline: created → pending (5 s) → running (10 s) → success (40 s).
		const [pl] = (await api.MergeRequests.allPipelines(P, 1)) as any[];
		expect(pl).toMatchObject({ status: 'created', source: 'merge_request_event', ref: 'refs/merge-requests/1/head', sha: mr.sha });
		await expect(api.MergeRequests.merge(P, 1)).rejects.toMatchObject({ status: 405, body: { message: '405 Method Not Allowed' } });
		await advance(sb, 5);
		expect(((await api.Pipelines.show(P, pl.id)) as any).status).toBe('pending');
		await advance(sb, 5);
		expect(((await api.Pipelines.show(P, pl.id)) as any).status).toBe('running');
		const [planJob] = (await api.Jobs.all(P, { pipelineId: pl.id })) as any[];
		expect(planJob).toMatchObject({ name: 'plan', stage: 'plan', status: 'running' });
		expect(await api.Jobs.showLog(P, planJob.id)).toContain('Running with gitlab-runner');
		await advance(sb, 30);
		const done = (await api.Pipelines.show(P, pl.id)) as any;
		expect(done).toMatchObject({ status: 'success', duration: 30, queued_duration: 10, detailed_status: { text: 'Passed' } });
		const log = (await api.Jobs.showLog(P, planJob.id)) as string;
		expect(log).toContain('# kubernetes_horizontal_pod_autoscaler_v2.runner["docker"] will be updated in-place');
		expect(log).toContain('~ spec.max_replicas = 8 -> 10');
		expect(log).toContain('Plan: 0 to add, 1 to change, 0 to destroy.');
		expect(log).toMatch(/Job succeeded\n$/);
		// Planning changed nothing.
		expect(await hpaMax(sb, 'docker-runner-hpa')).toBe(8);

		const ready = (await api.MergeRequests.show(P, 1)) as any;
		expect(ready).toMatchObject({ detailed_merge_status: 'mergeable', head_pipeline: { id: pl.id, status: 'success' }, diff_refs: { head_sha: mr.sha } });
		await expect(api.MergeRequests.merge(P, 1, { sha: 'f'.repeat(40) })).rejects.toMatchObject({
			status: 409,
			body: { message: `SHA does not match HEAD of source branch: ${mr.sha}` }
		});
		const merged = (await api.MergeRequests.merge(P, 1, { sha: mr.sha })) as any;
		expect(merged).toMatchObject({ state: 'merged', detailed_merge_status: 'not_open', merged_by: { username: 'sandbox-admin' } });
		const head = ((await api.Branches.show(P, 'main')) as any).commit;
		expect(merged.merge_commit_sha).toBe(head.id);
		expect(head.parent_ids).toEqual([before.gitops.head_commit, mr.sha]);
		// The source branch went with the merge (remove_source_branch).
		await expect(api.Branches.show(P, 'change/docker-max')).rejects.toMatchObject({ status: 404 });
		await expect(api.MergeRequests.merge(P, 1)).rejects.toMatchObject({ status: 405 });

		// main: plan, then apply, which runs the sandbox's tofu apply.
		const [mainPl] = (await api.Pipelines.all(P, { ref: 'main' })) as any[];
		expect(mainPl).toMatchObject({ source: 'push', sha: merged.merge_commit_sha, status: 'created' });
		await advance(sb, 45);
		expect(((await api.Pipelines.show(P, mainPl.id)) as any).status).toBe('running');
		expect(await hpaMax(sb, 'docker-runner-hpa')).toBe(8);
		await advance(sb, 30);
		const jobs = (await api.Jobs.all(P, { pipelineId: mainPl.id })) as any[];
		expect(jobs.map((j) => [j.name, j.status])).toEqual([
			['plan', 'success'],
			['apply', 'success']
		]);
		expect(((await api.Pipelines.show(P, mainPl.id)) as any).status).toBe('success');
		const applyLog = (await api.Jobs.showLog(P, jobs[1].id)) as string;
		expect(applyLog).toContain('HorizontalPodAutoscaler/gitlab-runners/docker-runner-hpa: Modifications complete');
		expect(applyLog).toContain('Apply complete! Resources: 0 added, 1 changed, 0 destroyed.');
		expect(applyLog).toContain(`State gitlab-runners-dev: serial ${serial + 1}.`);
		expect(await hpaMax(sb, 'docker-runner-hpa')).toBe(10);
		const after = await state(sb);
		expect(after.gitops.states['gitlab-runners-dev'].serial).toBe(serial + 1);
		// Only the stack that changed was planned and applied.
		expect(after.gitops.states['arc-runners-dev'].serial).toBe(before.gitops.states['arc-runners-dev'].serial);

		// Re-applying main by hand: plan + apply of every stack, nothing left to change.
		const rerun = (await api.Pipelines.create(P, 'main')) as any;
		expect(rerun).toMatchObject({ source: 'api', ref: 'main', sha: merged.merge_commit_sha, status: 'created' });
		await advance(sb, 80);
		const rerunJobs = (await api.Jobs.all(P, { pipelineId: rerun.id })) as any[];
		expect(rerunJobs.map((j) => j.status)).toEqual(['success', 'success']);
		const rerunPlan = (await api.Jobs.showLog(P, rerunJobs[0].id)) as string;
		expect(rerunPlan.match(/No changes\. Your infrastructure matches the configuration\./g)).toHaveLength(2);
		expect((await state(sb)).gitops.states['gitlab-runners-dev'].serial).toBe(serial + 1);
		await expect(api.Pipelines.create(P, 'no-such-branch')).rejects.toMatchObject({ status: 400, body: { message: { base: ['Reference not found'] } } });

		// Filters of the pipeline list.
		expect(((await api.Pipelines.all(P, { status: 'success', ref: 'main' })) as any[]).map((p) => p.id)).toEqual([rerun.id, mainPl.id]);
		expect(((await api.Pipelines.all(P, { sha: mr.sha })) as any[]).map((p) => p.id)).toEqual([pl.id]);
		const requests = await (await fetch(`${sb.url}/_sandbox/requests`)).json();
		expect(requests.gitlab).toMatchObject({
			'POST /projects/:id/merge_requests': 2,
			'PUT /projects/:id/merge_requests/:iid/merge': 4,
			'GET /projects/:id/jobs/:job_id/trace': 4,
			'POST /projects/:id/pipeline': 2
		});
	});

	it('lists, filters, labels, comments on, closes and reopens merge requests', async () => {
		await proposeEdit(api, 'change/nix-max', 'nix_hpa_max_replicas', 7);
		const mr = (await api.MergeRequests.create(P, 'change/nix-max', 'main', 'nix: 7', { labels: 'gitops' })) as any;
		const open = (await api.MergeRequests.all({ projectId: P, state: 'opened' })) as any[];
		expect(open.map((m) => m.iid)).toEqual([mr.iid]);
		expect(((await api.MergeRequests.all({ projectId: P, state: 'merged' })) as any[]).map((m) => m.iid)).toEqual([1]);
		expect(((await api.MergeRequests.all({ projectId: P, sourceBranch: 'change/nix-max' })) as any[]).map((m) => m.iid)).toEqual([mr.iid]);
		expect(((await api.MergeRequests.all({ projectId: P, labels: 'runner-dashboard' })) as any[]).map((m) => m.iid)).toEqual([1]);
		expect(((await api.MergeRequests.all({ projectId: P, targetBranch: 'main' })) as any[]).map((m) => m.iid)).toEqual([mr.iid, 1]);

		const edited = (await api.MergeRequests.edit(P, mr.iid, { addLabels: 'runner-dashboard', title: 'nix runners: at most 7 managers' })) as any;
		expect(edited).toMatchObject({ title: 'nix runners: at most 7 managers', labels: ['gitops', 'runner-dashboard'] });
		const note = (await api.MergeRequestNotes.create(P, mr.iid, 'Plan looks right.')) as any;
		expect(note).toMatchObject({ body: 'Plan looks right.', noteable_iid: mr.iid, noteable_type: 'MergeRequest', system: false, author: { username: 'sandbox-admin' } });
		expect(((await api.MergeRequestNotes.all(P, mr.iid)) as any[]).map((n) => n.body)).toEqual(['Plan looks right.']);

		const closed = (await api.MergeRequests.edit(P, mr.iid, { stateEvent: 'close' })) as any;
		expect(closed).toMatchObject({ state: 'closed', detailed_merge_status: 'not_open', closed_by: { username: 'sandbox-admin' } });
		expect(((await api.MergeRequests.all({ projectId: P, state: 'opened' })) as any[]).length).toBe(0);
		const reopened = (await api.MergeRequests.edit(P, mr.iid, { stateEvent: 'reopen' })) as any;
		expect(reopened.state).toBe('opened');
		await expect(api.MergeRequests.show(P, 99)).rejects.toMatchObject({ status: 404 });
		await expect(api.MergeRequests.create(P, 'no-such-branch', 'main', 't')).rejects.toMatchObject({ status: 409, body: { message: ['Source branch "no-such-branch" does not exist'] } });
		const truth = await changes(sb);
		expect(truth.merge_requests.map((m: any) => [m.number, m.state])).toEqual([
			[1, 'merged'],
			[mr.iid, 'opened']
		]);
		expect(truth.orphan_branches).toEqual([]);
	});
});

describe('GitLab merges: conflicts, rebased changes, failed jobs and refused calls', () => {
	let sb: Sandbox;
	let api: ReturnType<typeof gitbeaker>;
	beforeAll(async () => {
		sb = await start();
		api = gitbeaker(sb);
	});
	afterAll(() => sb.close());

	it('a change of the same line on main conflicts; a change elsewhere merges cleanly', async () => {
		await proposeEdit(api, 'a', 'docker_hpa_max_replicas', 10);
		await proposeEdit(api, 'b', 'docker_hpa_min_replicas', 3);
		await api.MergeRequests.create(P, 'a', 'main', 'max 10');
		await api.MergeRequests.create(P, 'b', 'main', 'min 3');
		await advance(sb, 40);
		// Someone sets the same variable on main, and a far-away one.
		await controlOk(sb, '/gitops/commit', { stack: 'gitlab-runners', set: { docker_hpa_max_replicas: 12 } });
		const a = (await api.MergeRequests.show(P, 1)) as any;
		expect(a).toMatchObject({ has_conflicts: true, detailed_merge_status: 'conflict', merge_status: 'cannot_be_merged' });
		await expect(api.MergeRequests.merge(P, 1)).rejects.toMatchObject({ status: 405 });
		// docker_hpa_min_replicas is on the line next to it: git calls that a conflict too.
		expect(((await api.MergeRequests.show(P, 2)) as any).has_conflicts).toBe(true);

		await controlOk(sb, '/gitops/commit', { stack: 'gitlab-runners', set: { docker_hpa_max_replicas: 8 } });
		expect(((await api.MergeRequests.show(P, 1)) as any).has_conflicts).toBe(false);
		await proposeEdit(api, 'c', 'nix_hpa_max_replicas', 7);
		const c = (await api.MergeRequests.create(P, 'c', 'main', 'nix 7')) as any;
		await controlOk(sb, '/gitops/commit', { stack: 'gitlab-runners', set: { dind_hpa_max_replicas: 5 } });
		await advance(sb, 40);
		const merged = (await api.MergeRequests.merge(P, c.iid)) as any;
		expect(merged.state).toBe('merged');
		const raw = (await api.RepositoryFiles.showRaw(P, TFVARS, 'main')) as string;
		expect(raw).toMatch(/^nix_hpa_max_replicas\s+= 7$/m);
		expect(raw).toMatch(/^dind_hpa_max_replicas\s+= 5$/m);
		// The conflict control: unmergeable whatever git says, until cleared.
		await controlOk(sb, '/gitops/conflict', { forge: 'gitlab', id: 1 });
		expect(((await api.MergeRequests.show(P, 1)) as any).detailed_merge_status).toBe('conflict');
		await controlOk(sb, '/gitops/conflict', { forge: 'gitlab', id: 1, conflict: false });
		expect(((await api.MergeRequests.show(P, 1)) as any).has_conflicts).toBe(false);
	});

	it('a failed plan blocks the merge until a new pipeline passes; a push starts one and cancels the old', async () => {
		// Let the last merge's pipeline finish first: the fault fails the next plan to finish.
		await advance(sb, 80);
		await controlOk(sb, '/gitops/fail-job', { forge: 'gitlab', job: 'plan' });
		await proposeEdit(api, 'd', 'nix_hpa_max_replicas', 9);
		const mr = (await api.MergeRequests.create(P, 'd', 'main', 'nix 9')) as any;
		await advance(sb, 40);
		const [pl] = (await api.MergeRequests.allPipelines(P, mr.iid)) as any[];
		expect(pl.status).toBe('failed');
		const [job] = (await api.Jobs.all(P, { pipelineId: pl.id })) as any[];
		expect(job).toMatchObject({ status: 'failed', failure_reason: 'script_failure' });
		expect(await api.Jobs.showLog(P, job.id)).toContain('ERROR: Job failed: exit code 1');
		expect(((await api.MergeRequests.show(P, mr.iid)) as any).detailed_merge_status).toBe('ci_must_pass');
		await expect(api.MergeRequests.merge(P, mr.iid)).rejects.toMatchObject({ status: 405 });

		// A push to the source branch: a new pipeline; a second push cancels it.
		await controlOk(sb, '/gitops/commit', { stack: 'gitlab-runners', set: { nix_hpa_max_replicas: 10 }, branch: 'd' });
		await advance(sb, 10);
		await controlOk(sb, '/gitops/commit', { stack: 'gitlab-runners', set: { nix_hpa_max_replicas: 11 }, branch: 'd' });
		const pls = (await api.MergeRequests.allPipelines(P, mr.iid)) as any[];
		expect(pls.map((p) => p.status)).toEqual(['created', 'canceled', 'failed']);
		// A named pipeline's apply can be made to fail too, and an auto-merge waits for the pipeline.
		const waiting = (await api.MergeRequests.merge(P, mr.iid, { mergeWhenPipelineSucceeds: true })) as any;
		expect(waiting).toMatchObject({ state: 'opened', merge_when_pipeline_succeeds: true });
		await advance(sb, 40);
		const merged = (await api.MergeRequests.show(P, mr.iid)) as any;
		expect(merged.state).toBe('merged');
		const [mainPl] = (await api.Pipelines.all(P, { ref: 'main' })) as any[];
		await controlOk(sb, '/gitops/fail-job', { forge: 'gitlab', job: 'apply', pipeline_id: mainPl.id });
		await advance(sb, 80);
		const jobs = (await api.Jobs.all(P, { pipelineId: mainPl.id })) as any[];
		expect(jobs.map((j) => j.status)).toEqual(['success', 'failed']);
		expect((await control(sb, '/gitops/fail-job', { forge: 'gitlab', job: 'apply', pipeline_id: mainPl.id })).status).toBe(409);
	});

	it('a merge request refused after its branch was made leaves the branch for the caller to clean up', async () => {
		await controlOk(sb, '/gitops/fail-next', { forge: 'gitlab', op: 'create_merge_request' });
		await proposeEdit(api, 'e', 'docker_concurrent_jobs', 14);
		const before = (await changes(sb)).merge_requests.length;
		await expect(api.MergeRequests.create(P, 'e', 'main', 'refused')).rejects.toMatchObject({ status: 500, body: { message: '500 Internal Server Error' } });
		const truth = await changes(sb);
		expect(truth.merge_requests.length).toBe(before);
		expect(truth.orphan_branches).toEqual(['e']);
		// Once only: the retry goes through; or the caller deletes the branch.
		await api.Branches.remove(P, 'e');
		expect((await changes(sb)).orphan_branches).toEqual([]);
		expect((await control(sb, '/gitops/fail-next', { forge: 'gitlab', op: 'nope' })).status).toBe(400);
	});
});
