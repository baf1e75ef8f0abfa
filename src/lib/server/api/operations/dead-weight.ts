// Dead weight: runners silent for longer than N days, previewed by anyone who reads the
// fleet and deleted in bulk by an admin with a typed confirmation.
import { z } from 'zod';
import { deadRunnerSchema, deleteConfirmation } from '$lib/core/dead-weight';
import { forgeSchema } from '$lib/core/runner';
import { pageOf, pagingFields } from '$lib/core/paging';
import { deleteBody, deleteOutcomeSchema } from '../../services/dead-weight';
import { errorSchema } from '../errors';
import { op } from '../operation';

export const previewDeadWeight = op({
	id: 'previewDeadWeight',
	method: 'GET',
	path: '/api/v1/runners/dead-weight',
	access: 'viewer',
	tag: 'Fleet',
	summary: 'Runners not online and silent for longer than `offline_days` (default `dead_weight.offline_days`), never-contacted ones first, then longest silent; with the words that confirm deleting all of them.',
	description:
		'GitLab: last contact older than N days, or never contacted and `stale` (registered over 7 days ago). GitHub shows no last contact: a runner counts from when the dashboard first saw it offline (kept in memory). Ephemeral runners are never listed.',
	query: z.strictObject({ ...pagingFields, offline_days: z.coerce.number().int().min(1).max(3650).optional(), forge: forgeSchema.optional() }),
	responses: {
		200: z
			.object({
				items: z.array(deadRunnerSchema.meta({ id: 'DeadRunner' })),
				total: z.number().int(),
				page: z.number().int(),
				per_page: z.number().int(),
				offline_days: z.number().int(),
				confirm: z.string().meta({ description: 'What `confirm` must be to delete every runner listed (all pages).' })
			})
			.meta({ id: 'DeadWeight' }),
		400: errorSchema
	},
	handler: async ({ app, query }) => {
		const days = query.offline_days ?? app.config.deadWeightDays;
		const all = await app.deadWeight.preview(days, query.forge);
		return { ...pageOf(all, query.page, query.per_page), offline_days: days, confirm: deleteConfirmation(all.length) };
	}
});

export const deleteDeadWeight = op({
	id: 'deleteDeadWeight',
	method: 'POST',
	path: '/api/v1/runners/dead-weight/delete',
	access: 'admin',
	tag: 'Fleet',
	summary: 'Delete up to 500 runners from the dead-weight preview on their forge (GitLab DELETE /runners/:id, GitHub DELETE …/actions/runners/:id), each with its outcome and audit record.',
	description:
		'`confirm` must read `delete <count> runners` for the number of ids given, else 400 and nothing is deleted. A runner heard from within `offline_days` by now is left alone (`not_dead_weight`). 200 even when some failed.',
	body: deleteBody,
	responses: {
		200: z.object({ deleted: z.number().int(), failed: z.number().int(), items: z.array(deleteOutcomeSchema) }).meta({ id: 'DeadWeightDeleted' }),
		400: errorSchema
	},
	handler: async ({ app, actor, body }) => {
		const items = await app.deadWeight.delete(actor, body);
		const deleted = items.filter((i) => i.result === 'deleted').length;
		return { deleted, failed: items.length - deleted, items };
	}
});

export const DEAD_WEIGHT_OPERATIONS = [previewDeadWeight, deleteDeadWeight];
