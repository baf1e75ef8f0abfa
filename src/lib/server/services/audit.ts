// The one way services write the audit log: who acted comes from the Actor, whatever
// door the call came through, so a record reads the same from the API, a page or the CLI.
//
// Targets name what was acted on, in one format:
//   user:<username>   a user account (sign-in attempts too, whether or not the user exists)
//   token:<id>        an API token; its name goes in the detail (names are not unique)
// Runner and scale-set actions name their object by its id (gitlab:<source>:<n>, ...).
import type { Store } from '../store';
import type { AuditRecord } from '../store/audit';
import { actorName, type Actor } from './actor';

export const auditTarget = {
	user: (username: string) => `user:${username}`,
	token: (id: number) => `token:${id}`
};

export interface AuditEvent {
	action: string;
	target: string | null;
	outcome: AuditRecord['outcome'];
	detail?: Record<string, unknown>;
}

export function auditRecord(actor: Actor, e: AuditEvent): AuditRecord {
	return { ...actorName(actor), action: e.action, target: e.target, outcome: e.outcome, detail: e.detail ?? null, ip: actor.ip, request_id: actor.requestId };
}

export async function writeAudit(store: Store, now: Date, actor: Actor, e: AuditEvent): Promise<void> {
	await store.audit.record(auditRecord(actor, e), now.toISOString());
}

/** One row per `key` however often it happens (refused attempts within one throttle window). */
export async function writeRepeatedAudit(store: Store, now: Date, actor: Actor, key: string, e: AuditEvent): Promise<void> {
	await store.audit.recordRepeated(auditRecord(actor, e), key, now.toISOString());
}

/** writeAudit at the current time, in the argument order the fleet services use. */
export function audit(store: Store, actor: Actor, action: string, target: string | null, outcome: AuditRecord['outcome'], detail?: Record<string, unknown>): Promise<void> {
	return writeAudit(store, new Date(), actor, { action, target, outcome, detail });
}
