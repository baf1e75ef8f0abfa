import type { Role } from './roles';

/** Who is making a request: a signed-in user (session) or an API token. */
export interface Principal {
	kind: 'user' | 'token' | 'cli';
	/** User id or token id. */
	id: number;
	/** Username, or `token:<name>`: how the audit log names them. */
	name: string;
	role: Role;
	/** Hash of the session id, for logout. */
	sessionHash?: string;
}
