import { describe, expect, it } from 'vitest';
import { applyTransition, driftCleared, proposalRef, proposalTransition, type AppliedChange, type DriftView } from './changes';
import { changeSummary, changeTitle, commitMessage, proposalDescription, valueText } from './change-text';

const pipeline = (status: 'pending' | 'running' | 'success' | 'failed' | 'canceled') => ({ id: 7, status, url: null });

describe('proposalTransition', () => {
	it('follows the forge: merged and closed first, then conflicts, then the head pipeline', () => {
		const open = { state: 'open' as const, conflict: false, pipeline: null, mergeCommit: null };
		expect(proposalTransition(open)).toEqual({ state: 'open', reason: null });
		expect(proposalTransition({ ...open, pipeline: pipeline('pending') }).state).toBe('pipeline_running');
		expect(proposalTransition({ ...open, pipeline: pipeline('running') }).state).toBe('pipeline_running');
		expect(proposalTransition({ ...open, pipeline: pipeline('success') }).state).toBe('pipeline_passed');
		expect(proposalTransition({ ...open, pipeline: pipeline('failed') })).toEqual({ state: 'pipeline_failed', reason: 'pipeline 7 failed' });
		expect(proposalTransition({ ...open, pipeline: pipeline('canceled') }).state).toBe('pipeline_failed');
		expect(proposalTransition({ ...open, conflict: true, pipeline: pipeline('success') }).state).toBe('conflict');
		expect(proposalTransition({ ...open, state: 'merged', conflict: true })).toEqual({ state: 'merged', reason: null });
		expect(proposalTransition({ ...open, state: 'closed' }).state).toBe('closed');
	});
});

describe('applyTransition', () => {
	it('is applied when the apply pipeline passed and the serial moved (or cannot be read), failed when it failed, else waits', () => {
		expect(applyTransition(null, null)).toBeNull();
		expect(applyTransition(pipeline('running'), null)).toBeNull();
		expect(applyTransition(pipeline('success'), false)).toBeNull();
		expect(applyTransition(pipeline('success'), true)).toEqual({ state: 'applied', reason: null });
		expect(applyTransition(pipeline('success'), null)).toEqual({ state: 'applied', reason: null });
		expect(applyTransition(pipeline('failed'), null)).toEqual({ state: 'failed', reason: 'apply pipeline 7 failed' });
	});
});

describe('driftCleared', () => {
	const change: AppliedChange = { kind: 'edit', stack: 's', env: 'dev', variables: [{ name: 'max' }], drift_item: null, base_commit: 'base', applied_at: '2026-01-01T00:01:00Z' };
	const drift: DriftView = { read_at: '2026-01-01T00:02:00Z', items: [], errors: [], stacks: [{ name: 's', revision: 'merge' }] };
	const item = (over: Partial<DriftView['items'][number]>) => ({ key: 'k', stack: 's', env: 'dev', variable: 'max', class: 'unapplied', ...over });

	it('needs a check read after the apply, at another commit than the base, without errors for the stack', () => {
		expect(driftCleared(change, drift)).toBe(true);
		expect(driftCleared(change, { ...drift, read_at: '2026-01-01T00:00:30Z' })).toBe(false);
		expect(driftCleared(change, { ...drift, read_at: null })).toBe(false);
		expect(driftCleared({ ...change, applied_at: null }, drift)).toBe(false);
		expect(driftCleared(change, { ...drift, stacks: [{ name: 's', revision: 'base' }] })).toBe(false);
		expect(driftCleared(change, { ...drift, errors: [{ stack: 's', env: 'dev' }] })).toBe(false);
		expect(driftCleared(change, { ...drift, errors: [{ stack: 's', env: 'prod' }] })).toBe(true);
	});

	it('looks at the change’s own variables, the adopted item, or for a re-apply any unapplied or out-of-band item', () => {
		expect(driftCleared(change, { ...drift, items: [item({})] })).toBe(false);
		expect(driftCleared(change, { ...drift, items: [item({ variable: 'other' }), item({ env: 'prod' })] })).toBe(true);
		expect(driftCleared({ ...change, kind: 'adopt', variables: [], drift_item: 'k' }, { ...drift, items: [item({ variable: null })] })).toBe(false);
		const reapply = { ...change, kind: 'reapply' as const, variables: [] };
		expect(driftCleared(reapply, { ...drift, stacks: [{ name: 's', revision: 'base' }] })).toBe(true);
		expect(driftCleared(reapply, { ...drift, items: [item({ class: 'out-of-band', variable: 'x' })] })).toBe(false);
		expect(driftCleared(reapply, { ...drift, items: [item({ class: 'unmanaged', variable: null })] })).toBe(true);
	});
});

describe('change text', () => {
	const changed = [
		{ name: 'docker_hpa_max_replicas', old: 8, old_from: 'tfvars' as const, new: 10 },
		{ name: 'runner_image', old: undefined, old_from: 'unset' as const, new: 'registry/x:"1"' }
	];

	it('writes values as the tfvars file does, unset as (unset)', () => {
		expect(valueText(8)).toBe('8');
		expect(valueText('a"b')).toBe('"a\\"b"');
		expect(valueText(undefined)).toBe('(unset)');
		expect(valueText([1, 2])).toBe('[1, 2]');
		expect(changeSummary(changed)).toBe('docker_hpa_max_replicas 8 → 10, runner_image (unset) → "registry/x:\\"1\\""');
	});

	it('titles a change by its values unless the operator gave a title, clipped to 200 characters', () => {
		expect(changeTitle('gitlab-runners', 'dev', changed.slice(0, 1), 'edit')).toBe('gitlab-runners/dev: docker_hpa_max_replicas 8 → 10');
		expect(changeTitle('s', 'dev', changed.slice(0, 1), 'adopt')).toBe('s/dev: adopt live value: docker_hpa_max_replicas 8 → 10');
		expect(changeTitle('s', 'dev', changed, 'edit', '  Raise   docker  ')).toBe('Raise docker');
		expect(changeTitle('s', 'dev', changed, 'edit', 'x'.repeat(300))).toHaveLength(200);
	});

	it('names the operator and every value in the commit message, and fences the diff so no value can close the fence', () => {
		const t = { stack: 's', env: 'dev', file: 'tofu/stacks/s/dev.tfvars', kind: 'edit' as const, changed, operator: 'alice' };
		expect(commitMessage(t)).toBe(
			's/dev: docker_hpa_max_replicas 8 → 10, runner_image (unset) → "registry/x:\\"1\\""\n\ntofu/stacks/s/dev.tfvars:\n- docker_hpa_max_replicas: 8 → 10\n- runner_image: (unset) → "registry/x:\\"1\\""\n\nProposed by alice through runner-dashboard.\n'
		);
		const d = proposalDescription({ ...t, diff: '+x = "````"\n', link: 'https://d.example/changes/3', unchecked: ['x: var.y > 1 (uses another variable)'], droppedComments: ['# keep `me`'] });
		expect(d).toContain('Proposed by **alice** through runner-dashboard.');
		expect(d).toContain('`````diff\n+x = "````"\n`````');
		expect(d).toContain('Checked only by `tofu plan`: x: var.y > 1 (uses another variable).');
		expect(d).toContain("`# keep 'me'`");
		expect(d).toContain('Follow it on the dashboard: https://d.example/changes/3');
		expect(proposalRef('gitlab', 3)).toBe('!3');
		expect(proposalRef('github', 3)).toBe('#3');
		expect(proposalRef('github', null)).toBeNull();
	});
});
