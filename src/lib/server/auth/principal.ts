import type { PrincipalKind } from '$lib/core/access';
import type { Role } from './roles';

/** Who is making a request: a signed-in user (session), an API token, or the CLI on the server's store. */
export interface Principal {
	kind: PrincipalKind;
	/** User id or token id. */
	id: number;
	/** Username, or `token:<name>`: how the audit log names them. */
	name: string;
	/** For a token, the lower of its own role and its owner's. */
	role: Role;
	/** Hash of the session id, for logout and to check the session still holds. */
	sessionHash?: string;
	/** A user who must choose a new password before anything else (the generated first admin). */
	mustChangePassword?: boolean;
	/** A token's owner (user id); null for tokens made with the CLI. */
	ownerId?: number | null;
}
