// Changes: proposals to a stack's <env>.tfvars as merge/pull requests, adoptions of live
// values, re-applies; the form's schema from variables.tf; and the forges' webhooks.
import { z } from 'zod';
import { CHANGE_KINDS, CHANGE_STATES, PIPELINE_STATUSES, proposalRef, type ChangeState } from '$lib/core/changes';
import { pageSchema, pagingFields } from '$lib/core/paging';
import { adoptBody, proposeBody } from '../../services/changes';
import type { Change } from '../../store/changes';
import { errorSchema } from '../errors';
import { op, Reply } from '../operation';

const pipelineSchema = z.object({ id: z.number().int(), status: z.enum(PIPELINE_STATUSES), url: z.string().nullable() }).nullable();

const changeSchema = z
	.object({
		id: z.number().int(),
		kind: z.enum(CHANGE_KINDS).meta({ description: '`edit`: values set by an operator; `adopt`: a live value taken into git; `reapply`: the pipeline run again on the default branch.' }),
		stack: z.string(),
		env: z.string(),
		forge: z.enum(['gitlab', 'github']),
		source: z.string(),
		repository: z.string(),
		file: z.string(),
		title: z.string(),
		ref: z.string().nullable().meta({ description: 'The branch the change was committed to.' }),
		target_branch: z.string(),
		number: z.number().int().nullable().meta({ description: 'The merge request iid (GitLab) or pull request number (GitHub).' }),
		proposal: z.string().nullable().meta({ description: '`!12` (GitLab) or `#12` (GitHub).' }),
		url: z.string().nullable(),
		state: z.enum(CHANGE_STATES),
		reason: z.string().nullable(),
		variables: z.array(z.object({ name: z.string(), old: z.unknown(), old_from: z.enum(['tfvars', 'default', 'unset']), new: z.unknown() })),
		diff: z.string(),
		pipeline: pipelineSchema.meta({ description: 'The merge/pull request’s latest pipeline or checks.' }),
		apply_pipeline: pipelineSchema.meta({ description: 'The pipeline on the default branch that applies it.' }),
		seen_commit: z.string().nullable(),
		base_commit: z.string().nullable(),
		head_commit: z.string().nullable(),
		merge_commit: z.string().nullable(),
		drift_item: z.string().nullable(),
		created_by: z.string(),
		created_at: z.string(),
		updated_at: z.string(),
		merged_at: z.string().nullable(),
		applied_at: z.string().nullable(),
		verified_at: z.string().nullable()
	})
	.meta({ id: 'Change' });

/** A stored change as the API shows it. */
function answer(c: Change): z.input<typeof changeSchema> {
	const { branch, state_serial: _serial, ...rest } = c;
	return { ...rest, ref: branch, proposal: proposalRef(c.forge, c.number) };
}

const changeErrors = { 400: errorSchema, 404: errorSchema, 409: errorSchema, 502: errorSchema, 503: errorSchema, 504: errorSchema };

export const proposeChange = op({
	id: 'proposeChange',
	method: 'POST',
	path: '/api/v1/changes',
	access: 'operator',
	tag: 'Changes',
	summary: 'Propose values for a stack’s environment: a branch from the default branch’s head, one commit to `<env>.tfvars` and a merge request (GitLab) or pull request (GitHub) with the diff.',
	description:
		'201 with the new change; 200 with the open change that already proposes the same values. 400 when a value is refused (type, validation, sensitive or undeclared variable) with nothing written; 409 when `base` is stale and the same variable changed since (`details.conflicts`: each with `base`, `head` and `proposed`), when nothing would change, or when the forge token cannot write; 502 when the forge failed (the branch is deleted, the change recorded as failed).',
	body: proposeBody,
	responses: { 200: changeSchema, 201: changeSchema, ...changeErrors },
	handler: async ({ app, actor, body }) => {
		const { change, created } = await app.changes.propose(actor, body);
		return new Reply(created ? 201 : 200, answer(change));
	}
});

const stateList = z
	.string()
	.max(300)
	.transform((s, ctx) => {
		const states = s.split(',').filter(Boolean);
		const bad = states.find((x) => !(CHANGE_STATES as readonly string[]).includes(x));
		if (bad) {
			ctx.addIssue({ code: 'custom', message: `unknown state "${bad}" (one of ${CHANGE_STATES.join(', ')})` });
			return z.NEVER;
		}
		return states as ChangeState[];
	});

export const listChanges = op({
	id: 'listChanges',
	method: 'GET',
	path: '/api/v1/changes',
	access: 'viewer',
	tag: 'Changes',
	summary: 'Changes, newest first; filter by `state` (comma-separated), `stack` and `env`.',
	query: z.strictObject({ ...pagingFields, state: stateList.optional(), stack: z.string().max(63).optional(), env: z.string().max(63).optional() }),
	responses: { 200: pageSchema(changeSchema), 400: errorSchema },
	handler: async ({ app, query: q }) => {
		const { items, total } = await app.changes.list({ page: q.page, perPage: q.per_page, states: q.state, stack: q.stack, env: q.env });
		return { items: items.map(answer), total, page: q.page, per_page: q.per_page };
	}
});

export const getChange = op({
	id: 'getChange',
	method: 'GET',
	path: '/api/v1/changes/{id}',
	access: 'viewer',
	tag: 'Changes',
	summary: 'One change with its state, values old → new, diff, pipelines and times.',
	params: z.strictObject({ id: z.coerce.number().int().min(1).max(2 ** 31 - 1) }),
	responses: { 200: changeSchema, 400: errorSchema, 404: errorSchema },
	handler: async ({ app, params }) => answer(await app.changes.get(params.id))
});

export const adoptDrift = op({
	id: 'adoptDrift',
	method: 'POST',
	path: '/api/v1/drift/{item}/adopt',
	access: 'operator',
	tag: 'Changes',
	summary: 'Take an out-of-band drift item’s live value into git: a change setting the variable that declares the field to what runs.',
	description: '`item` is the drift item’s `key`, URL-encoded. 409 when the item is not out-of-band drift (re-apply unapplied drift instead); other answers as for proposing.',
	params: z.strictObject({ item: z.string().min(1).max(500) }),
	body: adoptBody.optional(),
	responses: { 200: changeSchema, 201: changeSchema, ...changeErrors },
	handler: async ({ app, actor, params, body }) => {
		const { change, created } = await app.changes.adopt(actor, params.item, body ?? {});
		return new Reply(created ? 201 : 200, answer(change));
	}
});

export const listStacks = op({
	id: 'listStacks',
	method: 'GET',
	path: '/api/v1/stacks',
	access: 'viewer',
	tag: 'Changes',
	summary: 'The configured stacks (drift.stacks) with their environments, the forge changes to them are proposed on, and whether they can be.',
	responses: {
		200: pageSchema(
			z.object({ name: z.string(), envs: z.array(z.string()), forge: z.enum(['gitlab', 'github']).nullable(), repository: z.string().nullable(), branch: z.string(), proposable: z.boolean(), simulated: z.boolean() }).meta({ id: 'Stack' })
		)
	},
	handler: ({ app }) => {
		const items = app.changes.stacks();
		return { items, total: items.length, page: 1, per_page: Math.max(1, items.length) };
	}
});

const stackParams = z.strictObject({ stack: z.string().min(1).max(63), env: z.string().min(1).max(63) });

export const reapplyStack = op({
	id: 'reapplyStack',
	method: 'POST',
	path: '/api/v1/stacks/{stack}/{env}/reapply',
	access: 'operator',
	tag: 'Changes',
	summary: 'Run the stack’s pipeline (plan and apply) on its default branch again, putting git’s values back over out-of-band changes; followed like any change until drift clears.',
	description: 'GitLab: `POST /projects/:id/pipeline`; GitHub: a `workflow_dispatch` of `changes.github.workflow`. The pipeline applies every stack it covers.',
	params: stackParams,
	responses: { 202: changeSchema, ...changeErrors },
	handler: async ({ app, actor, params }) => new Reply(202, answer(await app.changes.reapply(actor, params.stack, params.env)))
});

const formVariableSchema = z.object({
	name: z.string(),
	type: z.string().nullable().meta({ description: 'The type constraint as written.' }),
	constraint: z.unknown().meta({ description: 'The type constraint as data (`{kind: "number"}`, `{kind: "list", element}`, `{kind: "object", attributes}`), null when not understood.' }),
	description: z.string().nullable(),
	default: z.unknown().optional(),
	has_default: z.boolean(),
	value: z.unknown().optional().meta({ description: 'The environment’s value (tfvars, else the default); absent for sensitive variables.' }),
	value_from: z.enum(['tfvars', 'default', 'unset', 'hidden']),
	sensitive: z.boolean(),
	nullable: z.boolean(),
	editable: z.boolean(),
	reason: z.string().nullable(),
	validations: z.array(z.object({ condition: z.string(), error_message: z.string(), checked: z.boolean().meta({ description: 'Checked before proposing; else only by `tofu plan`.' }), reason: z.string().nullable() })),
	line: z.number().int()
});

export const getStackVariables = op({
	id: 'getStackVariables',
	method: 'GET',
	path: '/api/v1/stacks/{stack}/{env}/variables',
	access: 'viewer',
	tag: 'Changes',
	summary: 'The change form’s schema from variables.tf at the default branch’s head: each variable’s type, default, description, validations and the environment’s current value; sensitive ones listed without values and not editable.',
	params: stackParams,
	responses: {
		200: z
			.object({
				stack: z.string(),
				env: z.string(),
				forge: z.enum(['gitlab', 'github']).nullable(),
				file: z.string(),
				revision: z.string().nullable().meta({ description: 'The commit read; propose with it as `base`.' }),
				branch: z.string(),
				proposable: z.boolean(),
				reason: z.string().nullable(),
				variables: z.array(formVariableSchema),
				open_changes: z.array(z.object({ id: z.number().int(), number: z.number().int().nullable(), url: z.string().nullable(), state: z.enum(CHANGE_STATES), variables: z.array(z.string()) }))
			})
			.meta({ id: 'StackVariables' }),
		404: errorSchema,
		409: errorSchema,
		502: errorSchema,
		504: errorSchema
	},
	handler: ({ app, params }) => app.changes.variables(params.stack, params.env)
});

function webhook(forge: 'gitlab' | 'github') {
	return op({
		id: forge === 'gitlab' ? 'gitlabWebhook' : 'githubWebhook',
		method: 'POST',
		path: `/api/v1/webhooks/${forge}`,
		access: 'public',
		callers: 'servers',
		tag: 'Changes',
		summary:
			forge === 'gitlab'
				? 'GitLab’s project webhook (merge request and pipeline events), checked against the configured secret in X-Gitlab-Token; the changes it names are followed at once.'
				: 'GitHub’s repository webhook (pull_request, check_run, workflow_run), checked against the HMAC in X-Hub-Signature-256; the changes it names are followed at once.',
		description: `No session or token: the delivery proves itself with the secret (\`changes.${forge}.webhook_secret\` or \`changes.webhook_secret\`; 403 when none is configured, 401 when it does not match). A delivery id seen before (${forge === 'gitlab' ? 'X-Gitlab-Event-UUID' : 'X-GitHub-Delivery'}) is a replay: 409. The payload is only a hint; states are read from the forge.`,
		body: z.record(z.string(), z.unknown()).meta({ description: 'The forge’s event payload (JSON).' }),
		responses: {
			202: z.object({ accepted: z.literal(true), event: z.string(), changes: z.array(z.number().int()).meta({ description: 'The changes in flight the delivery names.' }) }).meta({ id: 'WebhookReceipt' }),
			400: errorSchema,
			401: errorSchema,
			403: errorSchema,
			409: errorSchema
		},
		handler: async ({ app, actor, headers, rawBody }) => new Reply(202, await app.changes.receiveWebhook(actor, forge, headers, rawBody ?? Buffer.alloc(0)))
	});
}

export const CHANGE_OPERATIONS = [proposeChange, listChanges, getChange, adoptDrift, listStacks, reapplyStack, getStackVariables, webhook('gitlab'), webhook('github')];
