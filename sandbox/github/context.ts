// What GitHub route handlers share: the world, URL bases, rate counters, and
// GitHub-style answers (JSON with ETag, errors with documentation_url).

import { createHash } from 'node:crypto';
import { sendJson } from '../http/respond.js';
import type { Ctx } from '../http/router.js';
import { GHES_VERSION } from '../sim/github/catalog.js';
import type { World } from '../sim/world.js';
import type { Bases } from './entities.js';
import type { GitHubRateWindow } from './ratelimit.js';

export const DOCS = `https://docs.github.com/enterprise-server@${GHES_VERSION.split('.').slice(0, 2).join('.')}/rest`;
export const JSON_TYPE = 'application/json; charset=utf-8';

/** What GitHub route handlers share. */
export interface GitHubApi {
	world: World;
	rate: GitHubRateWindow;
	bases(ctx: Ctx): Bases;
}

/** A GitHub error answer, thrown from handlers and rendered by the mount. */
export class GitHubError extends Error {
	constructor(
		readonly status: number,
		message: string,
		readonly docs = DOCS
	) {
		super(message);
	}
}

export const notFound = () => new GitHubError(404, 'Not Found');

export function errorBody(status: number, message: string, docs = DOCS) {
	return { message, documentation_url: docs, status: String(status) };
}

/** A 200 JSON answer with a weak ETag; a matching If-None-Match gets 304 like GitHub's conditional requests. */
export function ok(ctx: Ctx, body: unknown, headers: Record<string, string> = {}): void {
	const text = JSON.stringify(body);
	const etag = `W/"${createHash('sha1').update(text).digest('hex')}"`;
	const res = ctx.res;
	if (ctx.req.headers['if-none-match'] === etag) {
		res.statusCode = 304;
		res.setHeader('ETag', etag);
		for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
		res.end();
		return;
	}
	sendJson(res, 200, body, { 'Content-Type': JSON_TYPE, ETag: etag, ...headers });
}

