import type { RequestEvent } from '@sveltejs/kit';
import { app } from '../app';
import { writeAudit, type AuditEvent } from '../services/audit';
import { actorOf } from './actor';

/** Records a mutation's outcome, attributed to the request's principal. */
export async function audit(
	event: RequestEvent,
	action: string,
	target: string | null,
	outcome: AuditEvent['outcome'],
	detail?: Record<string, unknown>
): Promise<void> {
	await writeAudit(app().store, new Date(), actorOf(event), { action, target, outcome, detail });
}
