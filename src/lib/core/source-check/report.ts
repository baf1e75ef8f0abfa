// What `runner-dashboard check` (and GET /api/v1/sources/check) answers: one row per
// source and feature — can this source be reached, who is its token, and may it do what
// the dashboard needs for each feature — with the fix in words when it may not.
import { z } from 'zod';

/**
 * ok: works. missing: the credentials lack a permission a feature needs. error: the
 * source or the check itself failed. unknown: the source does not say (a token whose
 * scopes are not readable). not_used: nothing configured needs it.
 */
export const CHECK_STATUSES = ['ok', 'missing', 'error', 'unknown', 'not_used'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export const CHECKED_KINDS = ['gitlab', 'github', 'kubernetes', 'prometheus', 'drift'] as const;
export type CheckedKind = (typeof CHECKED_KINDS)[number];

export const checkRowSchema = z.object({
	source: z.string().meta({ description: 'The configured source (`prometheus` for metrics.prometheus, `drift/<stack>` for a drift stack).' }),
	kind: z.enum(CHECKED_KINDS),
	check: z.string().meta({ description: 'What was checked: connection, token, read runners, pause and resume, … in the operator’s words.' }),
	status: z.enum(CHECK_STATUSES),
	detail: z.string(),
	fix: z.string().nullable().meta({ description: 'What grants the missing permission or repairs the failure; null when nothing is to be done.' })
});
export type CheckRow = z.infer<typeof checkRowSchema>;

export const sourceCheckSchema = z.object({
	checked_at: z.string(),
	/** True when no row is missing or in error. */
	ok: z.boolean(),
	rows: z.array(checkRowSchema)
});
export type SourceCheck = z.infer<typeof sourceCheckSchema>;

/** Whether a row means something the operator must act on. */
export function failing(row: Pick<CheckRow, 'status'>): boolean {
	return row.status === 'missing' || row.status === 'error';
}

/** The report over all rows, in the order given. */
export function report(rows: CheckRow[], at: Date): SourceCheck {
	return { checked_at: at.toISOString(), ok: !rows.some(failing), rows };
}

/** `check`'s exit code: 0 when every row is ok, unknown or not used; 1 when one is missing or in error. */
export function exitCodeOf(r: SourceCheck): 0 | 1 {
	return r.ok ? 0 : 1;
}

/** The outcome of one upstream call, as the evaluators read it. */
export type Outcome<T> = ({ ok: true } & T) | { ok: false; error: string; status?: number; unreachable?: boolean };

/** A row builder bound to one source. */
export function rowsFor(source: string, kind: CheckedKind) {
	return (check: string, status: CheckStatus, detail: string, fix: string | null = null): CheckRow => ({ source, kind, check, status, detail, fix });
}

/** "a, b and c" */
export function listing(items: readonly string[]): string {
	if (items.length <= 1) return items.join('');
	return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
