// The change flow on the GitOps repository, behind both forges: merge requests /
// pull requests, their pipelines (`plan` on the proposal's head, `plan` + `apply` on the
// default branch after a merge, which runs the sandbox's `tofu apply`), merging as git
// does (a three-way merge; conflicts refuse it), and the events webhooks deliver.
// Pushes to a proposal's source branch start a new pipeline for it (older unfinished
// ones are cancelled, as GitLab's redundant-pipeline setting does); other pushes start
// none. The default branch requires the `plan` job to have passed before a merge.

import type { World } from '../sim/world.js';
import { applyStackNow, planStackNow } from './apply.js';
import { mergeTrees } from './diff.js';
import { GitOpsError } from './gitops.js';
import { hclParserReady, loadHclParser } from './hcl-read.js';
import { applyText, planSummary, planText, targets, touchedStacks } from './plan.js';
import { Pipelines, TIMINGS, pipelineFinished, type Forge, type Job, type JobName, type JobOutcome, type Pipeline, type PipelineEvent, type PipelineSource } from './pipelines.js';
import { MAX_LABELS, Proposals, type Proposal } from './proposals.js';
import { RepoError, type Commit, type Person } from './repo.js';
import { STACKS } from './stacks.js';
import { Webhooks } from './webhooks.js';

/** API calls the control API can make fail once (or a few times). */
export const FAULT_OPS = {
	gitlab: ['create_branch', 'delete_branch', 'create_commit', 'create_merge_request', 'update_merge_request', 'merge', 'create_pipeline'],
	github: ['create_ref', 'update_ref', 'delete_ref', 'put_contents', 'create_pull_request', 'update_pull_request', 'merge', 'add_labels', 'dispatch']
} as const;
export type FaultOp = (typeof FAULT_OPS)[Forge][number];

export type ProposalAction = 'open' | 'close' | 'reopen' | 'merge' | 'push' | 'labels' | 'edit';

export type FlowEvent =
	| {
			kind: 'proposal';
			forge: Forge;
			action: ProposalAction;
			proposal: Proposal;
			at: number;
			/** push: the source head before. */
			before?: string;
			/** labels: what was added and removed; edit: the previous title. */
			added?: string[];
			removed?: string[];
			previousLabels?: string[];
			previousTitle?: string;
	  }
	| PipelineEvent;

export type FlowErrorCode =
	| 'not_found'
	| 'invalid'
	| 'source_missing'
	| 'target_missing'
	| 'same_branch'
	| 'duplicate'
	| 'no_commits'
	| 'limit'
	| 'not_open'
	| 'draft'
	| 'conflict'
	| 'ci_running'
	| 'ci_failed'
	| 'sha_mismatch'
	| 'merge_failed'
	| 'method_not_allowed';

/** A refused flow operation; each forge words it its own way. */
export class FlowError extends Error {
	constructor(
		readonly code: FlowErrorCode,
		message: string,
		readonly existing?: number
	) {
		super(message);
	}
}

/** `checking`: no pipeline for the head yet (just opened or pushed; it is being created). */
export type MergeStatus = 'mergeable' | 'not_open' | 'draft' | 'source_missing' | 'conflict' | 'checking' | 'ci_running' | 'ci_failed';

export interface Mergeability {
	status: MergeStatus;
	conflict: boolean;
	/** The proposal's latest pipeline. */
	pipeline: Pipeline | undefined;
}

export interface MergeOptions {
	sha?: string;
	message?: string;
	squash?: boolean;
	/** GitHub's merge_method rebase (refused: the repository allows merge and squash). */
	rebase?: boolean;
	removeSourceBranch?: boolean;
	/** GitLab: merge when the pipeline succeeds if it is still running. */
	auto?: boolean;
}

/** The forge itself, as the author of merge commits. */
const FORGE_AUTHOR: Record<Forge, Person> = {
	gitlab: { name: 'Sandbox Admin', email: 'sandbox-admin@sandbox.invalid' },
	github: { name: 'GitHub Enterprise', email: 'noreply@github.sandbox.invalid' }
};

const RUNNER_VERSION = { gitlab: 'gitlab-runner 17.5.2 (c6eae8a4)', github: 'actions/runner 2.323.0' };

export class ChangeFlow {
	readonly proposals = new Proposals();
	readonly pipelines: Pipelines;
	readonly webhooks: Webhooks;
	private readonly listeners: ((e: FlowEvent) => void)[] = [];
	private readonly opFaults = new Map<string, { remaining: number; status: number }>();
	private readonly jobFaults: Record<Forge, Record<JobName, number>> = { gitlab: { plan: 0, apply: 0 }, github: { plan: 0, apply: 0 } };
	/** Simulated time while a step runs (world.now() is only right between steps). */
	private stepAt: number | null = null;

	constructor(readonly world: World) {
		this.pipelines = new Pipelines(
			(p, j, at) => this.runJob(p, j, at),
			(e) => this.pipelineEvent(e),
			(p, j) => this.preamble(p, j)
		);
		world.gitops.repo.onBranchMove((branch, before, after) => this.branchMoved(branch, before, after));
		this.webhooks = new Webhooks(this);
	}

	get repo() {
		return this.world.gitops.repo;
	}

	now(): number {
		return this.stepAt ?? this.world.now();
	}

	onEvent(fn: (e: FlowEvent) => void): void {
		this.listeners.push(fn);
	}

	private emit(e: FlowEvent): void {
		for (const fn of this.listeners) fn(e);
	}

	// --- faults ---

	/** The next `times` calls of `op` on `forge` fail with `status`. */
	failNext(forge: Forge, op: FaultOp, status: number, times: number): void {
		this.opFaults.set(`${forge}:${op}`, { remaining: times, status });
	}

	/** Consumes a pending fault for `op`: the status to answer with, or undefined to go on. */
	takeFault(forge: Forge, op: FaultOp): number | undefined {
		const key = `${forge}:${op}`;
		const f = this.opFaults.get(key);
		if (!f) return undefined;
		if (--f.remaining <= 0) this.opFaults.delete(key);
		return f.status;
	}

	/** The next `name` job to finish on `forge` fails. */
	failNextJob(forge: Forge, name: JobName): void {
		this.jobFaults[forge][name]++;
	}

	/** A named pipeline's job fails when it finishes; refused when it already has. */
	failJob(forge: Forge, pipelineId: number, name: JobName): Job {
		const p = this.pipelines.get(forge, pipelineId);
		if (!p) throw new GitOpsError(404, `no ${forge} pipeline ${pipelineId}`);
		const job = p.jobs.find((j) => j.name === name);
		if (!job) throw new GitOpsError(404, `pipeline ${pipelineId} has no ${name} job`);
		if (job.finishedAt !== null) throw new GitOpsError(409, `the ${name} job of pipeline ${pipelineId} has already finished (${job.status})`);
		job.failRequested = true;
		return job;
	}

	// --- proposals ---

	proposal(forge: Forge, number: number): Proposal {
		const p = this.proposals.get(forge, number);
		if (!p) throw new FlowError('not_found', 'Not found');
		return p;
	}

	/** Opens a merge request / pull request of `source` into `target`. */
	open(forge: Forge, init: { source: string; target: string; title: string; description?: string; labels?: string[]; draft?: boolean; removeSourceBranch?: boolean }): Proposal {
		const repo = this.repo;
		if (init.source === init.target) throw new FlowError('same_branch', "You can't use same project/branch for source and target");
		const source = repo.branches.get(init.source);
		if (!source) throw new FlowError('source_missing', `Source branch "${init.source}" does not exist`);
		const target = repo.branches.get(init.target);
		if (!target) throw new FlowError('target_missing', `Target branch "${init.target}" does not exist`);
		const dup = this.proposals.list(forge).find((p) => p.state === 'opened' && p.sourceBranch === init.source && p.targetBranch === init.target);
		if (dup) throw new FlowError('duplicate', `Another open merge request already exists for this source branch: !${dup.number}`, dup.number);
		if (forge === 'github' && repo.ancestors(target).has(source)) throw new FlowError('no_commits', `No commits between ${init.target} and ${init.source}`);
		if (!this.proposals.makeRoom(forge)) throw new FlowError('limit', `The sandbox keeps at most 500 open ${forge === 'gitlab' ? 'merge' : 'pull'} requests; close some first`);
		const at = this.now();
		const p = this.proposals.add(
			forge,
			{
				title: init.title,
				description: init.description ?? '',
				sourceBranch: init.source,
				targetBranch: init.target,
				labels: uniqueLabels(init.labels ?? []),
				draft: init.draft ?? /^(\[draft\]|\(draft\)|draft:|draft\s-\s)/i.test(init.title),
				headSha: source,
				startSha: target,
				removeSourceBranch: init.removeSourceBranch ?? false
			},
			at
		);
		this.emit({ kind: 'proposal', forge, action: 'open', proposal: p, at });
		this.proposalPipeline(p, at);
		return p;
	}

	/** Title, description, labels, target, open/closed. */
	update(
		forge: Forge,
		number: number,
		change: { title?: string; description?: string; labels?: string[]; addLabels?: string[]; removeLabels?: string[]; state?: 'close' | 'reopen'; targetBranch?: string; removeSourceBranch?: boolean }
	): Proposal {
		const p = this.proposal(forge, number);
		const at = this.now();
		if (change.targetBranch !== undefined && change.targetBranch !== p.targetBranch) {
			if (!this.repo.branches.has(change.targetBranch)) throw new FlowError('target_missing', `Target branch "${change.targetBranch}" does not exist`);
			p.targetBranch = change.targetBranch;
		}
		if (change.removeSourceBranch !== undefined) p.removeSourceBranch = change.removeSourceBranch;
		if (change.description !== undefined) p.description = change.description;
		if (change.title !== undefined && change.title !== p.title) {
			const previousTitle = p.title;
			p.title = change.title;
			p.updatedAt = at;
			this.emit({ kind: 'proposal', forge, action: 'edit', proposal: p, at, previousTitle });
		}
		if (change.labels !== undefined || change.addLabels !== undefined || change.removeLabels !== undefined) {
			const before = [...p.labels];
			let next = change.labels !== undefined ? uniqueLabels(change.labels) : [...p.labels];
			if (change.addLabels) next = uniqueLabels([...next, ...change.addLabels]);
			if (change.removeLabels) next = next.filter((l) => !change.removeLabels?.includes(l));
			if (next.length > MAX_LABELS) throw new FlowError('invalid', `at most ${MAX_LABELS} labels`);
			const added = next.filter((l) => !before.includes(l));
			const removed = before.filter((l) => !next.includes(l));
			p.labels = next;
			if (added.length > 0 || removed.length > 0) {
				p.updatedAt = at;
				this.emit({ kind: 'proposal', forge, action: 'labels', proposal: p, at, added, removed, previousLabels: before });
			}
		}
		if (change.state === 'close' && p.state === 'opened') {
			p.state = 'closed';
			p.closedAt = at;
			p.updatedAt = at;
			p.autoMerge = null;
			this.emit({ kind: 'proposal', forge, action: 'close', proposal: p, at });
		} else if (change.state === 'reopen' && p.state === 'closed') {
			const head = this.repo.branches.get(p.sourceBranch);
			if (!head) throw new FlowError('source_missing', `Source branch "${p.sourceBranch}" does not exist`);
			p.state = 'opened';
			p.closedAt = null;
			p.updatedAt = at;
			const moved = head !== p.headSha;
			p.headSha = head;
			this.emit({ kind: 'proposal', forge, action: 'reopen', proposal: p, at });
			if (moved) this.proposalPipeline(p, at);
		}
		return p;
	}

	comment(forge: Forge, number: number, body: string) {
		const p = this.proposal(forge, number);
		return this.proposals.addNote(p, body, this.now());
	}

	/** Marks a proposal as conflicting (or clears it), whatever git says. */
	setConflict(forge: Forge, number: number, conflict: boolean): Proposal {
		const p = this.proposal(forge, number);
		p.forcedConflict = conflict;
		return p;
	}

	/** The source head, or undefined when the branch is gone. */
	sourceHead(p: Proposal): Commit | undefined {
		const id = this.repo.branches.get(p.sourceBranch);
		return id ? this.repo.commit(id) : undefined;
	}

	/** The commits a proposal's diff is between: merge base and head (what was merged, once merged). */
	diffRefs(p: Proposal): { base: Commit; head: Commit; start: Commit } {
		const repo = this.repo;
		const head = (p.state === 'opened' ? this.sourceHead(p) : undefined) ?? (repo.commit(p.headSha) as Commit);
		const start = p.state === 'opened' ? (repo.resolve(p.targetBranch) ?? (repo.commit(p.startSha) as Commit)) : (repo.commit(p.startSha) as Commit);
		const baseId = p.mergedBaseSha ?? repo.mergeBase(start.id, head.id)?.id ?? start.id;
		return { base: repo.commit(baseId) as Commit, head, start };
	}

	latestPipeline(p: Proposal): Pipeline | undefined {
		let latest: Pipeline | undefined;
		for (const x of this.pipelines.list(p.forge)) if (x.proposal === p.number && (!latest || x.id > latest.id)) latest = x;
		return latest;
	}

	/** Whether git can merge it: false when the three-way merge of source into target conflicts (or a conflict is forced). */
	conflicts(p: Proposal): boolean {
		if (p.forcedConflict) return true;
		if (p.state !== 'opened') return false;
		const head = this.sourceHead(p);
		const target = this.repo.resolve(p.targetBranch);
		if (!head || !target) return false;
		const key = `${target.id}:${head.id}`;
		if (p.mergeCheck?.key !== key) {
			const base = this.repo.mergeBase(target.id, head.id);
			p.mergeCheck = { key, conflict: !base || mergeTrees(base.files, target.files, head.files) === null };
		}
		return p.mergeCheck.conflict;
	}

	mergeability(p: Proposal): Mergeability {
		const pipeline = this.latestPipeline(p);
		const conflict = this.conflicts(p);
		const status = ((): MergeStatus => {
			if (p.state !== 'opened') return 'not_open';
			if (p.draft) return 'draft';
			if (!this.sourceHead(p)) return 'source_missing';
			if (conflict) return 'conflict';
			if (!pipeline || pipeline.sha !== p.headSha) return 'checking';
			if (pipeline.status === 'failed' || pipeline.status === 'canceled') return 'ci_failed';
			if (!pipelineFinished(pipeline)) return 'ci_running';
			return 'mergeable';
		})();
		return { status, conflict, pipeline };
	}

	/**
	 * Merges as the forge's merge button does. GitLab's order of refusals: not mergeable
	 * (405) before a stale `sha` (409); a GitLab auto-merge waits for a running pipeline.
	 * Answers whether it merged now (false: scheduled to merge when the pipeline passes).
	 */
	merge(forge: Forge, number: number, opts: MergeOptions): { proposal: Proposal; merged: boolean } {
		const p = this.proposal(forge, number);
		if (opts.rebase) throw new FlowError('method_not_allowed', 'Rebase merges are not allowed on this repository.');
		const m = this.mergeability(p);
		const shaMismatch = opts.sha !== undefined && opts.sha !== p.headSha;
		if (forge === 'github' && shaMismatch) throw new FlowError('sha_mismatch', 'Head branch was modified. Review and try the merge again.');
		const waits = opts.auto === true && m.status === 'ci_running';
		if (m.status !== 'mergeable' && !waits) throw new FlowError(m.status === 'ci_running' || m.status === 'checking' ? 'ci_running' : m.status === 'ci_failed' ? 'ci_failed' : m.status === 'draft' ? 'draft' : m.status === 'conflict' ? 'conflict' : 'not_open', mergeMessage(m));
		if (shaMismatch) throw new FlowError('sha_mismatch', `SHA does not match HEAD of source branch: ${p.headSha}`);
		if (waits) {
			p.autoMerge = { message: opts.message, squash: opts.squash ?? false, removeSourceBranch: opts.removeSourceBranch };
			p.updatedAt = this.now();
			return { proposal: p, merged: false };
		}
		this.mergeNow(p, opts, this.now());
		return { proposal: p, merged: true };
	}

	private mergeNow(p: Proposal, opts: MergeOptions, at: number): void {
		const repo = this.repo;
		const head = this.sourceHead(p) as Commit;
		const target = repo.resolve(p.targetBranch) as Commit;
		const base = repo.mergeBase(target.id, head.id);
		const files = base ? mergeTrees(base.files, target.files, head.files) : null;
		if (!files) throw new FlowError('merge_failed', 'Branch cannot be merged');
		const author = FORGE_AUTHOR[p.forge];
		const message =
			opts.message ??
			(p.forge === 'gitlab'
				? `Merge branch '${p.sourceBranch}' into '${p.targetBranch}'\n\n${p.title}\n\nSee merge request ${'platform/gitops'}!${p.number}`
				: opts.squash
					? `${p.title} (#${p.number})`
					: `Merge pull request #${p.number} from sandbox-org/${p.sourceBranch}\n\n${p.title}`);
		const commit = opts.squash
			? repo.commitTree({ files, parentIds: [target.id], message, author, at })
			: repo.commitTree({ files, parentIds: [target.id, head.id], message, author, at });
		p.state = 'merged';
		p.mergedAt = at;
		p.updatedAt = at;
		p.headSha = head.id;
		p.mergedBaseSha = base?.id ?? target.id;
		p.startSha = target.id;
		p.mergeCommitSha = commit.id;
		p.squashCommitSha = opts.squash ? commit.id : null;
		p.autoMerge = null;
		repo.moveBranch(p.targetBranch, commit.id);
		this.emit({ kind: 'proposal', forge: p.forge, action: 'merge', proposal: p, at });
		this.startPipeline(p.forge, {
			commit,
			before: target,
			ref: p.targetBranch,
			source: 'push',
			proposal: null,
			stacks: touchedStacks(target.files, commit.files),
			at
		});
		if (opts.removeSourceBranch ?? p.removeSourceBranch) repo.deleteBranch(p.sourceBranch);
	}

	// --- pipelines ---

	/** A pipeline on `ref`'s head, run by hand (GitLab `POST /pipeline`, GitHub workflow dispatch): every stack. */
	run(forge: Forge, ref: string, source: PipelineSource): Pipeline {
		const commit = this.repo.resolve(ref);
		if (!commit || !this.repo.branches.has(ref)) throw new FlowError('invalid', `Reference not found`);
		return this.startPipeline(forge, { commit, before: commit, ref, source, proposal: null, stacks: [...STACKS], at: this.now() });
	}

	private startPipeline(forge: Forge, o: { commit: Commit; before: Commit; ref: string; source: PipelineSource; proposal: number | null; stacks: Pipeline['stacks']; at: number }): Pipeline {
		const branch = o.ref;
		return this.pipelines.create({
			forge,
			sha: o.commit.id,
			beforeSha: o.before.id,
			ref: o.source === 'merge_request_event' ? `refs/merge-requests/${o.proposal}/head` : branch,
			branch,
			source: o.source,
			proposal: o.proposal,
			stacks: o.stacks,
			apply: branch === this.repo.defaultBranch && o.source !== 'merge_request_event' && o.source !== 'pull_request',
			at: o.at
		});
	}

	/** A new pipeline for an open proposal's head (GitLab `POST /merge_requests/:iid/pipelines`). */
	rerun(forge: Forge, number: number): Pipeline {
		const p = this.proposal(forge, number);
		if (p.state !== 'opened') throw new FlowError('not_open', 'the merge request is not open');
		if (!this.sourceHead(p)) throw new FlowError('source_missing', `Source branch "${p.sourceBranch}" does not exist`);
		return this.proposalPipeline(p, this.now());
	}

	/** The proposal's pipeline for its current head; older unfinished ones are cancelled. */
	private proposalPipeline(p: Proposal, at: number): Pipeline {
		for (const old of this.pipelines.list(p.forge)) if (old.proposal === p.number && !pipelineFinished(old)) this.pipelines.cancel(old, at);
		const { base, head } = this.diffRefs(p);
		return this.startPipeline(p.forge, {
			commit: head,
			before: base,
			ref: p.sourceBranch,
			source: p.forge === 'gitlab' ? 'merge_request_event' : 'pull_request',
			proposal: p.number,
			stacks: touchedStacks(base.files, head.files),
			at
		});
	}

	private branchMoved(branch: string, _before: string | undefined, after: string | undefined): void {
		const at = this.now();
		for (const forge of ['gitlab', 'github'] as const) {
			for (const p of this.proposals.list(forge)) {
				if (p.state !== 'opened' || p.sourceBranch !== branch) continue;
				if (after === undefined) {
					// GitHub closes a pull request whose head branch is deleted; a GitLab merge request stays open.
					if (forge === 'github') this.update(forge, p.number, { state: 'close' });
					continue;
				}
				if (after === p.headSha) continue;
				const before = p.headSha;
				p.headSha = after;
				p.updatedAt = at;
				this.emit({ kind: 'proposal', forge, action: 'push', proposal: p, at, before });
				this.proposalPipeline(p, at);
			}
		}
	}

	private pipelineEvent(e: PipelineEvent): void {
		this.emit(e);
		if (e.kind !== 'pipeline' || e.pipeline.status !== 'success' || e.pipeline.proposal === null) return;
		const p = this.proposals.get(e.pipeline.forge, e.pipeline.proposal);
		if (!p?.autoMerge || p.state !== 'opened' || e.pipeline.sha !== p.headSha) return;
		const auto = p.autoMerge;
		try {
			this.mergeNow(p, { message: auto.message, squash: auto.squash, removeSourceBranch: auto.removeSourceBranch }, e.at);
		} catch (err) {
			if (!(err instanceof FlowError || err instanceof RepoError)) throw err;
			p.autoMerge = null;
			this.proposals.addNote(p, `aborted the automatic merge because ${err.message}`, e.at, true);
		}
	}

	/** Moves pipelines on to `t1` (called from World.advance). */
	step(_t0: number, t1: number): void {
		this.stepAt = t1;
		try {
			this.pipelines.step(t1);
		} finally {
			this.stepAt = null;
		}
	}

	private preamble(p: Pipeline, job: Job): string {
		const short = p.sha.slice(0, 8);
		if (p.forge === 'github') {
			return [
				`Current runner version: '${RUNNER_VERSION.github.split(' ')[1]}'`,
				`Runner name: 'gh-docker-runner'`,
				`Job: ${job.name}`,
				`Checking out ${short} (${p.branch})`,
				''
			].join('\n');
		}
		return [
			`Running with ${RUNNER_VERSION.gitlab}`,
			'  on docker-runner platform-gitops',
			'Preparing the "kubernetes" executor',
			'Using Kubernetes namespace: gitlab-runners',
			'Getting source from Git repository',
			`Checking out ${short} as detached HEAD (ref is ${p.ref})...`,
			'Executing "step_script" stage of the job script',
			''
		].join('\n');
	}

	private runJob(p: Pipeline, job: Job, at: number): JobOutcome {
		if (!hclParserReady()) {
			loadHclParser().catch(() => undefined);
			return { ok: false, log: '', retry: true };
		}
		const commit = this.repo.commit(p.sha) as Commit;
		const injected = job.failRequested || this.jobFaults[p.forge][job.name] > 0;
		if (!job.failRequested && injected) this.jobFaults[p.forge][job.name]--;
		const out: string[] = [];
		const end = (ok: boolean, reason?: string): JobOutcome => {
			out.push(ok ? (p.forge === 'gitlab' ? 'Cleaning up project directory and file based variables\nJob succeeded\n' : 'Job succeeded\n') : 'ERROR: Job failed: exit code 1\n');
			return { ok, log: out.join('\n'), failureReason: reason };
		};
		if (p.stacks.length === 0) out.push('No stack under tofu/stacks/ changed: nothing to plan.\n');
		for (const t of targets(p.stacks)) {
			const dir = `tofu/stacks/${t.stack}`;
			out.push(`$ tofu -chdir=${dir} init -input=false\nInitializing the backend...\nOpenTofu has been successfully initialized!\n`);
			out.push(`$ tofu -chdir=${dir} ${job.name} -input=false -var-file=${t.env}.tfvars${job.name === 'apply' ? ' -auto-approve' : ''}`);
			if (injected) {
				out.push(`╷\n│ Error: Kubernetes cluster unreachable: Get "https://10.96.0.1:443/version": dial tcp 10.96.0.1:443: i/o timeout\n╵\n(failure injected with POST /_sandbox/gitops/fail-job)\n`);
				return end(false, 'script_failure');
			}
			try {
				if (job.name === 'plan') {
					const plan = planStackNow(this.world, t.stack, t.env, commit);
					out.push(planText(plan));
				} else {
					out.push(applyText(applyStackNow(this.world, t.stack, t.env, { commit, at })));
				}
			} catch (err) {
				if (!(err instanceof GitOpsError)) throw err;
				out.push(`╷\n│ Error: ${err.message}\n╵\n`);
				return end(false, 'script_failure');
			}
		}
		return end(true);
	}

	/** What `plan` would print for a proposal's stacks right now (`Plan: …` per stack). */
	planSummary(p: Pipeline): string {
		const m = /Plan: .*|No changes\..*/g;
		const job = p.jobs.find((j) => j.name === 'plan');
		const found = job?.log.match(m);
		return found && found.length > 0 ? found.join(' ') : planSummary([]);
	}

	// --- ground truth ---

	truth() {
		const repo = this.repo;
		const proposals = (forge: Forge) => this.proposals.list(forge);
		const referenced = new Set([...proposals('gitlab'), ...proposals('github')].map((p) => p.sourceBranch));
		const branches = [...repo.branches.keys()].sort();
		const summary = (p: Proposal) => {
			const m = this.mergeability(p);
			return {
				number: p.number,
				title: p.title,
				state: p.state,
				source_branch: p.sourceBranch,
				target_branch: p.targetBranch,
				sha: p.headSha,
				labels: [...p.labels],
				merge_status: m.status,
				has_conflicts: m.conflict,
				merge_commit_sha: p.mergeCommitSha,
				pipeline: m.pipeline ? { id: m.pipeline.id, status: m.pipeline.status } : null
			};
		};
		return {
			default_branch: repo.defaultBranch,
			branches: branches.map((name) => ({ name, commit: repo.branches.get(name), default: name === repo.defaultBranch })),
			orphan_branches: branches.filter((b) => b !== repo.defaultBranch && !referenced.has(b)),
			merge_requests: proposals('gitlab').map(summary),
			pull_requests: proposals('github').map(summary),
			pipelines: this.pipelines.list().map((p) => ({
				forge: p.forge,
				id: p.id,
				ref: p.ref,
				sha: p.sha,
				source: p.source,
				status: p.status,
				stacks: [...p.stacks],
				proposal: p.proposal,
				created_at: new Date(p.createdAt).toISOString(),
				jobs: p.jobs.map((j) => ({ id: j.id, name: j.name, status: j.status }))
			})),
			pending_faults: {
				ops: Object.fromEntries([...this.opFaults].map(([k, v]) => [k, v])),
				jobs: this.jobFaults
			},
			webhooks: this.webhooks.summary()
		};
	}
}

function uniqueLabels(labels: readonly string[]): string[] {
	return [...new Set(labels.map((l) => l.trim()).filter((l) => l.length > 0))];
}

function mergeMessage(m: Mergeability): string {
	switch (m.status) {
		case 'not_open':
			return 'the merge request is not open';
		case 'draft':
			return 'the merge request is a draft';
		case 'source_missing':
			return 'the source branch does not exist';
		case 'conflict':
			return 'the merge request has conflicts';
		case 'ci_running':
			return 'the pipeline has not finished';
		case 'ci_failed':
			return 'the pipeline did not succeed';
		case 'checking':
			return 'the pipeline has not started yet';
		default:
			return 'not mergeable';
	}
}

export { TIMINGS };
