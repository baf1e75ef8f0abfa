// A tiny method + path router. Patterns use `:name` segments; segments are matched
// still URL-encoded and decoded afterwards, so `projects/platform%2Finfra` is one id
// (GitLab addresses namespaces that way). A last `*name` segment takes the rest of the
// path, one or more segments joined by `/` (GitHub's `git/refs/heads/feature/x`).

import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Ctx {
	req: IncomingMessage;
	res: ServerResponse;
	url: URL;
	/** Path below the mount point, e.g. `/runners/12` for `/gitlab/api/v4/runners/12`. */
	path: string;
	params: Record<string, string>;
}

export type Handler = (ctx: Ctx) => void | Promise<void>;

interface Route {
	method: string;
	pattern: string;
	parts: string[];
	handler: Handler;
}

export type Match = { kind: 'found'; handler: Handler; params: Record<string, string>; pattern: string } | { kind: 'method_not_allowed' } | { kind: 'not_found' };

export class Router {
	private routes: Route[] = [];

	on(method: string, pattern: string, handler: Handler): this {
		this.routes.push({ method, pattern, parts: split(pattern), handler });
		return this;
	}

	get(pattern: string, handler: Handler): this {
		return this.on('GET', pattern, handler);
	}

	post(pattern: string, handler: Handler): this {
		return this.on('POST', pattern, handler);
	}

	put(pattern: string, handler: Handler): this {
		return this.on('PUT', pattern, handler);
	}

	/** First registered route wins, so register literal paths before `:param` ones. */
	match(method: string, rawPath: string): Match {
		const parts = split(rawPath);
		let pathMatched = false;
		for (const route of this.routes) {
			const params = matchParts(route.parts, parts);
			if (!params) continue;
			if (route.method === method) return { kind: 'found', handler: route.handler, params, pattern: route.pattern };
			pathMatched = true;
		}
		return pathMatched ? { kind: 'method_not_allowed' } : { kind: 'not_found' };
	}
}

function split(path: string): string[] {
	return path.split('/').filter((p) => p.length > 0);
}

function matchParts(pattern: string[], parts: string[]): Record<string, string> | null {
	const rest = pattern[pattern.length - 1]?.startsWith('*') ?? false;
	if (rest ? parts.length < pattern.length : pattern.length !== parts.length) return null;
	const params: Record<string, string> = {};
	for (let i = 0; i < pattern.length; i++) {
		const p = pattern[i] as string;
		const v = parts[i] as string;
		if (rest && i === pattern.length - 1) {
			try {
				params[p.slice(1)] = parts.slice(i).map(decodeURIComponent).join('/');
			} catch {
				return null;
			}
		} else if (p.startsWith(':')) {
			try {
				params[p.slice(1)] = decodeURIComponent(v);
			} catch {
				return null;
			}
		} else if (p !== v) return null;
	}
	return params;
}
