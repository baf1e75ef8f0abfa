// Who may talk to the simulated forges: the user directory, the registered OAuth apps,
// every accepted token, outstanding authorization codes and the OpenID signing key,
// plus a short log of sign-in events for tests to read.

import { Apps, type Forge } from './apps.js';
import { Codes } from './codes.js';
import { Directory } from './directory.js';
import { SigningKey } from './keys.js';
import { DEFAULT_SCOPES, knownScope } from './scopes.js';
import { TokenError, Tokens, type AccessGrant } from './tokens.js';

export const MAX_EVENTS = 200;

export interface TokenSpec {
	forge: Forge;
	token: string;
	scopes: string[];
	name?: string;
	/** A directory user; the forge's admin service account when absent. */
	user?: string;
}

export interface IdentityOptions {
	/** Simulated now (ms). */
	now: () => number;
	gitlabToken: string;
	githubToken: string;
	/** More personal tokens, e.g. narrower ones (the two above keep full scopes). */
	tokens?: readonly TokenSpec[];
}

export type IdentityEventKind = 'sign_in' | 'sign_in_failed' | 'token' | 'refresh' | 'code_replayed' | 'revoke' | 'end_session';

export interface IdentityEvent {
	/** Real time, ISO 8601 (the flows run on the real clock). */
	at: string;
	forge: Forge;
	kind: IdentityEventKind;
	user?: string;
	client_id?: string;
}

export class Identity {
	readonly directory: Directory;
	readonly apps = new Apps();
	readonly tokens: Tokens;
	readonly codes = new Codes();
	readonly key = new SigningKey();
	/** Whether the GitLab discovery document offers end_session_endpoint (GitLab's own does not). */
	endSession = true;
	private events: IdentityEvent[] = [];

	constructor(opts: IdentityOptions) {
		this.directory = new Directory(opts.now);
		this.tokens = new Tokens(opts.now, (id) => this.directory.byId(id) !== undefined);
		this.tokens.putPersonal({ forge: 'gitlab', token: opts.gitlabToken, scopes: [...DEFAULT_SCOPES.gitlab], name: 'sandbox-default' });
		this.tokens.putPersonal({ forge: 'github', token: opts.githubToken, scopes: [...DEFAULT_SCOPES.github], name: 'sandbox-default' });
		for (const t of opts.tokens ?? []) {
			try {
				this.addToken(t);
			} catch (err) {
				throw new Error(`sandbox: tokens: ${err instanceof Error ? err.message : String(err)}`);
			}
		}
	}

	/** Registers (or changes) a personal token after checking it; nothing changes on bad input. */
	addToken(spec: TokenSpec & { expiresAt?: number | null; revoked?: boolean }): AccessGrant {
		if (!spec.token.trim()) throw new TokenError(400, 'token must not be empty');
		const unknown = spec.scopes.filter((s) => !knownScope(spec.forge, s));
		if (unknown.length) throw new TokenError(400, `unknown ${spec.forge} scope${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
		const owner = spec.user === undefined ? undefined : this.directory.get(spec.user);
		if (spec.user !== undefined && !owner) throw new TokenError(400, `no user ${spec.user}`);
		return this.tokens.putPersonal({ ...spec, userId: owner?.gitlabId });
	}

	record(forge: Forge, kind: IdentityEventKind, detail: { user?: string; client_id?: string } = {}): void {
		this.events.push({ at: new Date().toISOString(), forge, kind, ...detail });
		if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
	}

	recent(): IdentityEvent[] {
		return [...this.events];
	}
}
