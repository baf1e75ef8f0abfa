// How the pages show a change request: its state as colour, icon and words, the steps
// it has been through, and the drift items an open change is about to fix.
import { isTracked, STATE_LABEL, type ChangeState } from '$lib/core/changes';
import type { components } from '$lib/api/schema';

export type Change = components['schemas']['Change'];

export const STATE_LOOK: Record<ChangeState, { icon: string; tone: 'ok' | 'warn' | 'bad' | 'info' }> = {
	open: { icon: '○', tone: 'info' },
	pipeline_running: { icon: '◔', tone: 'info' },
	pipeline_passed: { icon: '✓', tone: 'info' },
	pipeline_failed: { icon: '✕', tone: 'bad' },
	merged: { icon: '⤵', tone: 'warn' },
	applied: { icon: '◑', tone: 'warn' },
	verified: { icon: '✔', tone: 'ok' },
	closed: { icon: '–', tone: 'info' },
	conflict: { icon: '⚠', tone: 'bad' },
	failed: { icon: '✕', tone: 'bad' }
};

export const stateLabel = (s: ChangeState) => STATE_LABEL[s];

/** The steps of a change and whether each is done, current or still to come. */
export function steps(c: Pick<Change, 'kind' | 'state' | 'created_at' | 'merged_at' | 'applied_at' | 'verified_at' | 'pipeline'>): { name: string; at: string | null; status: 'done' | 'current' | 'todo' | 'failed' }[] {
	const failed = c.state === 'failed' || c.state === 'closed' || c.state === 'conflict' || c.state === 'pipeline_failed';
	const order = c.kind === 'reapply' ? ['pipeline_running', 'applied', 'verified'] : ['open', 'pipeline_passed', 'merged', 'applied', 'verified'];
	const names: Record<string, string> = { open: 'proposed', pipeline_passed: 'plan passed', pipeline_running: 'apply pipeline', merged: 'merged', applied: 'applied', verified: 'verified (drift cleared)' };
	const at: Record<string, string | null> = { open: c.created_at, pipeline_running: c.created_at, pipeline_passed: null, merged: c.merged_at, applied: c.applied_at, verified: c.verified_at };
	const reached = (s: string) => {
		if (s === 'open' || (c.kind === 'reapply' && s === 'pipeline_running')) return true;
		if (s === 'pipeline_passed') return c.merged_at !== null || c.state === 'pipeline_passed' || c.pipeline?.status === 'success';
		return at[s] !== null;
	};
	let currentGiven = false;
	return order.map((s) => {
		if (reached(s)) return { name: names[s]!, at: at[s] ?? null, status: 'done' as const };
		if (!currentGiven) {
			currentGiven = true;
			return { name: names[s]!, at: null, status: failed ? ('failed' as const) : ('current' as const) };
		}
		return { name: names[s]!, at: null, status: 'todo' as const };
	});
}

/** The change in flight that is about a drift item: it adopts the item, or sets the variable that declares its field. */
export function changeFor(item: { key: string; stack: string; env: string; variable: string | null }, changes: Change[]): Change | null {
	return (
		changes.find(
			(c) => isTracked(c.state) && c.stack === item.stack && c.env === item.env && (c.drift_item === item.key || (item.variable !== null && c.variables.some((v) => v.name === item.variable)))
		) ?? null
	);
}
