// GitHub's page-number pagination: `per_page` (default 30, at most 100; larger values
// are clamped) and `page` (from 1). The Link header has absolute URLs that keep the
// request's other query parameters in their order, with rels in GitHub's order:
// prev, next, last, first — next/last only before the last page, prev/first only after
// the first, and no Link header at all when everything fits on one page.

import type { Ctx } from '../http/router.js';

export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 100;

export interface Paging {
	page: number;
	perPage: number;
}

/** Unparseable or out-of-range values fall back to the defaults, as GitHub does. */
export function readPaging(q: URLSearchParams): Paging {
	const int = (name: string) => {
		const raw = q.get(name);
		return raw !== null && /^\d+$/.test(raw.trim()) ? Number(raw) : undefined;
	};
	const page = int('page');
	const perPage = int('per_page');
	return {
		page: page !== undefined && page >= 1 ? page : 1,
		perPage: perPage === undefined || perPage < 1 ? DEFAULT_PER_PAGE : Math.min(perPage, MAX_PER_PAGE)
	};
}

export function pageOf<T>(all: readonly T[], p: Paging): T[] {
	return all.slice((p.page - 1) * p.perPage, p.page * p.perPage);
}

/** The Link header for `total` items, or undefined when they fit on one page. */
export function linkHeader(ctx: Ctx, p: Paging, total: number): string | undefined {
	const last = Math.max(1, Math.ceil(total / p.perPage));
	if (last === 1 && p.page === 1) return undefined;
	const links: string[] = [];
	const href = (n: number) => pageUrl(ctx, n);
	if (p.page > 1) links.push(`<${href(Math.min(p.page - 1, last))}>; rel="prev"`);
	if (p.page < last) links.push(`<${href(p.page + 1)}>; rel="next"`, `<${href(last)}>; rel="last"`);
	if (p.page > 1) links.push(`<${href(1)}>; rel="first"`);
	return links.length > 0 ? links.join(', ') : undefined;
}

function pageUrl(ctx: Ctx, page: number): string {
	const params = new URLSearchParams(ctx.url.search);
	if (params.has('page')) params.set('page', String(page));
	else params.append('page', String(page));
	const host = ctx.req.headers.host ?? ctx.url.host;
	return `http://${host}${ctx.url.pathname}?${params.toString()}`;
}
