import { z } from 'zod';
import { app } from '$lib/server/app';
import { readQuery } from '$lib/server/http/body';
import { endpoint, json } from '$lib/server/http/endpoint';

const query = z.strictObject({
	page: z.coerce.number().int().min(1).default(1),
	per_page: z.coerce.number().int().min(1).max(200).default(50),
	action: z.string().max(200).optional(),
	outcome: z.enum(['success', 'failure', 'denied']).optional(),
	principal: z.string().max(200).optional()
});

export const GET = endpoint(async ({ url }) => {
	const q = readQuery(url, query);
	const { items, total } = await app().store.audit.list({ page: q.page, perPage: q.per_page, action: q.action, outcome: q.outcome, principal: q.principal });
	return json({ items, total, page: q.page, per_page: q.per_page });
});
