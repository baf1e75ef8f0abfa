// What the change flow asks of a forge: a branch from an exact commit, one commit of a
// file, a merge request (GitLab) or pull request (GitHub), and what became of it — its
// pipeline or checks, the merge, the apply pipeline on the default branch. One interface
// over gitbeaker and Octokit, so the change service is the same for both forges.
import { createHash } from 'node:crypto';
import type { Forge, PipelineView, ProposalObservation } from '$lib/core/changes';

export interface OpenedProposal {
	number: number;
	url: string;
}

export interface ProposalState extends ProposalObservation {
	/** The source branch's head commit as the forge sees it. */
	headCommit: string | null;
}

/** Which pipeline on the default branch: the one a merge started, or one run on request (a re-apply). */
export type Trigger = 'merge' | 'run';

export interface ChangeForge {
	readonly forge: Forge;
	/** GitLab project id or path, GitHub `owner/repo`. */
	readonly repository: string;
	/** Why the configured token cannot write to the repository, or null when it can (or the forge does not say). */
	writeRefusal(): Promise<string | null>;
	/** The commit a branch points at. */
	headOf(branch: string): Promise<string>;
	createBranch(name: string, commit: string): Promise<void>;
	deleteBranch(name: string): Promise<void>;
	/** One commit on `branch` setting `path` to `content` (`previous`: the text it replaces, null when the file is new); returns the commit id. */
	commitFile(c: { branch: string; path: string; content: string; previous: string | null; message: string }): Promise<string>;
	openProposal(p: { branch: string; target: string; title: string; description: string; labels: string[] }): Promise<OpenedProposal>;
	proposal(number: number): Promise<ProposalState>;
	/** The newest pipeline on `target` for `commit` started by `trigger`, or null when there is none yet. */
	targetPipeline(target: string, commit: string, trigger: Trigger): Promise<PipelineView | null>;
	pipeline(id: number): Promise<PipelineView>;
	/** Runs the pipeline (plan and apply) on `target`; the run when the forge names it. */
	runPipeline(target: string): Promise<PipelineView | null>;
}

/** git's id of a blob with this text (`git hash-object`): what GitHub's contents API calls the file's `sha`. */
export function gitBlobId(text: string): string {
	const bytes = Buffer.from(text, 'utf8');
	return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** A GitLab pipeline status in the change flow's words. */
export function gitlabPipelineStatus(status: string): PipelineView['status'] {
	switch (status) {
		case 'running':
			return 'running';
		case 'success':
			return 'success';
		case 'failed':
			return 'failed';
		case 'canceled':
		case 'skipped':
			return 'canceled';
		default:
			// created, waiting_for_resource, preparing, pending, scheduled, manual
			return 'pending';
	}
}

/** A GitHub workflow run's or check run's status and conclusion in the change flow's words. */
export function githubRunStatus(status: string | null, conclusion: string | null): PipelineView['status'] {
	if (status !== 'completed') return status === 'in_progress' ? 'running' : 'pending';
	switch (conclusion) {
		case 'success':
		case 'neutral':
			return 'success';
		case 'cancelled':
		case 'skipped':
			return 'canceled';
		default:
			// failure, timed_out, action_required, startup_failure, stale
			return 'failed';
	}
}
