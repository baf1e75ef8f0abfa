// Every mutation's outcome, attributed to its actor, in one format whoever acts
// (the API, a page's form, the CLI).
import type { Store } from '../store';
import type { AuditRecord } from '../store/audit';
import { actorName, type Actor } from './actor';

export async function audit(
	store: Store,
	actor: Actor,
	action: string,
	target: string | null,
	outcome: AuditRecord['outcome'],
	detail?: Record<string, unknown>
): Promise<void> {
	await store.audit.record(
		{ ...actorName(actor), action, target, outcome, detail: detail ?? null, ip: actor.ip, request_id: actor.requestId },
		new Date().toISOString()
	);
}
