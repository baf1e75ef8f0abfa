// Dead weight: the preview of runners silent for longer than N days, and their deletion
// in bulk by an admin. Each deletion is its own upstream call (GitLab DELETE /runners/:id
// through gitbeaker, GitHub DELETE …/actions/runners/:id through Octokit) with its own
// outcome and audit record; a runner that is no longer dead weight when the deletion
// runs (it came back) is left alone.
import { z } from 'zod';
import { deadWeight, deleteConfirmation, offlineTransitions, type DeadRunner } from '$lib/core/dead-weight';
import { messageOf } from '$lib/core/errors';
import { mapLimit } from '$lib/core/map-limit';
import { parseRunnerId, type Runner } from '$lib/core/runner';
import type { AppContext } from '../app';
import type { Actor } from './actor';
import { audit } from './audit';
import { DomainError } from './errors';
import type { RunnerOfflineStore } from '../store/offline-since';

export const MAX_DELETE = 500;
const CONCURRENCY = 4;
/** How often GitHub runners are looked at for when they went offline (GitHub does not say). */
const OBSERVE_EVERY_MS = 30_000;

export const deleteBody = z.strictObject({
	ids: z.array(z.string().max(300)).min(1, 'give at least one runner id').max(MAX_DELETE, `at most ${MAX_DELETE} runners at once`),
	offline_days: z.number().int().min(1).max(3650).meta({ description: 'The N of the preview: a runner is deleted only while it is still silent for longer than this.' }),
	confirm: z.string().max(100).meta({ description: 'Typed confirmation: exactly `delete <count> runners` (`delete 1 runner`), the count being the number of ids.' })
});

export const DELETE_RESULTS = ['deleted', 'not_dead_weight', 'not_found', 'upstream_error', 'invalid_id'] as const;
export const deleteOutcomeSchema = z.object({ id: z.string(), name: z.string().nullable(), result: z.enum(DELETE_RESULTS), message: z.string().optional() });
export type DeleteOutcome = z.infer<typeof deleteOutcomeSchema>;

export type DeadWeightDeps = Pick<AppContext, 'config' | 'fleet' | 'gitlab' | 'github' | 'bus' | 'logger' | 'store'> & {
	/** The first-seen-offline times, shared by the replicas through the store. */
	offline: RunnerOfflineStore;
	/** Only the replica that polls GitHub (the leader) notes transitions. */
	/** The term this replica leads in, or null while it does not lead. */
	leadingTerm: () => number | null;
};

export class DeadWeight {
	/** The leader's copy of the stored times, so a steady fleet costs no query; dropped when it stops leading. */
	private known: { term: number; since: Map<string, number> } | null = null;
	private observing: Promise<void> | undefined;
	private timer: NodeJS.Timeout;

	constructor(private deps: DeadWeightDeps) {
		this.timer = setInterval(() => void this.observe().catch((e) => this.deps.logger.warn({ err: messageOf(e) }, 'runner offline times not written')), OBSERVE_EVERY_MS);
		this.timer.unref();
	}

	/**
	 * On the leader: stores when each GitHub runner was first seen offline and forgets it when
	 * it comes back or is gone, writing only on those transitions. A fenced write: a leader
	 * whose term is over writes nothing (and reloads when it leads again).
	 */
	observe(now = Date.now()): Promise<void> {
		this.observing ??= this.note(now).finally(() => (this.observing = undefined));
		return this.observing;
	}

	private async note(now: number): Promise<void> {
		const term = this.deps.leadingTerm();
		if (term === null) {
			this.known = null;
			return;
		}
		// Another leader may have written between two of this replica's terms: a new term reloads.
		if (this.known?.term !== term) this.known = { term, since: await this.deps.offline.load() };
		const known = this.known.since;
		const changes = offlineTransitions(known, this.deps.fleet.values(), (s) => this.deps.fleet.hasSource(s), now);
		if (!changes.set.length && !changes.clear.length) return;
		try {
			await this.deps.offline.apply(changes);
		} catch (e) {
			this.known = null;
			throw e;
		}
		for (const [id, since] of changes.set) known.set(id, since);
		for (const id of changes.clear) known.delete(id);
	}

	/** The same answer on every replica: the times come from the store, after the leader noted the latest transitions. */
	async preview(days: number, forge?: string): Promise<DeadRunner[]> {
		await this.observe().catch((e) => this.deps.logger.warn({ err: messageOf(e) }, 'runner offline times not written'));
		// The leader's copy is the table as of its last look (its writes keep it so); other replicas read the table.
		const since = this.known !== null && this.known.term === this.deps.leadingTerm() ? this.known.since : await this.deps.offline.load();
		const runners = [...this.deps.fleet.values()].filter((r) => !forge || r.forge === forge);
		return deadWeight(runners, days, Date.now(), (id) => since.get(id));
	}

	async delete(actor: Actor, body: z.infer<typeof deleteBody>): Promise<DeleteOutcome[]> {
		const ids = [...new Set(body.ids)];
		const want = deleteConfirmation(ids.length);
		if (body.confirm.trim() !== want) throw new DomainError('invalid', 'confirmation_mismatch', `type "${want}" to confirm deleting these runners`);
		const dead = new Set((await this.preview(body.offline_days)).map((r) => r.id));
		return mapLimit(ids, CONCURRENCY, async (id): Promise<DeleteOutcome> => {
			if (!parseRunnerId(id)) return { id, name: null, result: 'invalid_id', message: 'runner ids look like gitlab:<source>:<number>' };
			const runner = this.deps.fleet.get(id);
			if (!runner) return { id, name: null, result: 'not_found', message: `no runner ${id}` };
			if (!dead.has(id)) {
				await audit(this.deps.store, actor, 'runner.delete', id, 'failure', { name: runner.name, reason: 'not_dead_weight', offline_days: body.offline_days });
				return { id, name: runner.name, result: 'not_dead_weight', message: `${runner.name} has been heard from within ${body.offline_days} days; left alone` };
			}
			try {
				await this.deleteUpstream(runner);
			} catch (e) {
				const message = messageOf(e);
				this.deps.logger.warn({ runner: id, err: message }, 'runner.delete failed');
				await audit(this.deps.store, actor, 'runner.delete', id, 'failure', { name: runner.name, error: message });
				return { id, name: runner.name, result: 'upstream_error', message };
			}
			// Its stored offline time goes with the leader's next look at the fleet.
			this.deps.fleet.remove(id);
			this.deps.bus.publish('runners.delta', { source: runner.source, upserted: [], removed: [id] });
			await audit(this.deps.store, actor, 'runner.delete', id, 'success', { name: runner.name, status: runner.status, contacted_at: runner.contacted_at, offline_days: body.offline_days });
			return { id, name: runner.name, result: 'deleted' };
		});
	}

	private async deleteUpstream(r: Runner): Promise<void> {
		if (r.forge === 'gitlab') {
			const g = this.deps.gitlab.get(r.source);
			if (!g) throw new Error(`no GitLab source ${r.source}`);
			await g.client.Runners.remove({ runnerId: r.upstream_id });
			g.sync.invalidate(r.upstream_id);
			return;
		}
		const g = this.deps.github.get(r.source);
		const cfg = this.deps.config.sources.find((s) => s.name === r.source);
		if (!g || cfg?.kind !== 'github') throw new Error(`no GitHub source ${r.source}`);
		const scope = cfg.github.scope;
		if ('org' in scope && r.type === 'organization') {
			await g.client.request('DELETE /orgs/{org}/actions/runners/{runner_id}', { org: scope.org, runner_id: r.upstream_id });
			return;
		}
		if ('repos' in scope) {
			// The runner model does not say which repository a runner is registered to: ask each.
			for (const full of scope.repos) {
				const [owner, repo] = full.split('/') as [string, string];
				try {
					await g.client.request('DELETE /repos/{owner}/{repo}/actions/runners/{runner_id}', { owner, repo, runner_id: r.upstream_id });
					return;
				} catch (e) {
					if ((e as { status?: number }).status !== 404) throw e;
				}
			}
			throw new Error(`runner ${r.upstream_id} is registered to none of ${scope.repos.join(', ')}`);
		}
		throw new Error('deleting enterprise runners is not supported');
	}

	stop(): void {
		clearInterval(this.timer);
	}
}
