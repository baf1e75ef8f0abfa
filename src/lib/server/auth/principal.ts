import type { Role } from './roles';

/** Who is making a request: a signed-in user (session) or an API token. */
export interface Principal {
	kind: 'user' | 'token' | 'cli';
	/** User id or token id. */
	id: number;
	/** Username, or `token:<name>`: how the audit log names them. */
	name: string;
	/** For a token, the lower of its own role and its owner's. */
	role: Role;
	/** Hash of the session id, for logout and re-validation. */
	sessionHash?: string;
	/** A user who must choose a new password before anything else (the generated first admin). */
	mustChangePassword?: boolean;
	/** A token's owner (user id); null for tokens made with the CLI. */
	ownerId?: number | null;
}
