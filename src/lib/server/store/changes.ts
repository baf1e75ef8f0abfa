// Change requests as stored: one row per proposal, updated as the tracker follows it;
// and the webhook deliveries already taken (a delivery id seen twice is a replay).
import type { Generated, Kysely } from 'kysely';
import type { ChangedValue, ChangeKind, ChangeState, Forge, PipelineView } from '$lib/core/changes';
import type { Database } from './schema';

export interface ChangesTable {
	id: Generated<number>;
	kind: ChangeKind;
	stack: string;
	env: string;
	forge: Forge;
	source: string;
	/** GitLab project id or path, or GitHub `owner/repo`. */
	repository: string;
	/** The tfvars file inside the repository. */
	file: string;
	title: string;
	/** The default branch the proposal targets (and the apply runs on). */
	target_branch: string;
	/** The commit the operator saw (the form's revision), when given. */
	seen_commit: string | null;
	/** The commit the branch was made from. */
	base_commit: string | null;
	branch: string | null;
	head_commit: string | null;
	number: number | null;
	url: string | null;
	/** JSON of ChangedValue[]. */
	variables: string;
	diff: string;
	state: ChangeState;
	reason: string | null;
	/** JSON of the proposal's latest PipelineView. */
	pipeline: string | null;
	/** JSON of the apply pipeline's PipelineView on the default branch. */
	apply_pipeline: string | null;
	merge_commit: string | null;
	/** The state's serial when the change was proposed: applied means it moved. */
	state_serial: number | null;
	/** The drift item an adoption takes into git. */
	drift_item: string | null;
	created_by: string;
	created_at: string;
	updated_at: string;
	merged_at: string | null;
	applied_at: string | null;
	verified_at: string | null;
	idempotency_key: string | null;
}

export interface WebhookDeliveriesTable {
	forge: Forge;
	delivery_id: string;
	received_at: string;
}

type Db = Kysely<Database & { changes: ChangesTable; webhook_deliveries: WebhookDeliveriesTable }>;

/** A change as the service and the API see it: the row with its JSON columns read and without its idempotency key. */
export type Change = Omit<ChangesTable, 'id' | 'variables' | 'pipeline' | 'apply_pipeline' | 'idempotency_key'> & {
	id: number;
	variables: ChangedValue[];
	pipeline: PipelineView | null;
	apply_pipeline: PipelineView | null;
};

export type NewChange = Omit<Change, 'id' | 'updated_at' | 'merged_at' | 'applied_at' | 'verified_at' | 'pipeline' | 'apply_pipeline' | 'merge_commit'> & { idempotency_key: string | null };

export type ChangePatch = Partial<Omit<Change, 'id' | 'created_at' | 'created_by' | 'kind' | 'stack' | 'env'>> & { idempotency_key?: string | null };

export interface ChangeQuery {
	page: number;
	perPage: number;
	states?: ChangeState[];
	stack?: string;
	env?: string;
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
const parsed = <T>(v: string | null): T | null => (v === null ? null : (JSON.parse(v) as T));

function fromRow(r: Omit<ChangesTable, 'id'> & { id: number }): Change {
	const { idempotency_key: _key, ...rest } = r;
	return {
		...rest,
		variables: parsed<ChangedValue[]>(r.variables) ?? [],
		pipeline: parsed<PipelineView>(r.pipeline),
		apply_pipeline: parsed<PipelineView>(r.apply_pipeline),
		number: r.number === null ? null : Number(r.number),
		state_serial: r.state_serial === null ? null : Number(r.state_serial)
	};
}

function toColumns(p: ChangePatch): Partial<Omit<ChangesTable, 'id'>> {
	const { variables, pipeline, apply_pipeline, ...rest } = p;
	return {
		...rest,
		...(variables !== undefined ? { variables: JSON.stringify(variables) } : {}),
		...(pipeline !== undefined ? { pipeline: json(pipeline) } : {}),
		...(apply_pipeline !== undefined ? { apply_pipeline: json(apply_pipeline) } : {})
	};
}

export class Changes {
	private db: Db;

	constructor(db: Kysely<Database>) {
		this.db = db as unknown as Db;
	}

	/**
	 * Records a new proposal. When an open one already holds the same idempotency key (the
	 * same stack, env and values, perhaps from a concurrent request), nothing is inserted
	 * and that one is returned with `created: false`.
	 */
	async create(c: NewChange, now: string): Promise<{ change: Change; created: boolean }> {
		const row = await this.db
			.insertInto('changes')
			.values({
				...toColumns(c),
				variables: JSON.stringify(c.variables),
				pipeline: null,
				apply_pipeline: null,
				merge_commit: null,
				updated_at: now,
				merged_at: null,
				applied_at: null,
				verified_at: null
			} as Omit<ChangesTable, 'id'>)
			.onConflict((oc) => oc.column('idempotency_key').doNothing())
			.returningAll()
			.executeTakeFirst();
		if (row) return { change: fromRow(row), created: true };
		const existing = c.idempotency_key ? await this.byKey(c.idempotency_key) : null;
		if (!existing) throw new Error('the change was neither stored nor found by its key');
		return { change: existing, created: false };
	}

	async get(id: number): Promise<Change | null> {
		const r = await this.db.selectFrom('changes').selectAll().where('id', '=', id).executeTakeFirst();
		return r ? fromRow(r) : null;
	}

	/** The open proposal holding this idempotency key. */
	async byKey(key: string): Promise<Change | null> {
		const r = await this.db.selectFrom('changes').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
		return r ? fromRow(r) : null;
	}

	/** Applies `patch`; returns the row as it is now (null when it does not exist). */
	async update(id: number, patch: ChangePatch, now: string): Promise<Change | null> {
		const r = await this.db
			.updateTable('changes')
			.set({ ...toColumns(patch), updated_at: now })
			.where('id', '=', id)
			.returningAll()
			.executeTakeFirst();
		return r ? fromRow(r) : null;
	}

	/** Changes in any of `states`, oldest first (what the tracker follows). */
	async inStates(states: readonly ChangeState[]): Promise<Change[]> {
		if (states.length === 0) return [];
		const rows = await this.db
			.selectFrom('changes')
			.selectAll()
			.where('state', 'in', [...states])
			.orderBy('id')
			.execute();
		return rows.map(fromRow);
	}

	/** Newest first, filtered and paged. */
	async list(q: ChangeQuery): Promise<{ items: Change[]; total: number }> {
		let base = this.db.selectFrom('changes');
		if (q.states?.length) base = base.where('state', 'in', q.states);
		if (q.stack) base = base.where('stack', '=', q.stack);
		if (q.env) base = base.where('env', '=', q.env);
		const [rows, count] = await Promise.all([
			base
				.selectAll()
				.orderBy('id', 'desc')
				.limit(q.perPage)
				.offset((q.page - 1) * q.perPage)
				.execute(),
			base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
		]);
		return { items: rows.map(fromRow), total: Number(count.n) };
	}

	/** Takes a webhook delivery; false when its id was taken before (a replay). */
	async takeDelivery(forge: Forge, deliveryId: string, now: string): Promise<boolean> {
		const r = await this.db
			.insertInto('webhook_deliveries')
			.values({ forge, delivery_id: deliveryId, received_at: now })
			.onConflict((oc) => oc.columns(['forge', 'delivery_id']).doNothing())
			.executeTakeFirst();
		return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
	}

	/** Forgets deliveries received before `before`; returns how many. */
	async pruneDeliveries(before: string): Promise<number> {
		const r = await this.db.deleteFrom('webhook_deliveries').where('received_at', '<', before).executeTakeFirst();
		return Number(r.numDeletedRows ?? 0);
	}
}
