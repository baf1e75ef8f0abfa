// Merge requests (GitLab) and pull requests (GitHub) on the GitOps repository: one
// model for both, since they are the same thing to git — a source branch proposed for
// the default branch, with a title, labels, comments, and a state.

import type { Forge } from './pipelines.js';

export type ProposalState = 'opened' | 'closed' | 'merged';

export interface Note {
	id: number;
	body: string;
	at: number;
	/** GitLab's system notes ("merged", "closed"), written by the forge itself. */
	system: boolean;
}

export interface Proposal {
	forge: Forge;
	/** GitLab `iid`, GitHub `number`. */
	number: number;
	/** Global id. */
	id: number;
	title: string;
	description: string;
	sourceBranch: string;
	targetBranch: string;
	labels: string[];
	state: ProposalState;
	draft: boolean;
	/** Head of the source branch as last seen (frozen once merged or when the branch is gone). */
	headSha: string;
	/** Target head when it was opened (GitLab's `diff_refs.start_sha`). */
	startSha: string;
	/** Merge base when it was merged (its diff stays what was merged). */
	mergedBaseSha: string | null;
	mergeCommitSha: string | null;
	squashCommitSha: string | null;
	createdAt: number;
	updatedAt: number;
	mergedAt: number | null;
	closedAt: number | null;
	/** Set through the control API: unmergeable as if it conflicted. */
	forcedConflict: boolean;
	removeSourceBranch: boolean;
	/** GitLab's auto-merge / merge when the pipeline succeeds. */
	autoMerge: { message?: string; squash: boolean; removeSourceBranch?: boolean } | null;
	notes: Note[];
	/** Memo of the last three-way merge check (target head + source head → conflict). */
	mergeCheck: { key: string; conflict: boolean } | null;
}

/** Proposals kept per forge; the oldest closed or merged ones go first. */
export const MAX_PROPOSALS = 500;
export const MAX_NOTES = 200;
export const MAX_LABELS = 50;

const ID_BASE: Record<Forge, number> = { gitlab: 7_000_000, github: 2_100_000_000 };

export class Proposals {
	private readonly byForge: Record<Forge, Proposal[]> = { gitlab: [], github: [] };
	private readonly next: Record<Forge, number> = { gitlab: 1, github: 1 };
	private nextNote = 1;

	list(forge: Forge): Proposal[] {
		return this.byForge[forge];
	}

	get(forge: Forge, number: number): Proposal | undefined {
		return this.byForge[forge].find((p) => p.number === number);
	}

	/** Room for one more: drops the oldest finished proposal when full; false when every one is still open. */
	makeRoom(forge: Forge): boolean {
		const list = this.byForge[forge];
		if (list.length < MAX_PROPOSALS) return true;
		const i = list.findIndex((p) => p.state !== 'opened');
		if (i < 0) return false;
		list.splice(i, 1);
		return true;
	}

	add(forge: Forge, init: Pick<Proposal, 'title' | 'description' | 'sourceBranch' | 'targetBranch' | 'labels' | 'draft' | 'headSha' | 'startSha' | 'removeSourceBranch'>, at: number): Proposal {
		const number = this.next[forge]++;
		const p: Proposal = {
			...init,
			forge,
			number,
			id: ID_BASE[forge] + number,
			state: 'opened',
			mergedBaseSha: null,
			mergeCommitSha: null,
			squashCommitSha: null,
			createdAt: at,
			updatedAt: at,
			mergedAt: null,
			closedAt: null,
			forcedConflict: false,
			autoMerge: null,
			notes: [],
			mergeCheck: null
		};
		this.byForge[forge].push(p);
		return p;
	}

	addNote(p: Proposal, body: string, at: number, system = false): Note {
		const note: Note = { id: this.nextNote++, body, at, system };
		p.notes.push(note);
		if (p.notes.length > MAX_NOTES) p.notes.splice(0, p.notes.length - MAX_NOTES);
		return note;
	}
}
