import type { Role } from './roles';

/** Who is making a request: a signed-in user (session), an API token, or the CLI on the server's store. */
export interface Principal {
	kind: 'user' | 'token' | 'cli';
	/** User id or token id. */
	id: number;
	/** Username, or `token:<name>`: how the audit log names them. */
	name: string;
	role: Role;
	/** Hash of the session id, for logout and to check the session still holds. */
	sessionHash?: string;
	/** Hash of the token's secret, to check the token still holds. */
	tokenHash?: string;
}
