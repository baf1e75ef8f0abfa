// Change requests, for every door (the JSON API, the pages, the CLI): propose values for
// a stack's environment, adopt a live value into git, re-run the apply pipeline; read
// the form's schema and the changes. A proposal reads variables.tf and <env>.tfvars at
// the default branch's head, edits the file with the pure tfvars core, makes a branch
// from that exact commit, one commit, and the merge/pull request. Nothing is left
// behind when a step fails: the branch is deleted and the change recorded as failed.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { changeTitle, commitMessage, proposalDescription } from '$lib/core/change-text';
import { proposalWord, TRACKED_STATES, type ChangedValue, type ChangeKind, type ChangeState, type Forge } from '$lib/core/changes';
import { objectLabel } from '$lib/core/drift/engine';
import { messageOf } from '$lib/core/errors';
import { loadHcl, type HclParser, type ParseError, type TypeConstraint, type VariablesFile } from '$lib/core/hcl';
import { displayQuantity } from '$lib/core/quantity';
import { editTfvars, rebaseEdit, type EditResult, type Conflicted } from '$lib/core/tfvars';
import { unifiedDiff } from '$lib/core/tfvars/diff';
import type { ChangeForge } from '$lib/sources/gitops/forge';
import { roleAtLeast, type Role } from '../auth/roles';
import type { ChangesConfig } from '../config';
import type { EventBus } from '../events/bus';
import type { DriftSnapshot } from '../drift/service';
import type { Store } from '../store';
import type { Change, ChangeQuery } from '../store/changes';
import type { Logger } from '../telemetry/logger';
import { tfvarsFile, VARIABLES_FILE, type ChangeTarget } from '../changes/targets';
import { deliveryId, eventName, hookRefs, namedBy, verifyDelivery } from '../changes/webhooks';
import type { Actor } from './actor';
import { writeAudit, writeRepeatedAudit, type AuditEvent } from './audit';
import { DomainError } from './errors';

const variableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,127}$/, 'a variable name');
const commit = z.string().regex(/^[0-9a-f]{7,64}$/, 'a commit id (hex)');

export const proposeBody = z.strictObject({
	stack: z.string().min(1).max(63),
	env: z.string().min(1).max(63),
	set: z
		.record(z.string(), z.unknown())
		.superRefine((s, ctx) => {
			const bad = Object.keys(s).find((k) => !variableName.safeParse(k).success);
			if (bad !== undefined) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(bad.slice(0, 80))} is not a variable name` });
		})
		.refine((s) => Object.keys(s).length > 0, 'set at least one variable')
		.refine((s) => Object.keys(s).length <= 50, 'at most 50 variables in one change')
		.meta({ description: 'Variable name → new value (JSON; converted to the variable’s type as OpenTofu converts input variables).' }),
	title: z.string().max(200).optional(),
	description: z.string().max(10_000).optional().meta({ description: 'Added to the merge/pull request’s description.' }),
	base: commit.optional().meta({ description: 'The commit the values were chosen against (the form’s `revision`). When the branch has moved since, the edit is rebased onto its head, or refused with 409 when the same variables changed.' })
});
export type ProposeInput = z.infer<typeof proposeBody>;

export const adoptBody = z.strictObject({ title: z.string().max(200).optional(), description: z.string().max(10_000).optional() }).prefault({});

export interface ChangeServiceDeps {
	store: Store;
	bus: EventBus;
	logger: Logger;
	config: ChangesConfig;
	/** The dashboard's public origin, for the link back from the merge/pull request. */
	origin: string | undefined;
	targets: Map<string, ChangeTarget>;
	/** The current drift, for adoptions; null without drift. */
	drift: (() => DriftSnapshot) | null;
	/** Asked to follow a change now (the tracker). */
	follow?: () => void;
	now?: () => Date;
}

/** A variable as the form shows it. */
export interface FormVariable {
	name: string;
	type: string | null;
	constraint: TypeConstraint | null;
	description: string | null;
	default: unknown;
	has_default: boolean;
	/** The environment's value (tfvars, else the default); absent for sensitive variables. */
	value?: unknown;
	value_from: 'tfvars' | 'default' | 'unset' | 'hidden';
	sensitive: boolean;
	nullable: boolean;
	editable: boolean;
	/** Why the variable cannot be edited here. */
	reason: string | null;
	validations: { condition: string; error_message: string; checked: boolean; reason: string | null }[];
	line: number;
}

export interface VariablesForm {
	stack: string;
	env: string;
	forge: 'gitlab' | 'github' | null;
	file: string;
	/** The commit read: propose with it as `base`. */
	revision: string | null;
	branch: string;
	proposable: boolean;
	reason: string | null;
	variables: FormVariable[];
	open_changes: { id: number; number: number | null; url: string | null; state: ChangeState; variables: string[] }[];
}

/** The key of an open proposal: the same stack, env and values are the same proposal. */
export function idempotencyKey(stack: string, env: string, set: Record<string, unknown>): string {
	const canonical = (v: unknown): unknown =>
		Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])])) : v;
	return createHash('sha256').update(JSON.stringify([stack, env, canonical(set)])).digest('hex');
}

const changeTarget = (c: Pick<Change, 'id' | 'stack' | 'env'>) => `change:${c.id} ${c.stack}/${c.env}`;

export class ChangeService {
	private hcl: Promise<HclParser> | null = null;
	private now: () => Date;

	constructor(private deps: ChangeServiceDeps) {
		this.now = deps.now ?? (() => new Date());
	}

	private parser(): Promise<HclParser> {
		return (this.hcl ??= loadHcl());
	}

	private audit(actor: Actor, e: AuditEvent) {
		return writeAudit(this.deps.store, this.now(), actor, e);
	}

	private async require(actor: Actor, needs: Role, action: string, target: string | null): Promise<void> {
		if (actor.principal && roleAtLeast(actor.principal.role, needs)) return;
		if (actor.principal) await this.audit(actor, { action, target, outcome: 'denied', detail: { reason: 'role', needs } });
		throw new DomainError('forbidden', 'forbidden', `this needs the ${needs} role`);
	}

	/** Tells the pages (and the tracker) that a change moved. */
	publish(c: Change): void {
		this.deps.bus.publish('changes', { id: c.id, state: c.state, stack: c.stack, env: c.env });
	}

	/** Refused up front, and audited, when the forge says the token cannot write. */
	private async requireWritable(actor: Actor, forge: ChangeForge, action: string, scope: string): Promise<void> {
		const readOnly = await forge.writeRefusal().catch((e: unknown) => {
			throw upstream('checking the token', e);
		});
		if (!readOnly) return;
		await this.audit(actor, { action, target: scope, outcome: 'failure', detail: { code: 'forge_read_only', message: readOnly } });
		throw new DomainError('unsupported', 'forge_read_only', readOnly);
	}

	private target(stack: string, env: string): ChangeTarget {
		const t = this.deps.targets.get(stack);
		if (!t) throw new DomainError('not_found', 'not_found', `no stack "${stack}" is configured (drift.stacks)`);
		if (!t.stack.envs.includes(env)) throw new DomainError('not_found', 'not_found', `stack ${stack} has no environment "${env}" (it has ${t.stack.envs.join(', ')})`);
		return t;
	}

	private forgeOf(t: ChangeTarget): ChangeForge {
		if (!t.forge) throw new DomainError('unsupported', 'local_stack', `stack ${t.stack.name} is read from a local checkout; changes are proposed only to stacks declared on GitLab or GitHub`);
		return t.forge;
	}

	private async variablesAt(t: ChangeTarget, env: string, revision: string | null): Promise<{ revision: string | null; vars: VariablesFile; tfvars: { path: string; text: string | null } }> {
		const names = [VARIABLES_FILE, tfvarsFile(env)];
		const snap = revision && t.declared.readAt ? await t.declared.readAt(names, revision) : await t.declared.read(names);
		const varsFile = snap.files.get(VARIABLES_FILE);
		if (!varsFile) throw new DomainError('conflict', 'stack_unreadable', `${t.dir}/${VARIABLES_FILE} not found in ${t.declared.where}`);
		const parsed = (await this.parser()).parseVariables(varsFile.text, varsFile.path);
		if (!parsed.ok) throw unreadable(parsed.error);
		const tf = snap.files.get(tfvarsFile(env));
		return { revision: snap.revision, vars: parsed.value, tfvars: { path: tf?.path ?? `${t.dir}/${tfvarsFile(env)}`, text: tf?.text ?? null } };
	}

	/** The serial of the environment's state now; null when it cannot be read (applied is then judged by the pipeline alone). */
	async serialOf(t: ChangeTarget, env: string): Promise<number | null> {
		try {
			const { text } = await t.state(env).read();
			const serial = (JSON.parse(text) as { serial?: unknown }).serial;
			return typeof serial === 'number' ? serial : null;
		} catch (e) {
			this.deps.logger.warn({ stack: t.stack.name, env, err: messageOf(e) }, 'state serial not readable');
			return null;
		}
	}

	/** The form's schema: every variable of the stack with the environment's value; sensitive ones without it and not editable. */
	async variables(stack: string, env: string): Promise<VariablesForm> {
		const t = this.target(stack, env);
		const { revision, vars, tfvars } = await this.variablesAt(t, env, null);
		let values: Record<string, { value: unknown }> = {};
		if (tfvars.text !== null) {
			const p = (await this.parser()).parseTfvars(tfvars.text, tfvars.path);
			if (!p.ok) throw unreadable(p.error);
			values = p.value.values;
		}
		const proposable = t.forge !== null;
		const variables = Object.values(vars.variables)
			.sort((a, b) => a.line - b.line)
			.map((v): FormVariable => {
				const set = Object.hasOwn(values, v.name);
				const reason = v.sensitive ? 'sensitive: never shown or edited here' : v.constraint === null ? `type not understood: ${v.typeError}` : null;
				return {
					name: v.name,
					type: v.type,
					constraint: v.constraint,
					description: v.description,
					default: v.sensitive ? undefined : v.default,
					has_default: v.hasDefault,
					...(v.sensitive ? {} : { value: set ? values[v.name]!.value : v.default }),
					value_from: v.sensitive ? 'hidden' : set ? 'tfvars' : v.hasDefault ? 'default' : 'unset',
					sensitive: v.sensitive,
					nullable: v.nullable,
					editable: proposable && reason === null,
					reason,
					validations: v.validations.map((x) => ({ condition: x.condition, error_message: x.errorMessage, checked: x.check !== null, reason: x.uncheckable })),
					line: v.line
				};
			});
		const open = (await this.deps.store.changes.list({ page: 1, perPage: 50, stack, env, states: [...TRACKED_STATES] })).items;
		return {
			stack,
			env,
			forge: t.forge?.forge ?? null,
			file: tfvars.path,
			revision,
			branch: t.branch,
			proposable,
			reason: proposable ? null : `stack ${stack} is read from a local checkout; changes are proposed only to stacks declared on GitLab or GitHub`,
			variables,
			open_changes: open.map((c) => ({ id: c.id, number: c.number, url: c.url, state: c.state, variables: c.variables.map((v) => v.name) }))
		};
	}

	/** The configured stacks and where changes to them go. */
	stacks() {
		return [...this.deps.targets.values()].map((t) => ({
			name: t.stack.name,
			envs: t.stack.envs,
			forge: t.forge?.forge ?? null,
			repository: t.forge?.repository ?? null,
			branch: t.branch,
			proposable: t.forge !== null,
			simulated: t.stack.simulated
		}));
	}

	async get(id: number): Promise<Change> {
		const c = await this.deps.store.changes.get(id);
		if (!c) throw new DomainError('not_found', 'not_found', `no change ${id}`);
		return c;
	}

	list(q: ChangeQuery) {
		return this.deps.store.changes.list(q);
	}

	/** Proposes `set` for a stack's environment; an identical open proposal is answered instead of a second one (`created: false`). */
	async propose(actor: Actor, input: ProposeInput, opts: { kind?: ChangeKind; driftItem?: string; adopted?: string } = {}): Promise<{ change: Change; created: boolean }> {
		const kind = opts.kind ?? 'edit';
		const action = `change.${kind === 'adopt' ? 'adopt' : 'propose'}`;
		const scope = `stack:${input.stack}/${input.env}`;
		await this.require(actor, 'operator', action, scope);
		const t = this.target(input.stack, input.env);
		const forge = this.forgeOf(t);
		const key = idempotencyKey(input.stack, input.env, input.set);
		const existing = await this.deps.store.changes.byKey(key);
		if (existing) return { change: existing, created: false };

		const refuse = async (e: DomainError, detail: Record<string, unknown> = {}): Promise<never> => {
			await this.audit(actor, { action, target: scope, outcome: 'failure', detail: { code: e.code, message: e.message, ...detail } });
			throw e;
		};
		await this.requireWritable(actor, forge, action, scope);

		const head = await forge.headOf(t.branch).catch((e: unknown) => {
			throw upstream(`reading the head of ${t.branch}`, e);
		});
		const { vars, tfvars } = await this.variablesAt(t, input.env, head).catch((e: unknown) => {
			throw e instanceof DomainError ? e : upstream(`reading ${t.dir} at ${head.slice(0, 12)}`, e);
		});
		const hcl = await this.parser();
		const headText = tfvars.text ?? '';
		let edit: EditResult | Conflicted;
		if (input.base && !head.startsWith(input.base)) {
			const at = await t.declared.readAt!([tfvarsFile(input.env)], input.base).catch((e: unknown) => {
				throw upstream(`reading ${tfvars.path} at ${input.base}`, e);
			});
			edit = rebaseEdit(hcl, at.files.get(tfvarsFile(input.env))?.text ?? '', headText, input.set, vars, { file: tfvars.path });
		} else {
			edit = editTfvars(hcl, headText, input.set, vars, { file: tfvars.path });
		}
		if (!edit.ok && edit.reason === 'conflict') {
			const conflicts = edit.conflicts.map((c) => ({ name: c.name, base: c.base ?? null, head: c.head ?? null, proposed: c.proposed }));
			const words = conflicts.map((c) => `${c.name} was ${show(c.base)} at ${input.base!.slice(0, 8)} and is ${show(c.head)} on ${t.branch} now; you proposed ${show(c.proposed)}`);
			await refuse(new DomainError('conflict', 'conflict', `${tfvars.path} changed since you looked: ${words.join('; ')}`, { details: { conflicts, head } }), { conflicts });
		}
		if (!edit.ok && edit.reason === 'refused') {
			await refuse(new DomainError('invalid', 'invalid_change', edit.problems.map((p) => p.message).join('; '), { details: { problems: edit.problems } }));
		}
		if (!edit.ok) throw new Error('unreachable');
		if (edit.changed.length === 0) {
			await refuse(new DomainError('conflict', 'nothing_to_change', `${tfvars.path} on ${t.branch} already holds ${Object.keys(input.set).join(', ')} as proposed; nothing to change`));
		}

		const changed: ChangedValue[] = edit.changed.map((c) => ({ name: c.name, old: c.old, old_from: c.oldFrom, new: c.new }));
		const diff = unifiedDiff(tfvars.path, headText, edit.text);
		const operator = actor.principal?.name ?? 'anonymous';
		const branch = `${this.deps.config.branchPrefix}${input.stack}-${input.env}-${randomBytes(4).toString('hex')}`;
		const serial = await this.serialOf(t, input.env);
		const now = this.now().toISOString();
		const { change, created } = await this.deps.store.changes.create(
			{
				kind,
				stack: input.stack,
				env: input.env,
				forge: forge.forge,
				source: t.source!,
				repository: forge.repository,
				file: tfvars.path,
				title: changeTitle(input.stack, input.env, changed, kind, input.title),
				target_branch: t.branch,
				seen_commit: input.base ?? null,
				base_commit: head,
				branch,
				head_commit: null,
				number: null,
				url: null,
				variables: changed,
				diff,
				state: 'open',
				reason: null,
				state_serial: serial,
				drift_item: opts.driftItem ?? null,
				created_by: operator,
				created_at: now,
				idempotency_key: key
			},
			now
		);
		// A concurrent request with the same values got there first.
		if (!created) return { change, created };

		const text = { stack: input.stack, env: input.env, file: tfvars.path, kind, changed, operator, adopted: opts.adopted };
		const link = this.deps.origin ? `${this.deps.origin}/changes/${change.id}` : null;
		let step = `creating branch ${branch}`;
		let branchMade = false;
		try {
			await forge.createBranch(branch, head);
			branchMade = true;
			step = `committing ${tfvars.path}`;
			const commitId = await forge.commitFile({ branch, path: tfvars.path, content: edit.text, previous: tfvars.text, message: commitMessage(text) });
			step = `opening the ${proposalWord(forge.forge)}`;
			const description = proposalDescription({
				...text,
				diff,
				link,
				note: input.description,
				unchecked: edit.unchecked.map((u) => `${u.name}: ${u.condition} (${u.reason})`),
				droppedComments: edit.changed.flatMap((c) => c.droppedComments)
			});
			const opened = await forge.openProposal({ branch, target: t.branch, title: change.title, description, labels: this.deps.config.labels });
			const done = (await this.deps.store.changes.update(change.id, { head_commit: commitId, number: opened.number, url: opened.url }, this.now().toISOString()))!;
			await this.audit(actor, {
				action,
				target: changeTarget(done),
				outcome: 'success',
				detail: { forge: done.forge, number: done.number, url: done.url, branch, base: head, variables: changed.map((c) => ({ name: c.name, old: c.old, new: c.new })), ...(opts.driftItem ? { drift_item: opts.driftItem } : {}) }
			});
			this.publish(done);
			this.deps.follow?.();
			return { change: done, created: true };
		} catch (e) {
			let reason = `${step}: ${messageOf(e)}`;
			if (branchMade) {
				try {
					await forge.deleteBranch(branch);
				} catch (e2) {
					reason += `; the branch ${branch} could not be deleted (${messageOf(e2)}): delete it on the forge`;
				}
			}
			const failed = (await this.deps.store.changes.update(change.id, { state: 'failed', reason, idempotency_key: null, branch: branchMade ? branch : null }, this.now().toISOString()))!;
			await this.audit(actor, { action, target: changeTarget(failed), outcome: 'failure', detail: { reason } });
			this.publish(failed);
			throw new DomainError('upstream', 'upstream_error', `change ${change.id} failed while ${reason}`);
		}
	}

	/** Takes a drift item's live value into git: a proposal setting the variable that declares the field to what runs. */
	async adopt(actor: Actor, itemKey: string, input: z.infer<typeof adoptBody> = {}): Promise<{ change: Change; created: boolean }> {
		await this.require(actor, 'operator', 'change.adopt', `drift:${itemKey}`);
		if (!this.deps.drift) throw new DomainError('unavailable', 'drift_not_configured', 'no drift stacks are configured');
		const item = this.deps.drift().items.find((i) => i.key === itemKey);
		if (!item) throw new DomainError('not_found', 'not_found', `no current drift item ${itemKey}`);
		const what = `${objectLabel(item.ref)} ${item.field}`;
		if (item.class !== 'out-of-band') {
			const why: Record<string, string> = {
				unapplied: 'git is ahead of the state: the declared value was never applied; re-apply the stack instead',
				missing: 'the object is not live: there is no live value to adopt',
				unmanaged: 'nothing in git declares the object: there is no variable to adopt its value into'
			};
			throw new DomainError('conflict', 'not_adoptable', `${what} is ${item.class} drift: ${why[item.class] ?? 'only out-of-band drift can be adopted'}`);
		}
		if (!item.variable) throw new DomainError('unsupported', 'no_variable', `${what} is not set from a variable the drift map names; change the stack by hand`);
		if (item.live === null || item.live === undefined) throw new DomainError('conflict', 'not_adoptable', `${what} has no live value to adopt`);
		return this.propose(
			actor,
			{ stack: item.stack, env: item.env, set: { [item.variable]: displayQuantity(item.field, item.live) }, title: input.title, description: input.description },
			{ kind: 'adopt', driftItem: item.key, adopted: what }
		);
	}

	/** Runs the stack's pipeline (plan and apply) on its default branch again: git's values applied over what drifted. */
	async reapply(actor: Actor, stack: string, env: string): Promise<Change> {
		const scope = `stack:${stack}/${env}`;
		await this.require(actor, 'operator', 'change.reapply', scope);
		const t = this.target(stack, env);
		const forge = this.forgeOf(t);
		await this.requireWritable(actor, forge, 'change.reapply', scope);
		const serial = await this.serialOf(t, env);
		let head: string;
		let pipeline;
		try {
			head = await forge.headOf(t.branch);
			pipeline = await forge.runPipeline(t.branch);
		} catch (e) {
			const err = upstream(`running the pipeline on ${t.branch}`, e);
			await this.audit(actor, { action: 'change.reapply', target: scope, outcome: 'failure', detail: { reason: err.message } });
			throw err;
		}
		const now = this.now().toISOString();
		const { change } = await this.deps.store.changes.create(
			{
				kind: 'reapply',
				stack,
				env,
				forge: forge.forge,
				source: t.source!,
				repository: forge.repository,
				file: `${t.dir}/${tfvarsFile(env)}`,
				title: `${stack}/${env}: re-apply ${t.branch} at ${head.slice(0, 8)}`,
				target_branch: t.branch,
				seen_commit: null,
				base_commit: head,
				branch: null,
				head_commit: null,
				number: null,
				url: pipeline?.url ?? null,
				variables: [],
				diff: '',
				state: 'pipeline_running',
				reason: null,
				state_serial: serial,
				drift_item: null,
				created_by: actor.principal?.name ?? 'anonymous',
				created_at: now,
				idempotency_key: null
			},
			now
		);
		const withPipeline = (await this.deps.store.changes.update(change.id, { apply_pipeline: pipeline, merge_commit: head }, now))!;
		await this.audit(actor, { action: 'change.reapply', target: changeTarget(withPipeline), outcome: 'success', detail: { commit: head, pipeline: pipeline?.id ?? null } });
		this.publish(withPipeline);
		this.deps.follow?.();
		return withPipeline;
	}

	/** Receives a forge's webhook delivery: verified against the configured secret, refused when replayed, then the changes it names are followed now. */
	async receiveWebhook(actor: Actor, forge: Forge, headers: Record<string, string | string[] | undefined>, body: Buffer): Promise<WebhookReceipt> {
		const deps = this.deps;
		const now = this.now();
		const action = `webhook.${forge}`;
		const secret = deps.config.webhookSecrets[forge];
		// Refusals are coalesced per hour: a flood of forged deliveries is one audit row.
		const refuse = async (code: string, e: DomainError): Promise<never> => {
			await writeRepeatedAudit(deps.store, now, actor, `${action}:${code}:${now.toISOString().slice(0, 13)}`, { action, target: null, outcome: 'denied', detail: { code, ip: actor.ip } });
			throw e;
		};
		if (!secret) await refuse('not_configured', new DomainError('forbidden', 'webhook_not_configured', `no ${forge} webhook secret is configured (changes.${forge}.webhook_secret or changes.webhook_secret)`));
		if (!verifyDelivery(forge, headers, body, secret!)) {
			await refuse('invalid_signature', new DomainError('unauthenticated', 'invalid_signature', forge === 'gitlab' ? 'X-Gitlab-Token does not match the configured secret' : 'X-Hub-Signature-256 is not the HMAC of this body with the configured secret'));
		}
		const id = deliveryId(forge, headers);
		if (!id) throw new DomainError('invalid', 'invalid_request', `the delivery has no ${forge === 'gitlab' ? 'X-Gitlab-Event-UUID' : 'X-GitHub-Delivery'}`);
		if (!(await deps.store.changes.takeDelivery(forge, id, now.toISOString()))) {
			await refuse('replayed', new DomainError('conflict', 'replayed_delivery', `delivery ${id} was received before; a replay is refused`));
		}
		let payload: unknown = null;
		try {
			payload = JSON.parse(body.toString('utf8'));
		} catch {
			throw new DomainError('invalid', 'malformed_json', 'the delivery body is not JSON');
		}
		const refs = hookRefs(forge, payload);
		const named = (await deps.store.changes.inStates(TRACKED_STATES)).filter((c) => c.forge === forge && namedBy(refs, c));
		if (named.length) deps.follow?.();
		return { accepted: true, event: eventName(forge, headers), changes: named.map((c) => c.id) };
	}
}

export interface WebhookReceipt {
	accepted: true;
	event: string;
	/** The changes in flight the delivery names; each is followed now. */
	changes: number[];
}

/** A stack file that does not parse, named by file and line. */
function unreadable(e: ParseError): DomainError {
	return new DomainError('conflict', 'stack_unreadable', `${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`);
}

/** A value as a conflict message names it. */
function show(v: unknown): string {
	return v === null || v === undefined ? '(unset)' : JSON.stringify(v);
}

/** An upstream failure while proposing, as the API reports it. */
function upstream(what: string, e: unknown): DomainError {
	if (e instanceof DomainError) return e;
	const timedOut = (e as { kind?: string })?.kind === 'timeout';
	return new DomainError(timedOut ? 'upstream_timeout' : 'upstream', timedOut ? 'upstream_timeout' : 'upstream_error', `${what} failed: ${messageOf(e)}`);
}

