// Every route that exists, with the role it needs: the API operations as declared, and
// the pages, form actions and endpoints SvelteKit really serves, read from the manifest
// of the build (not from file names), so tests cover every route without a hand-kept list.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { root } from './app';
import { OPERATIONS } from '../../src/lib/server/api/operations';
import { API_BRIDGE, pageAccess } from '../../src/lib/core/page-access';
import { roleAtLeast, type Access } from '../../src/lib/core/access';

export interface RouteEntry {
	/** SvelteKit route id, e.g. /fleet/[id], or the operation's path in that form. */
	id: string;
	/** A concrete path with parameters filled in. */
	path: string;
	kind: 'endpoint' | 'page' | 'action';
	method: string;
	/** The role it needs, from the operation's declaration or the page table (undefined: not in the table). */
	access: Access | undefined;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'fallback'];

function fill(id: string): string {
	return (
		id
			.split('/')
			.filter((seg) => !/^\(.*\)$/.test(seg))
			.map((seg) => (seg.startsWith('[...') ? 'some/deep/path' : seg.startsWith('[') ? '1' : seg))
			.join('/') || '/'
	);
}

/** Every API operation, as declared: the server, the document and the client come from these. */
export function operationRoutes(): RouteEntry[] {
	return OPERATIONS.map((o) => {
		const id = o.path.replace(/\{(\w+)\}/g, '[$1]');
		return { id, path: fill(id), kind: 'endpoint' as const, method: o.method, access: o.access };
	});
}

interface ManifestRoute {
	id: string;
	page: { leaf: number } | null;
	endpoint: (() => Promise<Record<string, unknown>>) | null;
}
interface Manifest {
	_: { routes: ManifestRoute[]; nodes: (() => Promise<{ server?: { actions?: Record<string, unknown> } }>)[] };
}

/** SvelteKit's routes as the build serves them (`.svelte-kit/output/server/manifest.js`, written by `vite build`). */
export async function pageRoutes(): Promise<RouteEntry[]> {
	const { manifest } = (await import(pathToFileURL(join(root, '.svelte-kit/output/server/manifest.js')).href)) as { manifest: Manifest };
	const out: RouteEntry[] = [];
	for (const r of manifest._.routes) {
		const path = fill(r.id);
		if (r.endpoint && r.id !== API_BRIDGE) {
			const mod = await r.endpoint();
			for (const m of METHODS.filter((m) => m in mod)) out.push({ id: r.id, path, kind: 'endpoint', method: m, access: pageAccess(r.id, m, '') });
		}
		if (!r.page) continue;
		out.push({ id: r.id, path, kind: 'page', method: 'GET', access: pageAccess(r.id, 'GET', '') });
		const leaf = await manifest._.nodes[r.page.leaf]!();
		for (const name of Object.keys(leaf.server?.actions ?? {})) {
			const search = name === 'default' ? '' : `?/${name}`;
			out.push({ id: r.id, path: `${path}${search}`, kind: 'action', method: 'POST', access: pageAccess(r.id, 'POST', search) });
		}
	}
	return out;
}

export async function routeTree(): Promise<RouteEntry[]> {
	return [...(await pageRoutes()), ...operationRoutes()];
}

/**
 * What the role table is meant to say, stated here independently of it: the only
 * anonymous doors, the only changes a viewer may make, and what stays admin's.
 */
export const INTENT = {
	// The forges' webhooks are anonymous doors that prove themselves with the configured secret;
	// signing in through a provider or with a passkey starts before anyone is known.
	public: [
		'GET /api/v1/sign-in',
		'GET /api/v1/sign-in/1',
		'GET /api/v1/sign-in/1/callback',
		'GET /healthz',
		'GET /login',
		'GET /readyz',
		'POST /api/v1/passkey-sign-in',
		'POST /api/v1/passkey-sign-in/options',
		'POST /api/v1/session',
		'POST /api/v1/webhooks/github',
		'POST /api/v1/webhooks/gitlab',
		'POST /login'
	],
	// One's own session, password and passkeys.
	viewerMutations: [
		'DELETE /api/v1/me/passkeys/1',
		'DELETE /api/v1/session',
		'POST /api/v1/me/passkeys',
		'POST /api/v1/me/passkeys/options',
		'POST /api/v1/me/password',
		'POST /logout',
		'POST /settings?/password'
	],
	/** Routes whose every method needs admin: accounts, tokens, the audit log, the source check (it says who each token is). */
	adminOnly: [/^\/api\/v1\/(users|tokens|audit)\b/, /^\/api\/v1\/sources\/check$/, /^\/audit$/, /^\/settings\?\/(createUser|updateUser|deleteUser|createToken|revokeToken|checkSources)$/]
};

const key = (r: RouteEntry) => `${r.method} ${r.path}`;

/** Where the table disagrees with the intent: missing rows, or a role lower than intended. Empty when all is well. */
export function roleTableViolations(routes: RouteEntry[]): string[] {
	const out: string[] = [];
	for (const r of routes) {
		const k = key(r);
		if (r.access === undefined) out.push(`${k}: no row in the role table`);
		else if (r.access === 'public' && !INTENT.public.includes(k)) out.push(`${k}: public, but not a stated anonymous door`);
		else if (r.method !== 'GET' && r.access === 'viewer' && !INTENT.viewerMutations.includes(k)) out.push(`${k}: a viewer may change this`);
		else if (r.method !== 'GET' && r.access !== 'public' && !roleAtLeast(r.access, 'operator') && !INTENT.viewerMutations.includes(k)) out.push(`${k}: below operator`);
		if (r.access !== undefined && r.access !== 'admin' && INTENT.adminOnly.some((re) => re.test(r.path))) out.push(`${k}: ${r.access}, but admin only`);
	}
	return out;
}
