// The OAuth application registered on each simulated forge (one per forge, as a
// dashboard registers one), and how each forge matches a redirect_uri against it.

import { timingSafeEqual } from 'node:crypto';

export type Forge = 'gitlab' | 'github';
export const FORGES: readonly Forge[] = ['gitlab', 'github'];

export const DEFAULT_CLIENT_ID = 'runner-dashboard';
export const DEFAULT_CLIENT_SECRET = 'sandbox-oidc-secret';

export interface OAuthApp {
	forge: Forge;
	clientId: string;
	clientSecret: string;
	/** Registered redirect URIs; null accepts any http(s) URL on a loopback host, any port. */
	redirectUris: string[] | null;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function parse(uri: string): URL | undefined {
	try {
		const u = new URL(uri);
		return (u.protocol === 'http:' || u.protocol === 'https:') && !u.hash ? u : undefined;
	} catch {
		return undefined;
	}
}

export const isLoopback = (u: URL): boolean => LOOPBACK.has(u.hostname);

/** Why a URI cannot be registered as a redirect URI, or undefined. */
export function redirectUriProblem(uri: string): string | undefined {
	return parse(uri) ? undefined : `redirect URI ${JSON.stringify(uri)} must be an absolute http(s) URL without a fragment`;
}

/**
 * Whether `given` may receive the code. GitLab (Doorkeeper) wants one of the registered
 * URIs exactly. GitHub wants the callback URL's host and port (any port on a loopback
 * host) with a path at or below the callback's path.
 */
export function redirectAllowed(app: OAuthApp, given: string): boolean {
	const g = parse(given);
	if (!g) return false;
	if (app.redirectUris === null) return isLoopback(g);
	if (app.forge === 'gitlab') return app.redirectUris.includes(given);
	return app.redirectUris.some((registered) => {
		const r = parse(registered);
		if (!r || r.protocol !== g.protocol || r.hostname !== g.hostname) return false;
		if (r.port !== g.port && !isLoopback(r)) return false;
		const base = r.pathname.endsWith('/') ? r.pathname : `${r.pathname}/`;
		return g.pathname === r.pathname || g.pathname.startsWith(base);
	});
}

export function sameSecret(a: string, b: string): boolean {
	const x = Buffer.from(a);
	const y = Buffer.from(b);
	return x.length === y.length && timingSafeEqual(x, y);
}

export class Apps {
	private apps = new Map<Forge, OAuthApp>();

	constructor() {
		for (const forge of FORGES) this.reset(forge);
	}

	get(forge: Forge): OAuthApp {
		return this.apps.get(forge) as OAuthApp;
	}

	/** The forge's app when `clientId` names it. */
	find(forge: Forge, clientId: string): OAuthApp | undefined {
		const app = this.get(forge);
		return app.clientId === clientId ? app : undefined;
	}

	/** The app when both the id and the secret match. */
	authenticate(forge: Forge, clientId: string, secret: string): OAuthApp | undefined {
		const app = this.find(forge, clientId);
		return app && sameSecret(app.clientSecret, secret) ? app : undefined;
	}

	register(app: OAuthApp): OAuthApp {
		this.apps.set(app.forge, app);
		return app;
	}

	reset(forge: Forge): OAuthApp {
		return this.register({ forge, clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, redirectUris: null });
	}

	list(): OAuthApp[] {
		return FORGES.map((f) => this.get(f));
	}
}
