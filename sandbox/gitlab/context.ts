// What GitLab route handlers share: the world, URLs, and GitLab-style error answers.

import type { ServerResponse } from 'node:http';
import { sendJson } from '../http/respond.js';
import type { Ctx } from '../http/router.js';
import type { World } from '../sim/world.js';
import type { Moment } from './entities.js';
import { paginate, readPaging } from './pagination.js';
import { Params } from './params.js';

export interface GitLabApi {
	world: World;
	/** Base of web_url values, e.g. http://127.0.0.1:3001/gitlab */
	webBase: string;
}

/** A GitLab error answer, thrown from handlers and rendered by the mount. */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly body: Record<string, unknown>
	) {
		super(JSON.stringify(body));
	}
}

export const notFound = (what?: string) => new ApiError(404, { message: what ? `404 ${what} Not Found` : '404 Not found' });
export const badRequest = (error: string) => new ApiError(400, { error });

export function moment(api: GitLabApi): Moment {
	return { now: api.world.now(), step: api.world.stepTime() };
}

export function ok(res: ServerResponse, body: unknown, headers: Record<string, string> = {}): void {
	sendJson(res, 200, body, headers);
}

/** Reads page/per_page, then answers one page of `all`. Call after other params are checked. */
export function sendPage<T, U>(ctx: Ctx, p: Params, all: readonly T[], render: (item: T) => U): void {
	const { page, perPage } = readPaging(p);
	p.check();
	const { items, headers } = paginate(ctx, all, page, perPage);
	ok(ctx.res, items.map(render), headers);
}

/** Integer path ids (`/runners/abc` is a 400, as in Grape). */
export function intId(ctx: Ctx, name = 'id'): number {
	const raw = ctx.params[name] ?? '';
	if (!/^\d+$/.test(raw)) throw badRequest(`${name} is invalid`);
	return Number(raw);
}

export function queryParams(ctx: Ctx): Params {
	return Params.fromQuery(ctx.url.searchParams);
}
