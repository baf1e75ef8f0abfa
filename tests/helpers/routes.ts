// The route tree as SvelteKit sees it (src/routes), so tests cover every route
// that exists without a hand-kept list.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root } from './app';
import { OPERATIONS } from '../../src/lib/server/api/operations';
import { API_BRIDGE, pageAccess } from '../../src/lib/core/page-access';
import type { Access } from '../../src/lib/core/access';

export interface RouteEntry {
	/** SvelteKit route id, e.g. /api/v1/users/[id] */
	id: string;
	/** A concrete path with parameters filled in. */
	path: string;
	kind: 'endpoint' | 'page' | 'action';
	method: string;
	/** The role it needs, from the operation's declaration or the page table (undefined: not in the table). */
	access: Access | undefined;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function fill(id: string): string {
	return id
		.split('/')
		.filter((seg) => !/^\(.*\)$/.test(seg))
		.map((seg) => (seg.startsWith('[...') ? 'some/deep/path' : seg.startsWith('[') ? '1' : seg))
		.join('/') || '/';
}

export function routeTree(): RouteEntry[] {
	const base = join(root, 'src/routes');
	const out: RouteEntry[] = [];
	const walk = (dir: string) => {
		const id = '/' + relative(base, dir).split('\\').join('/');
		const routeId = id === '/' ? '/' : id;
		const entries = readdirSync(dir);
		// The API is Fastify's (the operations below); this route only carries the pages' own calls to it.
		if (entries.includes('+server.ts') && routeId !== API_BRIDGE) {
			const src = readFileSync(join(dir, '+server.ts'), 'utf8');
			for (const m of METHODS) {
				if (new RegExp(`export\\s+(const|async function|function)\\s+${m}\\b`).test(src)) out.push({ id: routeId, path: fill(routeId), kind: 'endpoint', method: m, access: pageAccess(routeId, m, '') });
			}
		}
		if (entries.includes('+page.svelte')) out.push({ id: routeId, path: fill(routeId), kind: 'page', method: 'GET', access: pageAccess(routeId, 'GET', '') });
		if (entries.includes('+page.server.ts')) {
			const src = readFileSync(join(dir, '+page.server.ts'), 'utf8');
			const actions = /export const actions[^=]*=\s*\{([\s\S]*?)\n\};/.exec(src);
			if (actions) {
				for (const name of [...actions[1]!.matchAll(/^\t(\w+):/gm)].map((m) => m[1]!)) {
					const search = name === 'default' ? '' : `?/${name}`;
					out.push({ id: routeId, path: `${fill(routeId)}${search}`, kind: 'action', method: 'POST', access: pageAccess(routeId, 'POST', search) });
				}
			}
		}
		for (const e of entries) if (statSync(join(dir, e)).isDirectory()) walk(join(dir, e));
	};
	walk(base);
	// Every API operation, as declared: the server, the document and the client come from these.
	for (const o of OPERATIONS) {
		const id = o.path.replace(/\{(\w+)\}/g, '[$1]');
		out.push({ id, path: fill(id), kind: 'endpoint', method: o.method, access: o.access });
	}
	return out;
}
