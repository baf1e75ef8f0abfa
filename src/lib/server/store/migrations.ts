// One migration set for both dialects. Only the auto-increment id differs; every
// other column type is portable (text, integer).
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { maskStoredSecrets } from './drift';

export type Dialect = 'sqlite' | 'postgres';

function migrations(dialect: Dialect): Record<string, Migration> {
	const id = (t: any) =>
		dialect === 'postgres'
			? t.addColumn('id', 'serial', (c: any) => c.primaryKey())
			: t.addColumn('id', 'integer', (c: any) => c.primaryKey().autoIncrement());
	return {
		'0001_auth_audit': {
			async up(db: Kysely<any>) {
				await id(db.schema.createTable('users'))
					.addColumn('username', 'text', (c: any) => c.notNull().unique())
					.addColumn('password_hash', 'text', (c: any) => c.notNull())
					.addColumn('role', 'text', (c: any) => c.notNull())
					.addColumn('disabled', 'integer', (c: any) => c.notNull().defaultTo(0))
					.addColumn('created_at', 'text', (c: any) => c.notNull())
					.addColumn('updated_at', 'text', (c: any) => c.notNull())
					.execute();
				await db.schema
					.createTable('sessions')
					.addColumn('id_hash', 'text', (c) => c.primaryKey())
					.addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
					.addColumn('created_at', 'text', (c) => c.notNull())
					.addColumn('last_seen_at', 'text', (c) => c.notNull())
					.addColumn('expires_at', 'text', (c) => c.notNull())
					.addColumn('ip', 'text')
					.addColumn('user_agent', 'text')
					.execute();
				await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
				await id(db.schema.createTable('api_tokens'))
					.addColumn('name', 'text', (c: any) => c.notNull())
					.addColumn('role', 'text', (c: any) => c.notNull())
					.addColumn('token_hash', 'text', (c: any) => c.notNull().unique())
					.addColumn('prefix', 'text', (c: any) => c.notNull())
					.addColumn('created_by', 'text', (c: any) => c.notNull())
					.addColumn('created_at', 'text', (c: any) => c.notNull())
					.addColumn('last_used_at', 'text')
					.addColumn('revoked_at', 'text')
					.execute();
				await id(db.schema.createTable('audit'))
					.addColumn('at', 'text', (c: any) => c.notNull())
					.addColumn('principal', 'text', (c: any) => c.notNull())
					.addColumn('principal_kind', 'text', (c: any) => c.notNull())
					.addColumn('action', 'text', (c: any) => c.notNull())
					.addColumn('target', 'text')
					.addColumn('outcome', 'text', (c: any) => c.notNull())
					.addColumn('detail', 'text')
					.addColumn('ip', 'text')
					.addColumn('request_id', 'text')
					.execute();
				await db.schema.createIndex('audit_at').on('audit').column('at').execute();
				await db.schema.createIndex('audit_action_at').on('audit').columns(['action', 'at']).execute();
				await db.schema
					.createTable('settings')
					.addColumn('key', 'text', (c) => c.primaryKey())
					.addColumn('value', 'text', (c) => c.notNull())
					.execute();
			},
			async down(db: Kysely<any>) {
				for (const t of ['settings', 'audit', 'api_tokens', 'sessions', 'users']) await db.schema.dropTable(t).execute();
			}
		},
		// Drift history: one row per drift item occurrence, open while resolved_at is null, so drift age survives restarts.
		'0002_drift_history': {
			async up(db: Kysely<any>) {
				await id(db.schema.createTable('drift_history'))
					.addColumn('item_key', 'text', (c: any) => c.notNull())
					.addColumn('stack', 'text', (c: any) => c.notNull())
					.addColumn('env', 'text', (c: any) => c.notNull())
					.addColumn('object', 'text', (c: any) => c.notNull())
					.addColumn('field', 'text', (c: any) => c.notNull())
					.addColumn('class', 'text', (c: any) => c.notNull())
					.addColumn('severity', 'text', (c: any) => c.notNull())
					.addColumn('declared', 'text')
					.addColumn('applied', 'text')
					.addColumn('live', 'text')
					.addColumn('first_seen', 'text', (c: any) => c.notNull())
					.addColumn('last_seen', 'text', (c: any) => c.notNull())
					.addColumn('resolved_at', 'text')
					.execute();
				await db.schema.createIndex('drift_history_key').on('drift_history').columns(['item_key', 'resolved_at']).execute();
				await db.schema.createIndex('drift_history_first_seen').on('drift_history').column('first_seen').execute();
			},
			async down(db: Kysely<any>) {
				await db.schema.dropTable('drift_history').execute();
			}
		},
		// Sign-in hardening: throttle counters reserved before a password is checked, coalesced
		// audit rows for refused attempts, token owners and expiry, a forced first password change.
		'0003_sign_in_hardening': {
			async up(db: Kysely<any>) {
				// One row per throttle key; the primary key is what the reserving upsert conflicts on
				// (store/login-attempts.ts), the window index what pruning deletes by.
				await db.schema
					.createTable('login_attempts')
					.addColumn('key', 'text', (c) => c.primaryKey())
					.addColumn('window_start', 'text', (c) => c.notNull())
					.addColumn('attempts', 'integer', (c) => c.notNull())
					.execute();
				await db.schema.createIndex('login_attempts_window').on('login_attempts').column('window_start').execute();
				// Refused attempts update one row per (action, key, window) instead of inserting one
				// each; NULL keys (every other record) never conflict in either dialect.
				await db.schema.alterTable('audit').addColumn('count', 'integer', (c) => c.notNull().defaultTo(1)).execute();
				await db.schema.alterTable('audit').addColumn('coalesce_key', 'text').execute();
				await db.schema.createIndex('audit_coalesce').on('audit').column('coalesce_key').unique().execute();
				await db.schema.alterTable('users').addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0)).execute();
				// No foreign key on purpose: a deleted owner must leave its tokens dead (the id no longer
				// joins), not ownerless like a CLI-made token. Ids are never reused in either dialect.
				await db.schema.alterTable('api_tokens').addColumn('owner_id', 'integer').execute();
				await db.schema.alterTable('api_tokens').addColumn('expires_at', 'text').execute();
				await db.schema.createIndex('api_tokens_owner').on('api_tokens').column('owner_id').execute();
			},
			async down(db: Kysely<any>) {
				await db.schema.dropIndex('api_tokens_owner').execute();
				await db.schema.alterTable('api_tokens').dropColumn('expires_at').execute();
				await db.schema.alterTable('api_tokens').dropColumn('owner_id').execute();
				await db.schema.alterTable('users').dropColumn('must_change_password').execute();
				await db.schema.dropIndex('audit_coalesce').execute();
				await db.schema.alterTable('audit').dropColumn('coalesce_key').execute();
				await db.schema.alterTable('audit').dropColumn('count').execute();
				await db.schema.dropTable('login_attempts').execute();
			}
		},
		// Rows written before drift masked secrets (a token line in config.toml, an env entry
		// named like a credential) are masked in place; there is nothing to restore on down.
		'0004_drift_history_masked': {
			async up(db: Kysely<any>) {
				await maskStoredSecrets(db);
			},
			async down() {}
		},
		// Change requests: each proposal (a tfvars edit, an adoption of a live value, a re-apply)
		// from the branch and merge/pull request it opened to the drift check that proved it
		// landed; and the forges' webhook deliveries already taken, so a replay is refused.
		'0005_changes': {
			async up(db: Kysely<any>) {
				await id(db.schema.createTable('changes'))
					.addColumn('kind', 'text', (c: any) => c.notNull())
					.addColumn('stack', 'text', (c: any) => c.notNull())
					.addColumn('env', 'text', (c: any) => c.notNull())
					.addColumn('forge', 'text', (c: any) => c.notNull())
					.addColumn('source', 'text', (c: any) => c.notNull())
					.addColumn('repository', 'text', (c: any) => c.notNull())
					.addColumn('file', 'text', (c: any) => c.notNull())
					.addColumn('title', 'text', (c: any) => c.notNull())
					.addColumn('target_branch', 'text', (c: any) => c.notNull())
					.addColumn('seen_commit', 'text')
					.addColumn('base_commit', 'text')
					.addColumn('branch', 'text')
					.addColumn('head_commit', 'text')
					.addColumn('number', 'integer')
					.addColumn('url', 'text')
					// JSON: [{name, old, old_from, new}]; sensitive variables are never edited, so never here.
					.addColumn('variables', 'text', (c: any) => c.notNull())
					.addColumn('diff', 'text', (c: any) => c.notNull())
					.addColumn('state', 'text', (c: any) => c.notNull())
					.addColumn('reason', 'text')
					.addColumn('pipeline', 'text')
					.addColumn('apply_pipeline', 'text')
					.addColumn('merge_commit', 'text')
					.addColumn('state_serial', 'integer')
					.addColumn('drift_item', 'text')
					.addColumn('created_by', 'text', (c: any) => c.notNull())
					.addColumn('created_at', 'text', (c: any) => c.notNull())
					.addColumn('updated_at', 'text', (c: any) => c.notNull())
					.addColumn('merged_at', 'text')
					.addColumn('applied_at', 'text')
					.addColumn('verified_at', 'text')
					// Set while the proposal is open: the same stack, env and values return it instead of a second one.
					.addColumn('idempotency_key', 'text', (c: any) => c.unique())
					.execute();
				await db.schema.createIndex('changes_state').on('changes').column('state').execute();
				await db.schema.createIndex('changes_stack_env').on('changes').columns(['stack', 'env']).execute();
				await db.schema
					.createTable('webhook_deliveries')
					.addColumn('forge', 'text', (c) => c.notNull())
					.addColumn('delivery_id', 'text', (c) => c.notNull())
					.addColumn('received_at', 'text', (c) => c.notNull())
					.addPrimaryKeyConstraint('webhook_deliveries_pk', ['forge', 'delivery_id'])
					.execute();
				await db.schema.createIndex('webhook_deliveries_received').on('webhook_deliveries').column('received_at').execute();
			},
			async down(db: Kysely<any>) {
				await db.schema.dropTable('webhook_deliveries').execute();
				await db.schema.dropTable('changes').execute();
			}
		},
		// Single sign-on and passkeys. A user signed in through a provider is linked by
		// (provider, subject), never by email; local users have neither. A session made by a
		// provider keeps what re-checking the role needs (the refresh or access token, sealed).
		// Sign-ins under way (state, PKCE verifier, nonce; a passkey challenge) are rows that
		// are taken once.
		'0006_sso': {
			async up(db: Kysely<any>) {
				await db.schema.alterTable('users').addColumn('provider', 'text').execute();
				await db.schema.alterTable('users').addColumn('subject', 'text').execute();
				await db.schema.alterTable('users').addColumn('last_sign_in_at', 'text').execute();
				// When the provider last confirmed the role (a sign-in, a re-check): bounds a passkey sign-in of a provider's account.
				await db.schema.alterTable('users').addColumn('role_confirmed_at', 'text').execute();
				// 1 when the account was disabled because its provider's identity no longer matched a rule (not by an admin):
				// a later sign-in that matches one enables it again.
				await db.schema.alterTable('users').addColumn('disabled_by_provider', 'integer', (c) => c.notNull().defaultTo(0)).execute();
				await db.schema.createIndex('users_provider_subject').on('users').columns(['provider', 'subject']).unique().execute();
				await db.schema.alterTable('sessions').addColumn('provider', 'text').execute();
				await db.schema.alterTable('sessions').addColumn('provider_token', 'text').execute();
				await db.schema.alterTable('sessions').addColumn('id_token', 'text').execute();
				await db.schema.alterTable('sessions').addColumn('role_checked_at', 'text').execute();
				await db.schema
					.createTable('sign_in_flows')
					.addColumn('id_hash', 'text', (c) => c.primaryKey())
					.addColumn('kind', 'text', (c) => c.notNull())
					.addColumn('data', 'text', (c) => c.notNull())
					.addColumn('expires_at', 'text', (c) => c.notNull())
					.execute();
				await db.schema.createIndex('sign_in_flows_expires').on('sign_in_flows').column('expires_at').execute();
				await id(db.schema.createTable('passkeys'))
					.addColumn('user_id', 'integer', (c: any) => c.notNull().references('users.id').onDelete('cascade'))
					.addColumn('credential_id', 'text', (c: any) => c.notNull().unique())
					.addColumn('public_key', 'text', (c: any) => c.notNull())
					.addColumn('counter', 'integer', (c: any) => c.notNull())
					.addColumn('transports', 'text')
					.addColumn('device_type', 'text', (c: any) => c.notNull())
					.addColumn('backed_up', 'integer', (c: any) => c.notNull())
					.addColumn('name', 'text', (c: any) => c.notNull())
					.addColumn('created_at', 'text', (c: any) => c.notNull())
					.addColumn('last_used_at', 'text')
					.execute();
				await db.schema.createIndex('passkeys_user').on('passkeys').column('user_id').execute();
			},
			async down(db: Kysely<any>) {
				await db.schema.dropTable('passkeys').execute();
				await db.schema.dropTable('sign_in_flows').execute();
				for (const c of ['role_checked_at', 'id_token', 'provider_token', 'provider']) await db.schema.alterTable('sessions').dropColumn(c).execute();
				await db.schema.dropIndex('users_provider_subject').execute();
				for (const c of ['disabled_by_provider', 'role_confirmed_at', 'last_sign_in_at', 'subject', 'provider']) await db.schema.alterTable('users').dropColumn(c).execute();
			}
		},
		// Several replicas on one PostgreSQL: the leader's lease and its term (which fences the
		// leader's writes), the feed the replica that acts publishes through (one global sequence,
		// payloads in rows), each replica's heartbeat; and the history that outlives a process:
		// the autoscalers' replica counts and the built-in scraper's capacity window.
		'0007_replicas': {
			async up(db: Kysely<any>) {
				await db.schema
					.createTable('leader_lease')
					.addColumn('name', 'text', (c) => c.primaryKey())
					.addColumn('holder', 'text', (c) => c.notNull())
					.addColumn('term', 'integer', (c) => c.notNull())
					// Milliseconds since the epoch on the database's clock, so replicas' clocks never matter.
					.addColumn('expires_at', 'bigint', (c) => c.notNull())
					.execute();
				await (dialect === 'postgres'
					? db.schema.createTable('replica_feed').addColumn('seq', 'bigserial', (c) => c.primaryKey())
					: db.schema.createTable('replica_feed').addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement()))
					.addColumn('term', 'integer', (c) => c.notNull())
					.addColumn('origin', 'text', (c) => c.notNull())
					.addColumn('kind', 'text', (c) => c.notNull())
					.addColumn('payload', 'text', (c) => c.notNull())
					.addColumn('at', 'text', (c) => c.notNull())
					.execute();
				await db.schema.createIndex('replica_feed_kind').on('replica_feed').columns(['kind', 'seq']).execute();
				await db.schema
					.createTable('replicas')
					.addColumn('id', 'text', (c) => c.primaryKey())
					.addColumn('started_at', 'text', (c) => c.notNull())
					.addColumn('last_seen', 'text', (c) => c.notNull())
					.addColumn('term', 'integer', (c) => c.notNull())
					.addColumn('applied_seq', 'bigint', (c) => c.notNull())
					.addColumn('lag_ms', 'integer', (c) => c.notNull())
					.execute();
				await db.schema
					.createTable('autoscaler_history')
					.addColumn('autoscaler', 'text', (c) => c.notNull())
					.addColumn('at_s', 'integer', (c) => c.notNull())
					.addColumn('current', 'integer')
					.addColumn('desired', 'integer')
					.addColumn('max', 'integer')
					.addPrimaryKeyConstraint('autoscaler_history_pk', ['autoscaler', 'at_s'])
					.execute();
				await db.schema.createIndex('autoscaler_history_at').on('autoscaler_history').column('at_s').execute();
				// The built-in scraper's capacity window: one row per scrape (per-group sums as JSON).
				await db.schema
					.createTable('capacity_window')
					.addColumn('at_ms', 'bigint', (c) => c.primaryKey())
					.addColumn('row', 'text', (c) => c.notNull())
					.addColumn('born', 'text', (c) => c.notNull())
					.execute();
			},
			async down(db: Kysely<any>) {
				for (const t of ['capacity_window', 'autoscaler_history', 'replicas', 'replica_feed', 'leader_lease']) await db.schema.dropTable(t).execute();
			}
		},
		// When the dashboard first saw each GitHub runner offline (GitHub keeps no last-contact
		// time): written by the leader when a runner goes offline or comes back, read by every
		// replica, so a restart or another replica tells the same silence.
		'0008_runner_offline_since': {
			async up(db: Kysely<any>) {
				await db.schema
					.createTable('runner_offline_since')
					.addColumn('runner_id', 'text', (c) => c.primaryKey())
					// Milliseconds since the epoch.
					.addColumn('since_ms', 'bigint', (c) => c.notNull())
					.execute();
			},
			async down(db: Kysely<any>) {
				await db.schema.dropTable('runner_offline_since').execute();
			}
		}
	};
}

class InCodeProvider implements MigrationProvider {
	constructor(private dialect: Dialect) {}
	async getMigrations() {
		return migrations(this.dialect);
	}
}

/** Bring the schema to a named version (tests of a migration start from the one before it). */
export async function migrateTo(db: Kysely<any>, dialect: Dialect, name: string): Promise<void> {
	const { error } = await new Migrator({ db, provider: new InCodeProvider(dialect) }).migrateTo(name);
	if (error) throw error instanceof Error ? error : new Error(String(error));
}

/** Bring the schema to the latest version; concurrent replicas serialise on Kysely's migration lock. */
export async function migrateToLatest(db: Kysely<any>, dialect: Dialect): Promise<string[]> {
	const migrator = new Migrator({ db, provider: new InCodeProvider(dialect) });
	const { error, results } = await migrator.migrateToLatest();
	if (error) throw error instanceof Error ? error : new Error(String(error));
	return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export async function ping(db: Kysely<any>): Promise<void> {
	await sql`select 1`.execute(db);
}
