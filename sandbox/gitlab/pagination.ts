// GitLab's offset pagination, header for header: X-Page, X-Per-Page, X-Total,
// X-Total-Pages, X-Next-Page / X-Prev-Page (empty string when absent) and a Link header
// with prev/next/first/last. Link URLs are absolute, rebuilt from the request with the
// other query parameters kept and sorted by key, as Rails' `to_query` does.

import type { Ctx } from '../http/router.js';
import { Params } from './params.js';

export const DEFAULT_PER_PAGE = 20;
export const MAX_PER_PAGE = 100;

/** Parameters never echoed back into Link URLs. */
const SECRET_PARAMS = new Set(['private_token', 'access_token', 'job_token']);

export interface Page<T> {
	items: T[];
	headers: Record<string, string>;
}

export function readPaging(p: Params): { page: number; perPage: number } {
	const page = p.int('page');
	const perPage = p.int('per_page');
	return {
		page: page !== undefined && page >= 1 ? page : 1,
		perPage: perPage === undefined || perPage < 1 ? DEFAULT_PER_PAGE : Math.min(perPage, MAX_PER_PAGE)
	};
}

export function paginate<T>(ctx: Ctx, all: readonly T[], page: number, perPage: number): Page<T> {
	const total = all.length;
	const totalPages = Math.max(1, Math.ceil(total / perPage));
	const outOfRange = page > totalPages;
	const next = page < totalPages ? page + 1 : null;
	const prev = page > 1 && !outOfRange ? page - 1 : null;
	const href = (n: number): string => pageUrl(ctx, n, perPage);
	const links: string[] = [];
	if (prev !== null) links.push(`<${href(prev)}>; rel="prev"`);
	if (next !== null) links.push(`<${href(next)}>; rel="next"`);
	links.push(`<${href(1)}>; rel="first"`);
	links.push(`<${href(totalPages)}>; rel="last"`);
	return {
		items: all.slice((page - 1) * perPage, page * perPage),
		headers: {
			'X-Page': String(page),
			'X-Per-Page': String(perPage),
			'X-Total': String(total),
			'X-Total-Pages': String(totalPages),
			'X-Next-Page': next === null ? '' : String(next),
			'X-Prev-Page': prev === null ? '' : String(prev),
			Link: links.join(', ')
		}
	};
}

function pageUrl(ctx: Ctx, page: number, perPage: number): string {
	const pairs: [string, string][] = [];
	for (const [k, v] of ctx.url.searchParams) {
		if (k === 'page' || k === 'per_page' || SECRET_PARAMS.has(k)) continue;
		pairs.push([k, v]);
	}
	pairs.push(['page', String(page)], ['per_page', String(perPage)]);
	// Stable sort keeps repeated keys (tag_list[]=a&tag_list[]=b) in their given order.
	pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
	const query = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
	const host = ctx.req.headers.host ?? `${ctx.url.hostname}:${ctx.url.port}`;
	return `http://${host}${ctx.url.pathname}?${query}`;
}

/**
 * Offset pagination as GitLab serves lists it does not count (`without_count`, e.g. a
 * project's jobs): X-Page, X-Per-Page, X-Next-Page / X-Prev-Page and Link with
 * prev/next/first, but no X-Total, X-Total-Pages or rel="last".
 */
export function paginateWithoutCount<T>(ctx: Ctx, all: readonly T[], page: number, perPage: number): Page<T> {
	const next = all.length > page * perPage ? page + 1 : null;
	const prev = page > 1 ? page - 1 : null;
	const links: string[] = [];
	if (prev !== null) links.push(`<${pageUrl(ctx, prev, perPage)}>; rel="prev"`);
	if (next !== null) links.push(`<${pageUrl(ctx, next, perPage)}>; rel="next"`);
	links.push(`<${pageUrl(ctx, 1, perPage)}>; rel="first"`);
	return {
		items: all.slice((page - 1) * perPage, page * perPage),
		headers: {
			'X-Page': String(page),
			'X-Per-Page': String(perPage),
			'X-Next-Page': next === null ? '' : String(next),
			'X-Prev-Page': prev === null ? '' : String(prev),
			Link: links.join(', ')
		}
	};
}
