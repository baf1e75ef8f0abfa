// The change flow on GitLab, through gitbeaker: branches, a commit, the merge request,
// its head pipeline, and pipelines on the default branch.
import type { PipelineView } from '$lib/core/changes';
import type { GitlabClient } from '../gitlab/client';
import { UpstreamError } from '../errors';
import { gitlabPipelineStatus, type ChangeForge, type OpenedProposal, type ProposalState, type Trigger } from './forge';

type PipelineLike = { id: number | string; status: string; web_url?: string | null };

const view = (p: PipelineLike): PipelineView => ({ id: Number(p.id), status: gitlabPipelineStatus(p.status), url: p.web_url ?? null });

export class GitlabForge implements ChangeForge {
	readonly forge = 'gitlab' as const;
	readonly repository: string;

	constructor(
		private client: GitlabClient,
		private source: string,
		private project: string | number
	) {
		this.repository = String(project);
	}

	async writeRefusal(): Promise<string | null> {
		let scopes: string[];
		try {
			scopes = ((await this.client.PersonalAccessTokens.show()) as { scopes?: string[] }).scopes ?? [];
		} catch (e) {
			// Not a personal, project or group access token (an OAuth token, an older GitLab): the writes will tell.
			if (e instanceof UpstreamError && e.status !== undefined && e.status < 500) return null;
			throw e;
		}
		if (scopes.includes('api')) return null;
		return `the GitLab token of source "${this.source}" has the scopes ${scopes.join(', ') || '(none)'}; proposing changes needs a token with the api scope (and Developer access to project ${this.project})`;
	}

	async headOf(branch: string): Promise<string> {
		return (await this.client.Branches.show(this.project, branch)).commit.id as string;
	}

	async createBranch(name: string, commit: string): Promise<void> {
		await this.client.Branches.create(this.project, name, commit);
	}

	async deleteBranch(name: string): Promise<void> {
		await this.client.Branches.remove(this.project, name);
	}

	async commitFile(c: { branch: string; path: string; content: string; previous: string | null; message: string }): Promise<string> {
		const commit = await this.client.Commits.create(this.project, c.branch, c.message, [{ action: c.previous === null ? 'create' : 'update', filePath: c.path, content: c.content }]);
		return commit.id as string;
	}

	async openProposal(p: { branch: string; target: string; title: string; description: string; labels: string[] }): Promise<OpenedProposal> {
		const mr = await this.client.MergeRequests.create(this.project, p.branch, p.target, p.title, {
			description: p.description,
			...(p.labels.length ? { labels: p.labels.join(',') } : {}),
			removeSourceBranch: true
		});
		return { number: Number(mr.iid), url: String(mr.web_url) };
	}

	async proposal(iid: number): Promise<ProposalState> {
		const mr = (await this.client.MergeRequests.show(this.project, iid)) as Record<string, unknown>;
		const state = mr.state === 'merged' ? 'merged' : mr.state === 'opened' || mr.state === 'locked' ? 'open' : 'closed';
		const head = (mr.sha as string | null) ?? null;
		let pipeline = (mr.head_pipeline as PipelineLike | null) ?? null;
		if (!pipeline && state === 'open') {
			// head_pipeline lags a push on some GitLab versions: the newest pipeline of the merge request for its head.
			const all = (await this.client.MergeRequests.allPipelines(this.project, iid)) as (PipelineLike & { sha?: string })[];
			pipeline = all.find((p) => p.sha === head) ?? null;
		}
		return {
			state,
			conflict: mr.has_conflicts === true,
			pipeline: pipeline ? view(pipeline) : null,
			mergeCommit: ((mr.merge_commit_sha ?? mr.squash_commit_sha) as string | null) ?? null,
			headCommit: head
		};
	}

	async targetPipeline(target: string, commit: string, trigger: Trigger): Promise<PipelineView | null> {
		const list = (await this.client.Pipelines.all(this.project, { ref: target, sha: commit, orderBy: 'id', sort: 'desc', perPage: 20, maxPages: 1 })) as (PipelineLike & { source?: string })[];
		const wanted = trigger === 'merge' ? (s: string | undefined) => s === 'push' || s === undefined : (s: string | undefined) => s === 'api' || s === 'web' || s === undefined;
		const found = list.find((p) => wanted(p.source));
		return found ? view(found) : null;
	}

	async pipeline(id: number): Promise<PipelineView> {
		return view((await this.client.Pipelines.show(this.project, id)) as PipelineLike);
	}

	async runPipeline(target: string): Promise<PipelineView | null> {
		return view((await this.client.Pipelines.create(this.project, target)) as PipelineLike);
	}
}
