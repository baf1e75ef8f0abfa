// Table shapes as Kysely sees them. Timestamps are ISO-8601 UTC strings and booleans
// 0/1 integers so one schema and one set of queries serve SQLite and PostgreSQL.
import type { Generated } from 'kysely';

import type { Role } from '$lib/core/access';
import type { AuditOutcome } from '$lib/core/audit';

export type { Role };

export interface UsersTable {
	id: Generated<number>;
	username: string;
	password_hash: string;
	role: Role;
	disabled: Generated<number>;
	/** 1 until the user has chosen their own password (the generated first admin). */
	must_change_password: Generated<number>;
	created_at: string;
	updated_at: string;
	/** The sign-in provider's name and its id for the user; both null for a local account. */
	provider: string | null;
	subject: string | null;
	last_sign_in_at: string | null;
	role_confirmed_at: string | null;
	disabled_by_provider: Generated<number>;
}

export interface SessionsTable {
	id_hash: string;
	user_id: number;
	created_at: string;
	last_seen_at: string;
	expires_at: string;
	ip: string | null;
	user_agent: string | null;
	/** The provider that signed the session in; null for a password or passkey. */
	provider: string | null;
	/** Sealed (auth/secrets.ts): the refresh token (OIDC) or access token (GitHub) that re-checks the role. */
	provider_token: string | null;
	/** The last ID token, the hint of the provider's end-session link. */
	id_token: string | null;
	role_checked_at: string | null;
}

export interface ApiTokensTable {
	id: Generated<number>;
	name: string;
	role: Role;
	token_hash: string;
	prefix: string;
	created_by: string;
	/** The user whose rights bound the token's; null for tokens made with the CLI. */
	owner_id: number | null;
	created_at: string;
	expires_at: string | null;
	last_used_at: string | null;
	revoked_at: string | null;
}

export interface AuditTable {
	id: Generated<number>;
	at: string;
	principal: string;
	principal_kind: string;
	action: string;
	target: string | null;
	outcome: AuditOutcome;
	detail: string | null;
	ip: string | null;
	request_id: string | null;
	/** How many attempts the row stands for (refused sign-ins are coalesced per window). */
	count: Generated<number>;
	coalesce_key: string | null;
}

export interface LoginAttemptsTable {
	key: string;
	window_start: string;
	attempts: number;
}

export interface SettingsTable {
	key: string;
	value: string;
}

export interface SignInFlowsTable {
	/** HMAC of the flow's secret (the OAuth `state`, a passkey challenge): a copy of the table starts nothing. */
	id_hash: string;
	kind: string;
	/** JSON: what finishing the flow needs. */
	data: string;
	expires_at: string;
}

export interface PasskeysTable {
	id: Generated<number>;
	user_id: number;
	/** base64url, as WebAuthn names it. */
	credential_id: string;
	/** base64url COSE public key. */
	public_key: string;
	/** The authenticator's signature counter: a clone shows itself by going back. */
	counter: number;
	transports: string | null;
	/** `singleDevice` or `multiDevice` (a synced passkey). */
	device_type: string;
	backed_up: number;
	name: string;
	created_at: string;
	last_used_at: string | null;
}

export interface Database {
	users: UsersTable;
	sessions: SessionsTable;
	api_tokens: ApiTokensTable;
	audit: AuditTable;
	settings: SettingsTable;
	login_attempts: LoginAttemptsTable;
	sign_in_flows: SignInFlowsTable;
	passkeys: PasskeysTable;
}
