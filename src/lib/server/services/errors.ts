// What a service answers when it will not or cannot do what was asked. Services know
// nothing of HTTP: the API maps each kind to a status in one place
// (src/lib/server/api/errors.ts), pages show the message, the CLI prints it.
export type FailureKind =
	/** The input is wrong (400). */
	| 'invalid'
	/** The credentials given are wrong (401). */
	| 'unauthenticated'
	| 'not_found'
	/** The current state does not allow it: already drained, last admin, a newer commit (409). */
	| 'conflict'
	/** The actor may not do this, whatever the input (403). */
	| 'forbidden'
	/** Too many attempts; `retryAfterS` says when to try again (429). */
	| 'throttled'
	/** The target cannot do it at all (a GitHub runner has no pause) (409). */
	| 'unsupported'
	/** The upstream system failed or refused (502; 504 when it timed out). */
	| 'upstream'
	| 'upstream_timeout'
	/** A dependency of the dashboard itself is not there (503). */
	| 'unavailable';

export class DomainError extends Error {
	constructor(
		readonly kind: FailureKind,
		/** A stable machine-readable code, e.g. `last_admin`, `already_drained`. */
		readonly code: string,
		message: string,
		readonly extra: { retryAfterS?: number; details?: Record<string, unknown> } = {}
	) {
		super(message);
		this.name = 'DomainError';
	}
}
