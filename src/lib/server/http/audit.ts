import type { RequestEvent } from '@sveltejs/kit';
import { app } from '../app';
import type { AuditRecord } from '../store/audit';

/** Records a mutation's outcome, attributed to the request's principal. */
export async function audit(
	event: RequestEvent,
	action: string,
	target: string | null,
	outcome: AuditRecord['outcome'],
	detail?: Record<string, unknown>
): Promise<void> {
	const p = event.locals.principal;
	await app().store.audit.record(
		{
			principal: p?.name ?? 'anonymous',
			principal_kind: p?.kind ?? 'anonymous',
			action,
			target,
			outcome,
			detail: detail ?? null,
			ip: clientIp(event),
			request_id: event.locals.requestId
		},
		new Date().toISOString()
	);
}

export function clientIp(event: RequestEvent): string | null {
	try {
		return event.getClientAddress();
	} catch {
		return null;
	}
}
