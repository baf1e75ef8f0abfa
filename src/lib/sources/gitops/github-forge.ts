// The change flow on GitHub, through Octokit: a ref, a contents commit, the pull
// request (labels added after it opens), its check runs, and workflow runs of the
// default branch (the push a merge makes, or a workflow dispatch for a re-apply).
import type { PipelineView } from '$lib/core/changes';
import type { GithubClient } from '../github/client';
import { githubError, oauthScopes } from '../github/client';
import { gitBlobId, githubRunStatus, type ChangeForge, type OpenedProposal, type ProposalState, type Trigger } from './forge';

type Run = { id: number; status: string | null; conclusion: string | null; html_url: string; event?: string };

const runView = (r: Run): PipelineView => ({ id: r.id, status: githubRunStatus(r.status, r.conclusion), url: r.html_url });

export class GithubForge implements ChangeForge {
	readonly forge = 'github' as const;
	private owner: string;
	private repo: string;

	constructor(
		private client: GithubClient,
		private source: string,
		readonly repository: string,
		/** The workflow a re-apply dispatches (file name or id). */
		private workflow: string
	) {
		[this.owner, this.repo] = repository.split('/') as [string, string];
	}

	/** Octokit's errors as UpstreamErrors (the status, the wait a rate limit asks for). */
	private async call<T>(fn: () => Promise<T>): Promise<T> {
		try {
			return await fn();
		} catch (e) {
			throw githubError(this.source, e);
		}
	}

	async writeRefusal(): Promise<string | null> {
		let header: unknown;
		let isPrivate = true;
		try {
			const res = await this.client.repos.get({ owner: this.owner, repo: this.repo });
			header = res.headers['x-oauth-scopes'];
			isPrivate = res.data.private;
		} catch (e) {
			// Without `repo` a private repository is not even visible (404): the scopes header still says why.
			header = (e as { response?: { headers?: Record<string, unknown> } }).response?.headers?.['x-oauth-scopes'];
			const status = (e as { status?: number }).status;
			if (typeof header !== 'string' || (status !== 404 && status !== 403)) throw githubError(this.source, e);
		}
		// Classic and OAuth tokens list their scopes; fine-grained tokens and apps do not (their writes will tell).
		const scopes = oauthScopes(header);
		if (scopes === null) return null;
		if (scopes.includes('repo') || (scopes.includes('public_repo') && !isPrivate)) return null;
		return `the GitHub token of source "${this.source}" has the scopes ${scopes.join(', ') || '(none)'}; proposing changes to ${this.repository} needs the repo scope (or Contents and Pull requests: write)`;
	}

	async headOf(branch: string): Promise<string> {
		return (await this.call(() => this.client.git.getRef({ owner: this.owner, repo: this.repo, ref: `heads/${branch}` }))).data.object.sha;
	}

	async createBranch(name: string, commit: string): Promise<void> {
		await this.call(() => this.client.git.createRef({ owner: this.owner, repo: this.repo, ref: `refs/heads/${name}`, sha: commit }));
	}

	async deleteBranch(name: string): Promise<void> {
		await this.call(() => this.client.git.deleteRef({ owner: this.owner, repo: this.repo, ref: `heads/${name}` }));
	}

	async commitFile(c: { branch: string; path: string; content: string; previous: string | null; message: string }): Promise<string> {
		const res = await this.call(() =>
			this.client.repos.createOrUpdateFileContents({
				owner: this.owner,
				repo: this.repo,
				path: c.path,
				branch: c.branch,
				message: c.message,
				content: Buffer.from(c.content, 'utf8').toString('base64'),
				// The blob being replaced: GitHub refuses the write (409) if the branch holds anything else.
				...(c.previous === null ? {} : { sha: gitBlobId(c.previous) })
			})
		);
		return res.data.commit.sha!;
	}

	async openProposal(p: { branch: string; target: string; title: string; description: string; labels: string[] }): Promise<OpenedProposal> {
		const pr = (await this.call(() => this.client.pulls.create({ owner: this.owner, repo: this.repo, head: p.branch, base: p.target, title: p.title, body: p.description }))).data;
		if (p.labels.length) await this.call(() => this.client.issues.addLabels({ owner: this.owner, repo: this.repo, issue_number: pr.number, labels: p.labels }));
		return { number: pr.number, url: pr.html_url };
	}

	async proposal(number: number): Promise<ProposalState> {
		const pr = (await this.call(() => this.client.pulls.get({ owner: this.owner, repo: this.repo, pull_number: number }))).data;
		const state = pr.merged ? 'merged' : pr.state === 'open' ? 'open' : 'closed';
		let pipeline: PipelineView | null = null;
		if (state === 'open') {
			const checks = (await this.call(() => this.client.checks.listForRef({ owner: this.owner, repo: this.repo, ref: pr.head.sha, per_page: 100 }))).data.check_runs;
			pipeline = checksView(checks);
		}
		return { state, conflict: pr.mergeable_state === 'dirty', pipeline, mergeCommit: pr.merged ? (pr.merge_commit_sha ?? null) : null, headCommit: pr.head.sha };
	}

	async targetPipeline(target: string, commit: string, trigger: Trigger): Promise<PipelineView | null> {
		const event = trigger === 'merge' ? 'push' : 'workflow_dispatch';
		const runs = (await this.call(() => this.client.actions.listWorkflowRunsForRepo({ owner: this.owner, repo: this.repo, branch: target, head_sha: commit, event, per_page: 20 }))).data.workflow_runs;
		const newest = [...runs].sort((a, b) => b.id - a.id)[0];
		return newest ? runView(newest) : null;
	}

	async pipeline(id: number): Promise<PipelineView> {
		return runView((await this.call(() => this.client.actions.getWorkflowRun({ owner: this.owner, repo: this.repo, run_id: id }))).data);
	}

	async runPipeline(target: string): Promise<PipelineView | null> {
		// A dispatch answers 204 without naming its run: the run is the newest dispatched one on the branch after it.
		const newest = async () =>
			(await this.call(() => this.client.actions.listWorkflowRunsForRepo({ owner: this.owner, repo: this.repo, branch: target, event: 'workflow_dispatch', per_page: 20 }))).data.workflow_runs.reduce(
				(m: Run | null, r: Run) => (m === null || r.id > m.id ? r : m),
				null
			);
		const before = (await newest())?.id ?? 0;
		await this.call(() => this.client.actions.createWorkflowDispatch({ owner: this.owner, repo: this.repo, workflow_id: this.workflow, ref: target }));
		for (let i = 0; i < 5; i++) {
			const run = await newest();
			if (run && run.id > before) return runView(run);
			await new Promise((r) => setTimeout(r, 500));
		}
		return null;
	}
}

/** The checks of a commit as one pipeline: failed if any failed, running while any runs, passed when all passed. */
export function checksView(checks: { id: number; status: string; conclusion: string | null; html_url: string | null; name: string }[]): PipelineView | null {
	// A job skipped by its condition (apply on a pull request) says nothing about the change.
	const counted = checks.filter((c) => c.conclusion !== 'skipped');
	if (counted.length === 0) return null;
	const views = counted.map((c) => ({ id: c.id, status: githubRunStatus(c.status, c.conclusion), url: c.html_url, name: c.name }));
	const pick = (s: PipelineView['status']) => views.find((v) => v.status === s);
	const chosen = pick('failed') ?? pick('canceled') ?? pick('running') ?? pick('pending') ?? views.find((v) => v.name === 'plan') ?? views[0]!;
	return { id: chosen.id, status: chosen.status, url: chosen.url };
}
