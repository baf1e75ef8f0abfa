// Change requests: what the dashboard proposed to a stack through git, and where each
// one stands. The states follow the proposal from its merge/pull request through the
// pipeline, the merge, the apply on the default branch and the drift check that
// proves the values landed. Pure: the tracker feeds in what the forge and drift say.

export const CHANGE_STATES = [
	'open',
	'pipeline_running',
	'pipeline_passed',
	'pipeline_failed',
	'merged',
	'applied',
	'verified',
	'closed',
	'conflict',
	'failed'
] as const;
export type ChangeState = (typeof CHANGE_STATES)[number];

/** `edit`: values set from the form, the API or the CLI; `adopt`: a live value taken into git; `reapply`: the apply pipeline run again on the default branch. */
export const CHANGE_KINDS = ['edit', 'adopt', 'reapply'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export type Forge = 'gitlab' | 'github';

/** The merge/pull request is still open on the forge. */
export const OPEN_STATES: readonly ChangeState[] = ['open', 'pipeline_running', 'pipeline_passed', 'pipeline_failed', 'conflict'];

/** States the tracker still follows; the others are final. */
export const TRACKED_STATES: readonly ChangeState[] = [...OPEN_STATES, 'merged', 'applied'];

export const isOpen = (s: ChangeState) => OPEN_STATES.includes(s);
export const isTracked = (s: ChangeState) => TRACKED_STATES.includes(s);

/** One variable a change sets: its value before (the tfvars value, the variables.tf default, or unset) and after. */
export interface ChangedValue {
	name: string;
	old: unknown;
	old_from: 'tfvars' | 'default' | 'unset';
	new: unknown;
}

export const PIPELINE_STATUSES = ['pending', 'running', 'success', 'failed', 'canceled'] as const;

/** A CI pipeline (GitLab) or workflow run (GitHub) as the tracker last saw it. */
export interface PipelineView {
	id: number;
	status: (typeof PIPELINE_STATUSES)[number];
	url: string | null;
}

/** What the forge says about an open proposal. */
export interface ProposalObservation {
	state: 'open' | 'merged' | 'closed';
	/** Unmergeable because of conflicts with its target. */
	conflict: boolean;
	/** The latest pipeline of its head commit, if any. */
	pipeline: PipelineView | null;
	mergeCommit: string | null;
}

export interface Transition {
	state: ChangeState;
	reason: string | null;
}

const PIPELINE_STATE: Record<PipelineView['status'], ChangeState> = {
	pending: 'pipeline_running',
	running: 'pipeline_running',
	success: 'pipeline_passed',
	failed: 'pipeline_failed',
	canceled: 'pipeline_failed'
};

/** The state of a proposal from what its forge says. */
export function proposalTransition(o: ProposalObservation): Transition {
	if (o.state === 'merged') return { state: 'merged', reason: null };
	if (o.state === 'closed') return { state: 'closed', reason: 'closed without merging' };
	if (o.conflict) return { state: 'conflict', reason: 'the branch conflicts with its target; resolve it on the forge or close it and propose again' };
	if (!o.pipeline) return { state: 'open', reason: null };
	const state = PIPELINE_STATE[o.pipeline.status];
	return { state, reason: state === 'pipeline_failed' ? `pipeline ${o.pipeline.id} ${o.pipeline.status}` : null };
}

/** After the merge (or a re-apply): the apply pipeline on the default branch, and whether the state's serial moved since the proposal. */
export function applyTransition(pipeline: PipelineView | null, serialMoved: boolean | null): Transition | null {
	if (!pipeline) return null;
	if (pipeline.status === 'failed' || pipeline.status === 'canceled') return { state: 'failed', reason: `apply pipeline ${pipeline.id} ${pipeline.status}` };
	if (pipeline.status !== 'success') return null;
	// A passed pipeline that did not record a new state applied nothing (yet): keep waiting.
	if (serialMoved === false) return null;
	return { state: 'applied', reason: null };
}

/** How an operator reads a state. */
export const STATE_LABEL: Record<ChangeState, string> = {
	open: 'open',
	pipeline_running: 'pipeline running',
	pipeline_passed: 'pipeline passed',
	pipeline_failed: 'pipeline failed',
	merged: 'merged, waiting for apply',
	applied: 'applied, checking drift',
	verified: 'verified',
	closed: 'closed',
	conflict: 'conflict',
	failed: 'failed'
};

/** What the forge calls a proposal: a merge request on GitLab, a pull request on GitHub. */
export function proposalWord(forge: Forge | null): 'merge request' | 'pull request' {
	return forge === 'github' ? 'pull request' : 'merge request';
}

/** The forge's name for a proposal and its number: `!12` on GitLab, `#12` on GitHub. */
export function proposalRef(forge: Forge, number: number | null): string | null {
	if (number === null) return null;
	return forge === 'gitlab' ? `!${number}` : `#${number}`;
}

/** What the drift check says, as far as verifying a change needs it. */
export interface DriftView {
	/** When the declared files and state were last read. */
	read_at: string | null;
	items: { key: string; stack: string; env: string; variable: string | null; class: string }[];
	errors: { stack: string; env: string }[];
	stacks: { name: string; revision: string | null }[];
}

export interface AppliedChange {
	kind: ChangeKind;
	stack: string;
	env: string;
	variables: { name: string }[];
	drift_item: string | null;
	base_commit: string | null;
	applied_at: string | null;
}

/**
 * True when a drift check made after the apply — its files read at a commit other than
 * the one the change was made from — finds no drift left for what the change set: its
 * variables (an edit), the adopted item (an adoption), or anything git should have put
 * in place (a re-apply: no unapplied or out-of-band items in the stack's environment).
 */
export function driftCleared(c: AppliedChange, d: DriftView): boolean {
	if (!c.applied_at || !d.read_at || d.read_at <= c.applied_at) return false;
	if (d.errors.some((e) => e.stack === c.stack && e.env === c.env)) return false;
	const revision = d.stacks.find((s) => s.name === c.stack)?.revision;
	if (c.kind !== 'reapply' && revision !== null && revision !== undefined && revision === c.base_commit) return false;
	const mine = d.items.filter((i) => i.stack === c.stack && i.env === c.env);
	if (c.kind === 'reapply') return !mine.some((i) => i.class === 'unapplied' || i.class === 'out-of-band');
	const names = new Set(c.variables.map((v) => v.name));
	return !mine.some((i) => (i.variable !== null && names.has(i.variable)) || i.key === c.drift_item);
}
