// Who acts, whatever door the call came through (the JSON API, a page's form, the
// CLI on the server's store): services take an Actor, never a framework request, so
// every caller is authorised and audited the same way.
import type { Principal } from '../auth/principal';

export interface Actor {
	/** The signed-in user or API token; null before sign-in (the login attempt itself). */
	principal: Principal | null;
	/** The client address as the HTTP layer resolved it; null for the CLI. */
	ip: string | null;
	requestId: string | null;
	userAgent: string | null;
}

/** The CLI acting on the server's own store: full rights, named `cli` in the audit log. */
export const CLI_ACTOR: Actor = {
	principal: { kind: 'cli', id: 0, name: 'cli', role: 'admin' },
	ip: null,
	requestId: null,
	userAgent: null
};

/** How the audit log names the actor. */
export function actorName(actor: Actor): { principal: string; principal_kind: string } {
	return { principal: actor.principal?.name ?? 'anonymous', principal_kind: actor.principal?.kind ?? 'anonymous' };
}
