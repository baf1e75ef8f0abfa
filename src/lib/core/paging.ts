// The list shape every API list answers with, and the paging parameters that ask for it.
import { z } from 'zod';

export const MAX_PER_PAGE = 200;

/** `page` and `per_page`, as every list query takes them. */
export const pagingFields = {
	page: z.coerce.number().int().min(1).max(1_000_000).default(1),
	per_page: z.coerce.number().int().min(1).max(MAX_PER_PAGE).default(50)
};

/** `{ items, total, page, per_page }` around an item schema. */
export function pageSchema<T extends z.ZodType>(item: T) {
	return z.object({ items: z.array(item), total: z.number().int(), page: z.number().int(), per_page: z.number().int() });
}

export interface Page<T> {
	items: T[];
	total: number;
	page: number;
	per_page: number;
}

/** One page of a list, in the API's list shape. */
export function pageOf<T>(items: T[], page: number, perPage: number): Page<T> {
	const start = (page - 1) * perPage;
	return { items: items.slice(start, start + perPage), total: items.length, page, per_page: perPage };
}

/** A whole list as one page (lists that are never long: sources, users, tokens). */
export function allOf<T>(items: T[]): Page<T> {
	return { items, total: items.length, page: 1, per_page: Math.max(items.length, 1) };
}
