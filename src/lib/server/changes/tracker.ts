// Follows every change still in flight on its forge, on an interval and at once when a
// webhook says something happened: the merge/pull request's pipeline or checks, the
// merge, then the apply pipeline on the default branch and the state's serial moving
// (applied), then a drift check after the apply with nothing left for those values
// (verified). Each move is stored and published as the live event `changes`.
import { applyTransition, driftCleared, isOpen, proposalTransition, TRACKED_STATES, type DriftView, type PipelineView } from '$lib/core/changes';
import { messageOf } from '$lib/core/errors';
import { UpstreamError } from '$lib/sources/errors';
import type { Store } from '../store';
import type { Change, ChangePatch } from '../store/changes';
import { Poller } from '../sync/poller';
import type { Logger } from '../telemetry/logger';
import type { ChangeTarget } from './targets';

/** A proposal still without its merge/pull request after this long was interrupted (a restart mid-way). */
const INTERRUPTED_MS = 10 * 60_000;

export interface TrackerDeps {
	store: Store;
	logger: Logger;
	targets: Map<string, ChangeTarget>;
	intervalMs: number;
	/** The current drift; null without drift. */
	drift: (() => DriftView) | null;
	/** Asks drift to read git and state again now (after an apply). */
	refreshDrift: () => void;
	serialOf: SerialOf;
	publish: (c: Change) => void;
	now?: () => Date;
}

type SerialOf = (t: ChangeTarget, env: string) => Promise<number | null>;

const samePipeline = (a: PipelineView | null, b: PipelineView | null) => a?.id === b?.id && a?.status === b?.status;

export class ChangeTracker {
	private poller: Poller;
	private soon: NodeJS.Timeout | undefined;
	private now: () => Date;

	constructor(private deps: TrackerDeps) {
		this.now = deps.now ?? (() => new Date());
		this.poller = new Poller({
			name: 'changes',
			intervalMs: deps.intervalMs,
			cycle: () => this.cycle(),
			onError: (e) => deps.logger.warn({ err: messageOf(e) }, 'following changes failed; trying again')
		});
	}

	start(): this {
		this.poller.start();
		return this;
	}

	/** Follows the changes now (a webhook arrived, a change was made); bursts coalesce into one cycle. */
	poke(): void {
		if (this.soon) return;
		this.soon = setTimeout(() => {
			this.soon = undefined;
			void this.poller.runNow();
		}, 200);
		this.soon.unref?.();
	}

	/** One pass over every change in flight. A change whose forge fails stays as it was; a rate limit backs the poller off. */
	async cycle(): Promise<void> {
		const changes = await this.deps.store.changes.inStates(TRACKED_STATES);
		// Changes applied by the same pipeline wait on the same state: its serial is read once a cycle.
		const serials = new Map<string, Promise<number | null>>();
		const serialOf: SerialOf = (t, env) => {
			const key = `${t.stack.name}\u0000${env}`;
			let serial = serials.get(key);
			if (!serial) serials.set(key, (serial = this.deps.serialOf(t, env)));
			return serial;
		};
		let limited: UpstreamError | null = null;
		for (const c of changes) {
			try {
				await this.advance(c, serialOf);
			} catch (e) {
				if (e instanceof UpstreamError && e.kind === 'rate_limited') limited = e;
				this.deps.logger.warn({ change: c.id, err: messageOf(e) }, 'could not follow a change');
			}
		}
		if (limited) throw limited;
	}

	private async save(c: Change, patch: ChangePatch): Promise<Change> {
		const moved = patch.state !== undefined && patch.state !== c.state;
		const pipelineMoved = (patch.pipeline !== undefined && !samePipeline(patch.pipeline, c.pipeline)) || (patch.apply_pipeline !== undefined && !samePipeline(patch.apply_pipeline, c.apply_pipeline));
		const differs = Object.entries(patch).some(([k, v]) => JSON.stringify(v ?? null) !== JSON.stringify((c as unknown as Record<string, unknown>)[k] ?? null));
		if (!differs) return c;
		const next = (await this.deps.store.changes.update(c.id, patch, this.now().toISOString())) ?? c;
		if (moved || pipelineMoved) this.deps.publish(next);
		return next;
	}

	private async advance(start: Change, serialOf: SerialOf): Promise<void> {
		const t = this.deps.targets.get(start.stack);
		const forge = t?.forge;
		if (!t || !forge || forge.forge !== start.forge) return;
		let c = start;
		const now = () => this.now().toISOString();

		if (c.kind !== 'reapply' && isOpen(c.state)) {
			if (c.number === null) {
				// Still being proposed, or interrupted before its merge/pull request existed.
				if (Date.parse(c.created_at) > this.now().getTime() - INTERRUPTED_MS) return;
				if (c.branch) await forge.deleteBranch(c.branch).catch(() => {});
				await this.save(c, { state: 'failed', reason: 'interrupted before the merge/pull request was opened', idempotency_key: null });
				return;
			}
			const seen = await forge.proposal(c.number);
			const next = proposalTransition(seen);
			const patch: ChangePatch = { state: next.state, pipeline: seen.pipeline, ...(seen.headCommit && seen.headCommit !== c.head_commit ? { head_commit: seen.headCommit } : {}) };
			if (next.reason !== c.reason) patch.reason = next.reason;
			if (next.state === 'merged') Object.assign(patch, { merge_commit: seen.mergeCommit ?? seen.headCommit, merged_at: now(), idempotency_key: null });
			if (next.state === 'closed') patch.idempotency_key = null;
			c = await this.save(c, patch);
		}

		const applying = (c.kind === 'reapply' && c.state === 'pipeline_running') || (c.kind !== 'reapply' && c.state === 'merged');
		if (applying && c.merge_commit) {
			const pipeline = c.apply_pipeline ? await forge.pipeline(c.apply_pipeline.id) : await forge.targetPipeline(c.target_branch, c.merge_commit, c.kind === 'reapply' ? 'run' : 'merge');
			let serialMoved: boolean | null = null;
			let serial: number | null = null;
			// A re-apply of what already runs records no new state; an edit's apply must.
			if (pipeline?.status === 'success' && c.state_serial !== null && c.kind !== 'reapply') {
				serial = await serialOf(t, c.env);
				serialMoved = serial === null ? null : serial > c.state_serial;
			}
			const next = applyTransition(pipeline, serialMoved);
			const patch: ChangePatch = { apply_pipeline: pipeline };
			if (next) Object.assign(patch, { state: next.state, reason: next.reason, ...(next.state === 'applied' ? { applied_at: now() } : {}) });
			else if (serialMoved === false) patch.reason = `apply pipeline ${pipeline!.id} passed but the state's serial is still ${serial}: nothing applied yet`;
			c = await this.save(c, patch);
			// The files and state drift last read are from before the apply: read them again now.
			if (c.state === 'applied') this.deps.refreshDrift();
		}

		if (c.state === 'applied' && this.deps.drift && driftCleared(c, this.deps.drift())) {
			await this.save(c, { state: 'verified', reason: null, verified_at: now() });
		}
	}

	async stop(): Promise<void> {
		clearTimeout(this.soon);
		await this.poller.stop();
	}
}
